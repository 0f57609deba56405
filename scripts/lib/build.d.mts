// Generated from build.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * The environment variable that carries those settings, given the environment
 * the process would otherwise get: a GLIBC_TUNABLES already set is kept as it is.
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ GLIBC_TUNABLES: string }}
 */
export function runtimeEnv(env: NodeJS.ProcessEnv): {
    GLIBC_TUNABLES: string;
};
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
/**
 * The C library's memory settings every service and the console run with,
 * here (`npm start`) as in the production image (Dockerfile): measured by
 * scripts/bench/idle-memory.ts, they take each process's resident memory at
 * idle from 160-200 MB to about 100 MB (docs/benchmarks/memory.md). V8's
 * compilers take 60-70 MB of scratch memory in blocks of 32 KiB and more
 * while a service starts and serves its first queries (Prisma's WebAssembly
 * query compiler above all) and free it; glibc's arenas (one per thread)
 * otherwise keep it for ever. Here: at most two arenas, blocks of 32 KiB and
 * more mapped on their own (so given back when freed), free memory at the top
 * of the heap given back above 128 KiB. Node's own options are left at their
 * defaults: capping V8's young generation saved little more and cost
 * throughput.
 */
export const RUNTIME_GLIBC_TUNABLES: "glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=32768";
/**
 * Node's options for a service or the console, the same in the Dockerfile's
 * CMD (a test keeps them equal): the platform's preload, which starts
 * OpenTelemetry tracing (and the loader hook that lets it patch pg, amqplib
 * and ioredis imported from ES modules) when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set, and does nothing otherwise (docs/operations/metrics-and-traces.md).
 */
export const RUNTIME_NODE_ARGS: string[];
