// Generated from pnpm.mjs by scripts/lib/declarations.mjs; do not edit.
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
export function readPackageManager(root: string): {
    name: string;
    version: string;
};
/**
 * Returns a pnpm of the pinned major version: the one on PATH when it fits,
 * otherwise the exact pinned version installed under `.hub/tools` with npm
 * (installed once, reused afterwards).
 * @param {string} root repository root
 * @returns {Promise<Pnpm>}
 */
export function ensurePnpm(root: string): Promise<Pnpm>;
export type Pnpm = {
    /**
     * executable to spawn (`pnpm` or an absolute path)
     */
    command: string;
    /**
     * its version, e.g. "10.34.8"
     */
    version: string;
    /**
     * found on PATH, or installed under .hub/tools
     */
    source: "path" | "local";
    /**
     * environment for children: PATH reaches this pnpm,
     * so package scripts that call `pnpm …` themselves get the same one
     */
    env: NodeJS.ProcessEnv;
};
