import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@referral-hub/source'] },
  ssr: { resolve: { conditions: ['@referral-hub/source'] } },
  test: { name: 'platform', include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
});
