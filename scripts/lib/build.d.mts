// Generated from build.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * The entry point a service or the console runs from once built.
 * @param {string} root repository root
 * @param {string} dir package folder relative to root, e.g. "services/consent"
 * @returns {string}
 */
export function compiledEntry(root: string, dir: string): string;
/**
 * Compiles what changed since the last build among `packages` (default: every
 * package a running hub loads), printing one line when nothing did. With type
 * errors the JavaScript is still emitted (as `tsc` does): the errors are
 * printed and `typeErrors` is true, so `npm start` can still run a hub while
 * someone is half-way through a change; `npm test` fails on them. Fails when a
 * package's entry point was not produced.
 * @param {string} root repository root
 * @param {{ packages?: readonly string[], quiet?: boolean }} [options]
 *   quiet: print only errors (for a package's own `start` script)
 * @returns {Promise<{ typeErrors: boolean, rebuilt: string[] }>}
 */
export function buildStale(root: string, options?: {
    packages?: readonly string[];
    quiet?: boolean;
}): Promise<{
    typeErrors: boolean;
    rebuilt: string[];
}>;
/**
 * The packages a running hub loads, dependencies first: the contracts and the
 * platform (imported through their `default` export condition, i.e. dist/),
 * the four services and the console. Test-only packages (testkit) are not run.
 */
export const RUNTIME_PACKAGES: readonly string[];
