// Finding (or fetching) the pnpm version the repository pins, without touching
// the system: a fresh machine has only Node and npm, and corepack cannot verify
// pnpm's signatures there (see docs/adr/0001-workspace-and-two-commands.md).
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { probe, run } from './proc.mjs';
import { HubError, info, step } from './ui.mjs';

/**
 * @typedef {object} Pnpm
 * @property {string} command  executable to spawn (`pnpm` or an absolute path)
 * @property {string} version  its version, e.g. "10.34.8"
 * @property {'path' | 'local'} source  found on PATH, or installed under .hub/tools
 * @property {NodeJS.ProcessEnv} env  environment for children: PATH reaches this pnpm,
 *   so package scripts that call `pnpm …` themselves get the same one
 */

/**
 * Reads the `packageManager` field of the root package.json.
 * @param {string} root repository root
 * @returns {{ name: string, version: string }}
 */
export function readPackageManager(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const field = typeof pkg.packageManager === 'string' ? pkg.packageManager : '';
  // "pnpm@10.34.8" or "pnpm@10.34.8+sha512.…" (corepack's integrity suffix).
  const match = /^(?<name>[^@]+)@(?<version>\d+\.\d+\.\d+[^+]*)/.exec(field);
  const name = match?.groups?.name;
  const version = match?.groups?.version;
  if (name !== 'pnpm' || version === undefined) {
    throw new HubError(`package.json must pin pnpm in "packageManager" (found ${JSON.stringify(field)})`);
  }
  return { name, version };
}

/** @param {string} version */
function major(version) {
  return version.split('.')[0];
}

/** Environment that keeps a corepack shim from prompting or hanging while we probe. */
function probeEnv() {
  return { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0', COREPACK_ENABLE_STRICT: '0' };
}

/**
 * Returns a pnpm of the pinned major version: the one on PATH when it fits,
 * otherwise the exact pinned version installed under `.hub/tools` with npm
 * (installed once, reused afterwards).
 * @param {string} root repository root
 * @returns {Promise<Pnpm>}
 */
export async function ensurePnpm(root) {
  const wanted = readPackageManager(root).version;

  const globalVersion = probe('pnpm', ['--version'], { env: probeEnv(), timeoutMs: 20_000 });
  if (globalVersion && major(globalVersion) === major(wanted)) {
    return { command: 'pnpm', version: globalVersion, source: 'path', env: { ...process.env } };
  }

  const toolsDir = join(root, '.hub', 'tools');
  const binDir = join(toolsDir, 'node_modules', '.bin');
  const localBin = join(binDir, process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm');
  const env = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };

  const localVersion = existsSync(localBin) ? probe(localBin, ['--version']) : undefined;
  if (localVersion === wanted) {
    return { command: localBin, version: localVersion, source: 'local', env };
  }

  step(`installing pnpm ${wanted} into .hub/tools`);
  info(
    globalVersion
      ? `pnpm ${globalVersion} is on PATH but this repository pins pnpm ${wanted}`
      : 'pnpm is not on PATH; the system is left untouched',
  );
  const code = await run(
    'npm',
    ['install', '--prefix', toolsDir, `pnpm@${wanted}`, '--no-audit', '--no-fund', '--no-save', '--loglevel=error'],
    { cwd: root },
  );
  const installed = code === 0 && existsSync(localBin) ? probe(localBin, ['--version']) : undefined;
  if (installed !== wanted) {
    throw new HubError(
      `could not install pnpm ${wanted} with npm (exit code ${code}). ` +
        `Install it yourself (npm install -g pnpm@${wanted}) and run the command again.`,
    );
  }
  return { command: localBin, version: installed, source: 'local', env };
}
