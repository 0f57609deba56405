/**
 * The benchmarks' shared plumbing: servers in their own Node processes, their CPU time, a closed-loop
 * load generator, medians and percentiles, and the `BENCH_ROW` line `npm run bench` parses.
 * Imported as `@referral-hub/testkit/bench` (light: no test runner, no database helpers).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One measured load: successful operations per second, latency percentiles (ms), failures, successes. */
export type LoadResult = { rps: number; p50: number; p99: number; errors: number; count: number };

/** A row of the benchmark table, as `npm run bench` reads it. */
export type BenchRow = { id: string; path: string; hub: string; bare: string; ratio: number | null; ratioText: string; goal: string; met: boolean };

/** Median of the values (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The q-quantile (0..1) of values already sorted ascending, nearest rank below; NaN for none. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The `BENCH_ROW {...}` line of a table row (fields always in the interface's order). */
export function benchRowLine(row: BenchRow): string {
  const { id, path, hub, bare, ratio, ratioText, goal, met } = row;
  return `BENCH_ROW ${JSON.stringify({ id, path, hub, bare, ratio, ratioText, goal, met })}`;
}

/** A TCP port free on the loopback interface now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once `url` answers (2xx, or any status with `anyStatus`); throws if `child` exits first or after `timeoutMs`. */
export async function waitReady(url: string, options: { timeoutMs?: number; intervalMs?: number; anyStatus?: boolean; child?: ChildProcess; describe?: () => string } = {}): Promise<void> {
  const { timeoutMs = 60_000, intervalMs = 200, anyStatus = false, child, describe = () => '' } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child !== undefined && child.exitCode !== null) throw new Error(`${url}: its process exited (${child.exitCode})\n${describe()}`);
    const ok = await fetch(url).then(
      async (response) => {
        await response.arrayBuffer();
        return anyStatus || response.ok;
      },
      () => false,
    );
    if (ok) return;
    await sleep(intervalMs);
  }
  throw new Error(`${url} not ready after ${timeoutMs / 1000} s\n${describe()}`);
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** User + system CPU time a process has used so far, in ms (Linux `/proc`); NaN where it cannot tell. */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

/**
 * A Node process from the repository root: a service from its compiled `<dir>/dist/start.js` or its
 * `<dir>/src/start.ts` through tsx, or a `.ts` script through tsx; stderr inherited; BENCH_CPU_PROF=<dir>
 * makes it write a V8 CPU profile there when it stops.
 */
export function spawnService(root: string, script: string, from: 'dist' | 'source', env: Record<string, string>): ChildProcess {
  const profile = process.env.BENCH_CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`];
  const entry = script.endsWith('.ts')
    ? ['--conditions=@referral-hub/source', '--import', 'tsx', script]
    : from === 'dist'
      ? [`${script}/dist/start.js`]
      : ['--conditions=@referral-hub/source', '--import', 'tsx', `${script}/src/start.ts`];
  const child = spawn(process.execPath, [...profile, ...entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null) console.error(`${script} exited with ${code}`);
    else if (signal !== null && signal !== 'SIGTERM') console.error(`${script} killed by ${signal}`);
  });
  return child;
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Closed-loop load: `clients` loops, each calling `operation(client)` one after another for `seconds`;
 * `true` counts a success (its latency kept), `false` or a throw a failure (the first throw given to `onFirstError`).
 */
export async function closedLoop(clients: number, seconds: number, operation: (client: number) => Promise<boolean>, onFirstError?: (error: unknown) => void): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let told = false;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await operation(client).catch((error: unknown) => {
          if (!told) onFirstError?.(error);
          told = true;
          return false;
        });
        if (ok) latencies.push(performance.now() - t0);
        else errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors, count: latencies.length };
}

/** A client-credentials token endpoint on the loopback: answers any client with the token `sign` gives. */
export async function startTokenServer(sign: () => Promise<string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      void sign().then((token) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/token`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
