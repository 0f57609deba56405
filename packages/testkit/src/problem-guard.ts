import { problemDefects } from '@referral-hub/platform';
import { afterAll, expect } from 'vitest';

/**
 * A Vitest setup file (`setupFiles` of each service's project): after each test
 * file, no problem the file provoked may have broken the contracts' Problem
 * schema or lacked a French wording. `sendProblem` already answers such a
 * problem with a 500 `invalid_problem`; this catches one a test provoked
 * without checking the status.
 */
afterAll(() => {
  expect(problemDefects(), 'problem documents that broke the Problem schema or had no French wording').toEqual([]);
});
