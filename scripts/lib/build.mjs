// Compiles the workspace packages the services run from, so that `npm start`
// runs the same JavaScript a production image does (node dist/start.js), not
// TypeScript compiled on the fly. TypeScript's build mode compares each
// project's sources with what it last emitted, so a second start with nothing
// changed costs well under a second; a changed package is compiled again alone.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HubError, info, step, warn } from './ui.mjs';

/**
 * The packages a running hub loads, dependencies first: the contracts and the
 * platform (imported through their `default` export condition, i.e. dist/),
 * the four services and the console. Test-only packages (testkit) are not run.
 */
export const RUNTIME_PACKAGES = Object.freeze([
  'packages/contracts',
  'packages/platform',
  'services/directory',
  'services/consent',
  'services/referrals',
  'services/notifications',
  'apps/console',
]);

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
export const RUNTIME_GLIBC_TUNABLES = 'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=32768';

/**
 * Node's options for a service or the console, the same in the Dockerfile's
 * CMD (a test keeps them equal): the platform's preload, which starts
 * OpenTelemetry tracing (and the loader hook that lets it patch pg, amqplib
 * and ioredis imported from ES modules) when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set, and does nothing otherwise (docs/operations/metrics-and-traces.md).
 */
export const RUNTIME_NODE_ARGS = ['--import', '@referral-hub/platform/register'];

/**
 * The environment variable that carries those settings, given the environment
 * the process would otherwise get: a GLIBC_TUNABLES already set is kept as it is.
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ GLIBC_TUNABLES: string }}
 */
export function runtimeEnv(env) {
  return { GLIBC_TUNABLES: env.GLIBC_TUNABLES?.trim() || RUNTIME_GLIBC_TUNABLES };
}

/**
 * The entry point a service or the console runs from once built.
 * @param {string} root repository root
 * @param {string} dir package folder relative to root, e.g. "services/consent"
 * @returns {string}
 */
export function compiledEntry(root, dir) {
  return join(root, dir, 'dist', 'start.js');
}

/**
 * Runs TypeScript's build mode over the given projects and resolves with its
 * exit code (0: built or up to date; otherwise errors, the JavaScript being
 * emitted all the same unless the configuration itself is broken) and output.
 * @param {string} root
 * @param {readonly string[]} projects tsconfig paths relative to root
 * @param {{ quiet?: boolean }} [options] quiet: output only when something is wrong
 * @returns {Promise<{ code: number, output: string }>}
 */
function tscBuild(root, projects, options = {}) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new HubError('TypeScript is not installed: run `npm start` (or `node scripts/hub.mjs install`) first');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '--build', ...(options.quiet ? [] : ['--verbose']), ...projects], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

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
export async function buildStale(root, options = {}) {
  const packages = (options.packages ?? RUNTIME_PACKAGES).filter((dir) => existsSync(join(root, dir, 'tsconfig.build.json')));
  if (packages.length === 0) return { typeErrors: false, rebuilt: [] };
  if (!options.quiet) step('compiling what changed (TypeScript to dist/)');
  const started = Date.now();
  const { code, output } = await tscBuild(
    root,
    packages.map((dir) => `${dir}/tsconfig.build.json`),
    { quiet: options.quiet === true },
  );
  // --verbose says "Building project '<path>'" for each project compiled again.
  const rebuilt = packages.filter((dir) => output.includes(`Building project '${join(root, dir, 'tsconfig.build.json')}'`));
  // Only TypeScript's diagnostics are worth showing (not --verbose's progress lines).
  const diagnostics = output
    .split('\n')
    .filter((line) => !/^\s*(\d{1,2}:\d{2}:\d{2}( [AP]M)? - |\* )/.test(line) && line.trim() !== '')
    .join('\n');
  if (code !== 0 && diagnostics !== '') process.stderr.write(`${diagnostics}\n`);
  const missing = packages.filter((dir) => dir !== 'packages/contracts' && dir !== 'packages/platform' && !existsSync(compiledEntry(root, dir)));
  const missingLibraries = ['packages/contracts', 'packages/platform'].filter(
    (dir) => packages.includes(dir) && !existsSync(join(root, dir, 'dist')),
  );
  if (missing.length > 0 || missingLibraries.length > 0) {
    throw new HubError(`compiling TypeScript left no JavaScript for ${[...missing, ...missingLibraries].join(', ')} (see above)`);
  }
  // A project with errors is compiled again (and its errors printed again) on every run until they are fixed.
  const typeErrors = code !== 0;
  if (typeErrors) warn('TypeScript reported errors (above); running the JavaScript it emitted anyway. `npm test` fails on them.');
  if (!options.quiet) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    info(rebuilt.length === 0 ? 'compiled JavaScript is up to date' : `compiled ${rebuilt.join(', ')} in ${seconds}s`);
  }
  return { typeErrors, rebuilt };
}
