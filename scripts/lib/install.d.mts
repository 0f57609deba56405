// Generated from install.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * Whether `pnpm install` is needed: no node_modules yet, or the lockfile is
 * newer than pnpm's own record of the last install.
 * @param {string} root
 */
export function installNeeded(root: string): boolean;
/**
 * Installs dependencies when needed, then generates the Prisma clients when needed.
 * @param {string} root repository root
 * @param {import('./pnpm.mjs').Pnpm} pnpm
 */
export function install(root: string, pnpm: import("./pnpm.mjs").Pnpm): Promise<void>;
