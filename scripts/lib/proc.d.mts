// Generated from proc.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * Runs a command with inherited stdio and resolves with its exit code
 * (128 + signal number style codes are folded to 1 when killed by a signal).
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<number>}
 */
export function run(command: string, args: readonly string[], options?: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
}): Promise<number>;
/**
 * Runs a command synchronously and returns its trimmed stdout, or `undefined`
 * when it cannot start or exits non-zero. Used to probe tool versions.
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number }} [options]
 * @returns {string | undefined}
 */
export function probe(command: string, args: readonly string[], options?: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    timeoutMs?: number;
}): string | undefined;
/**
 * Whether `command` can be found on PATH (without running it).
 * @param {string} command
 * @returns {boolean}
 */
export function onPath(command: string): boolean;
