// Generated from checks.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * @typedef {object} StepResult
 * @property {string} name
 * @property {number} code
 * @property {number} seconds
 */
/**
 * @typedef {object} TestCounts
 * @property {number} passed
 * @property {number} failed         failed tests plus test files that failed before any test ran
 * @property {number} skipped
 * @property {number} brokenFiles    test files that failed to load or crashed outside a test
 */
/**
 * Reads vitest's JSON report (jest-compatible shape).
 * @param {string} file
 * @returns {TestCounts | undefined} undefined when the report is missing or unreadable
 */
export function readVitestReport(file: string): TestCounts | undefined;
/**
 * Runs contracts:check, typecheck, lint and the whole vitest suite (all run,
 * even after a failure, so one CI run shows every problem), prints a summary
 * and returns the exit code.
 * @param {string} root repository root
 * @param {import('./pnpm.mjs').Pnpm} pnpm
 * @param {{ vitestArgs: string[], testsOnly: boolean }} options
 * @returns {Promise<number>}
 */
export function runChecks(root: string, pnpm: import("./pnpm.mjs").Pnpm, options: {
    vitestArgs: string[];
    testsOnly: boolean;
}): Promise<number>;
export type StepResult = {
    name: string;
    code: number;
    seconds: number;
};
export type TestCounts = {
    passed: number;
    /**
     * failed tests plus test files that failed before any test ran
     */
    failed: number;
    skipped: number;
    /**
     * test files that failed to load or crashed outside a test
     */
    brokenFiles: number;
};
