import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@referral-hub/source'] },
  ssr: { resolve: { conditions: ['@referral-hub/source'] } },
  test: { name: 'consent', include: ['test/**/*.test.ts'], setupFiles: ['../../packages/testkit/src/problem-guard.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
});
