/**
 * Fails (exit code 1) when a committed generated file no longer matches its sources, naming each
 * one. Run: `pnpm --filter @referral-hub/contracts check` (CI runs it too).
 */
import { findStaleFiles } from './staleness.js';

const stale = await findStaleFiles();
if (stale.length === 0) {
  console.log('contracts: generated files are up to date');
} else {
  for (const file of stale) console.error(`stale: ${file.path} (${file.problem})`);
  console.error('contracts: run `pnpm --filter @referral-hub/contracts generate` and commit the result');
  process.exitCode = 1;
}
