// Running child processes from scripts/hub.mjs.
import { spawn, spawnSync } from 'node:child_process';

const isWindows = process.platform === 'win32';

/**
 * Runs a command with inherited stdio and resolves with its exit code
 * (128 + signal number style codes are folded to 1 when killed by a signal).
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<number>}
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: 'inherit',
      // .cmd shims (pnpm.cmd, npm.cmd) only start through a shell on Windows.
      shell: isWindows,
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * Runs a command synchronously and returns its trimmed stdout, or `undefined`
 * when it cannot start or exits non-zero. Used to probe tool versions.
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number }} [options]
 * @returns {string | undefined}
 */
export function probe(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 30_000,
    shell: isWindows,
  });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.trim();
}

/**
 * Whether `command` can be found on PATH (without running it).
 * @param {string} command
 * @returns {boolean}
 */
export function onPath(command) {
  const finder = isWindows ? 'where' : 'sh';
  const args = isWindows ? [command] : ['-c', `command -v "${command.replaceAll('"', '')}"`];
  const result = spawnSync(finder, args, { stdio: 'ignore' });
  return result.status === 0;
}
