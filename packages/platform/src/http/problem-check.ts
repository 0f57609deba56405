import { openApiJsonSchema } from '@referral-hub/contracts';
import addFormatsModule from 'ajv-formats';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The test-time guard of problem documents: every problem a test provokes is
 * validated against the contracts' `Problem` schema (the one the OpenAPI
 * documents publish) before it is sent. A bad one is recorded here and
 * answered as a 500 `invalid_problem` (see `sendProblem`), so the test that
 * provoked it fails on its status, and a suite's teardown can assert that
 * nothing was recorded ({@link problemDefects}).
 */

const addFormats = addFormatsModule.default;

/** One problem that did not match the schema (or had an untranslated text). */
export type ProblemDefect = { code: string; status: number; reasons: string[] };

const defects: ProblemDefect[] = [];
let validator: ValidateFunction | undefined;
let forced: boolean | undefined;

/** Whether problems are checked: under test (NODE_ENV=test, which Vitest sets), unless forced either way. */
export function problemChecksEnabled(): boolean {
  return forced ?? process.env.NODE_ENV === 'test';
}

/** Turns the checks on or off regardless of NODE_ENV (`undefined` restores the default). For tests of the check itself. */
export function forceProblemChecks(enabled: boolean | undefined): void {
  forced = enabled;
}

function problemValidator(): ValidateFunction {
  if (validator !== undefined) return validator;
  // `Problem` comes from common.yaml and is bundled into every service's document alike.
  const schema = openApiJsonSchema('consent', { $ref: '#/components/schemas/Problem' });
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  validator = ajv.compile(schema);
  return validator;
}

/** Why `problem` does not match the contracts' Problem schema; empty when it does. */
export function checkProblem(problem: unknown): string[] {
  const validate = problemValidator();
  if (validate(problem)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath === '' ? '(root)' : error.instancePath} ${error.message ?? 'is invalid'}`);
}

export function recordProblemDefect(defect: ProblemDefect): void {
  defects.push(defect);
  // Loud on purpose: a test asserting only a body field would otherwise hide it.
  console.error(`[invalid problem] ${defect.status} ${defect.code}: ${defect.reasons.join('; ')}`);
}

/** The bad problems sent by this process since the last {@link clearProblemDefects}. */
export function problemDefects(): readonly ProblemDefect[] {
  return [...defects];
}

export function clearProblemDefects(): void {
  defects.length = 0;
}
