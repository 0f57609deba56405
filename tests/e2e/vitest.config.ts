import { defineProject } from 'vitest/config';

/**
 * End-to-end tests: the four services and the development identity provider
 * run as separate processes (as `npm start` runs them), each file with its own
 * databases, broker names, ports, SMTP catcher and SMS gateway.
 */
export default defineProject({
  resolve: { conditions: ['@referral-hub/source'] },
  ssr: { resolve: { conditions: ['@referral-hub/source'] } },
  test: { name: 'e2e', include: ['**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 },
});
