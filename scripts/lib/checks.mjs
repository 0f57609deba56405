// `hub test`: every check the project has, in one run, ending with one plain
// summary line that CI logs and people can both read.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { onPath, run } from './proc.mjs';
import { info, paint, step, warn } from './ui.mjs';

/**
 * Tools some tests call besides Node: said before the tests run, with how to get them, so that
 * their failure is understood (the tests fail without them, never skip).
 */
function warnMissingTools() {
  if (!onPath('kubectl')) {
    warn(
      'kubectl is not on PATH: tests/infra/kubernetes.test.ts renders the Kubernetes manifests with `kubectl kustomize` and will fail. ' +
        'Install kubectl 1.27 or newer (https://kubernetes.io/docs/tasks/tools/; Debian/Ubuntu: the pkgs.k8s.io apt repository, `apt-get install kubectl`); no cluster is needed.',
    );
  }
}

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
export function readVitestReport(file) {
  if (!existsSync(file)) return undefined;
  /** @type {unknown} */
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof report !== 'object' || report === null) return undefined;
  const r = /** @type {Record<string, unknown>} */ (report);
  const num = (/** @type {string} */ key) => (typeof r[key] === 'number' ? /** @type {number} */ (r[key]) : 0);
  const files = Array.isArray(r.testResults) ? r.testResults : [];
  const brokenFiles = files.filter((entry) => {
    if (typeof entry !== 'object' || entry === null) return false;
    const { status, assertionResults } = /** @type {{ status?: unknown, assertionResults?: unknown }} */ (entry);
    const failedTests = Array.isArray(assertionResults)
      ? assertionResults.filter((a) => typeof a === 'object' && a !== null && /** @type {{ status?: unknown }} */ (a).status === 'failed').length
      : 0;
    return status === 'failed' && failedTests === 0;
  }).length;
  return {
    passed: num('numPassedTests'),
    failed: num('numFailedTests') + brokenFiles,
    skipped: num('numPendingTests') + num('numTodoTests'),
    brokenFiles,
  };
}

/**
 * Runs one step and times it.
 * @param {string} name
 * @param {() => Promise<number>} action
 * @returns {Promise<StepResult>}
 */
async function timed(name, action) {
  step(name);
  const started = Date.now();
  const code = await action();
  return { name, code, seconds: (Date.now() - started) / 1000 };
}

/**
 * Runs contracts:check, typecheck, lint and the whole vitest suite (all run,
 * even after a failure, so one CI run shows every problem), prints a summary
 * and returns the exit code.
 * @param {string} root repository root
 * @param {import('./pnpm.mjs').Pnpm} pnpm
 * @param {{ vitestArgs: string[], testsOnly: boolean }} options
 * @returns {Promise<number>}
 */
export async function runChecks(root, pnpm, options) {
  const opts = { cwd: root, env: pnpm.env };
  /** @type {StepResult[]} */
  const results = [];
  if (!options.testsOnly) {
    for (const script of ['contracts:check', 'typecheck', 'lint']) {
      results.push(await timed(script, () => run(pnpm.command, ['run', script], opts)));
    }
  }

  warnMissingTools();
  const reportFile = join(root, '.hub', 'test-results.json');
  mkdirSync(join(root, '.hub'), { recursive: true });
  rmSync(reportFile, { force: true });
  results.push(
    await timed('tests', () =>
      run(
        pnpm.command,
        [
          'exec',
          'vitest',
          'run',
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${relative(root, reportFile)}`,
          ...options.vitestArgs,
        ],
        opts,
      ),
    ),
  );

  console.log('');
  step('summary');
  for (const result of results) {
    const verdict = result.code === 0 ? paint('green', 'passed') : paint('red', `failed (exit code ${result.code})`);
    info(`${result.name.padEnd(16)} ${verdict} ${paint('gray', `${result.seconds.toFixed(1)}s`)}`);
  }
  const failedSteps = results.filter((result) => result.code !== 0);
  const counts = readVitestReport(reportFile);
  if (!counts) {
    console.log('no test results: vitest did not finish');
    return 1;
  }
  if (counts.skipped > 0) info(`${counts.skipped} skipped`);
  if (counts.brokenFiles > 0) info(`${counts.brokenFiles} test file(s) failed outside any test (see above)`);
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  return failedSteps.length > 0 || counts.failed > 0 ? 1 : 0;
}
