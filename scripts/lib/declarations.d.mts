// Generated from declarations.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * Compiles every helper's declarations in memory.
 * @returns {Promise<Map<string, string>>} declaration file name (e.g. "db.d.mts") → content
 */
export function emitDeclarations(): Promise<Map<string, string>>;
/**
 * The committed declaration files, for comparison.
 * @returns {Map<string, string>}
 */
export function readCommittedDeclarations(): Map<string, string>;
