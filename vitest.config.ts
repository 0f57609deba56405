import { defineConfig } from 'vitest/config';

/**
 * One Vitest run for the whole workspace: every package and service is a project.
 * Workspace packages resolve to their TypeScript sources through the
 * `@referral-hub/source` export condition, so tests never need a build first.
 */
export default defineConfig({
  resolve: { conditions: ['@referral-hub/source'] },
  ssr: { resolve: { conditions: ['@referral-hub/source'] } },
  test: {
    projects: ['packages/*', 'services/*', 'apps/*', 'tests/*'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
