import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@referral-hub/source'] },
  ssr: { resolve: { conditions: ['@referral-hub/source'] } },
  test: { name: 'console', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 180_000 },
});
