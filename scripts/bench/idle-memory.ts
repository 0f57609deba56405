/**
 * Resident memory (RSS) of each service and of the console at idle, run the
 * way production runs them: `node dist/start.js`, each its own process with
 * the production image's memory settings (GLIBC_TUNABLES),
 * against scratch databases (migrated), a broker topology and Redis prefixes
 * of their own. Each process is started, answers a few requests (health, its
 * API description, every GET of its API that takes no path parameter, with a
 * coordinator's token; the console's public pages), is then left alone for
 * `--idle-seconds`, and its VmRSS is read from /proc/<pid>/status. A bare
 * Express + pg process (a pool, one query route) is measured the same way for
 * reference.
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/bench/idle-memory.ts
 *   … --from=source,dist      also measure the services run from TypeScript through tsx (the old `npm start`)
 *   … --idle-seconds=60       how long each process is left alone before its RSS is read (BENCH_IDLE_SECONDS, default 15)
 *   … --rounds=5              hubs started one after the other, the median RSS reported (BENCH_ROUNDS, default 3)
 *   BENCH_GLIBC_TUNABLES=… BENCH_NODE_OPTIONS=…   other memory settings than the production image's
 *                             (scripts/lib/build.mjs), e.g. BENCH_GLIBC_TUNABLES= for glibc's defaults
 *   BENCH_OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318   with tracing loaded (docs/operations/metrics-and-traces.md)
 *
 * Prints one BENCH_ROW line per process (`idle-rss-<name>`) and a table with
 * the breakdown /proc gives (anonymous memory, file-backed pages, peak).
 * Linux only (/proc). Needs the local PostgreSQL, RabbitMQ and Redis.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { networkTopology } from '@referral-hub/platform';
import { createTestDatabase, deleteTopology, uniqueTopologyNames } from '@referral-hub/testkit';
import type { TestDatabase } from '@referral-hub/testkit';
import { benchRowLine, median } from '@referral-hub/testkit/bench';
import { freePort } from '../../tests/e2e/harness/processes.js';
import { deleteRedisKeys } from '../../tests/e2e/harness/redis-keys.js';
import { devTokenSource } from '../demo/scenario.js';
import { RUNTIME_NODE_ARGS, buildStale, compiledEntry, runtimeEnv } from '../lib/build.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const HUB_ORGANIZATION_ID = '00000000-0000-4000-8000-00000000a0b1';
const GOAL_MB = 150;
const SERVICES = ['directory', 'consent', 'referrals', 'notifications'] as const;
type ServiceName = (typeof SERVICES)[number];
type Name = ServiceName | 'console';
type From = 'dist' | 'source';
const SOURCE_ARGS = ['--conditions=@referral-hub/source', '--import', 'tsx'];

function option(name: string, envName: string, fallback: string): string {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return flag?.slice(name.length + 3) ?? process.env[envName] ?? fallback;
}

const idleSeconds = Number(option('idle-seconds', 'BENCH_IDLE_SECONDS', '15'));
const rounds = Number(option('rounds', 'BENCH_ROUNDS', '3'));
const modes = option('from', 'BENCH_IDLE_FROM', 'dist')
  .split(',')
  .map((mode) => mode.trim())
  .filter((mode): mode is From => mode === 'dist' || mode === 'source');
if (!Number.isFinite(idleSeconds) || idleSeconds < 0 || !Number.isInteger(rounds) || rounds < 1 || modes.length === 0) {
  process.stderr.write('usage: idle-memory.ts [--from=dist|source|source,dist] [--idle-seconds=N] [--rounds=N]\n');
  process.exit(2);
}

/** What /proc says of a process's memory, in MB. */
type Memory = { rss: number; anon: number; file: number; peak: number };

async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? 0 : Number(match[1]) / 1024;
  };
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem'), peak: kb('VmHWM') };
}

type Proc = { name: string; child: ChildProcess; exited: Promise<void>; gone: () => boolean };
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function launch(name: string, args: string[], cwd: string, env: Record<string, string>, logFile: string): Proc {
  const log = createWriteStream(logFile, { flags: 'a' });
  const fullEnv: Record<string, string> = { ...env };
  for (const variable of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[variable];
    if (value !== undefined) fullEnv[variable] = value;
  }
  if (name !== 'identity' && name !== 'bare') {
    // The production image's memory settings (scripts/lib/build.mjs), or others to compare: BENCH_GLIBC_TUNABLES
    // (empty: glibc's defaults), BENCH_NODE_OPTIONS (e.g. --max-semi-space-size=2).
    fullEnv.GLIBC_TUNABLES = process.env.BENCH_GLIBC_TUNABLES ?? runtimeEnv({}).GLIBC_TUNABLES;
    // BENCH_OTEL_EXPORTER_OTLP_ENDPOINT: measure with tracing loaded (spans sent there, or lost if nothing listens).
    const otlp = process.env.BENCH_OTEL_EXPORTER_OTLP_ENDPOINT;
    if (otlp !== undefined && otlp !== '') fullEnv.OTEL_EXPORTER_OTLP_ENDPOINT = otlp;
    const nodeOptions = process.env.BENCH_NODE_OPTIONS;
    if (nodeOptions !== undefined && nodeOptions !== '') fullEnv.NODE_OPTIONS = nodeOptions;
  }
  const child = spawn(process.execPath, args, { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  live.add(child);
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      gone = true;
      live.delete(child);
      resolve();
    });
  });
  return { name, child, exited, gone: () => gone };
}

async function waitReady(proc: Proc, url: string, logFile: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.gone()) throw new Error(`${proc.name} exited before it was ready:\n${(await readFile(logFile, 'utf8').catch(() => '')).slice(-3000)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${proc.name} was not ready at ${url} after ${timeoutMs} ms (log: ${logFile})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function stop(proc: Proc): Promise<void> {
  if (proc.gone()) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

/** Every GET operation of an OpenAPI document that needs no path parameter. */
function simpleGets(document: unknown): string[] {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  return Object.entries(paths)
    .filter(([path, operations]) => !path.includes('{') && operations.get !== undefined)
    .map(([path]) => path);
}

/** A few requests of the kind a service gets, so that what is compiled or cached on first use is in the figure. */
async function exercise(baseUrl: string, token: string): Promise<number> {
  let count = 0;
  const get = async (path: string, withToken: boolean): Promise<unknown> => {
    const response = await fetch(`${baseUrl}${path}`, {
      headers: withToken ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
    count += 1;
    const type = response.headers.get('content-type') ?? '';
    return type.includes('json') ? response.json() : response.text();
  };
  await get('/livez', false);
  await get('/readyz', false);
  const document = await get('/openapi.json', false);
  for (let round = 0; round < 2; round += 1) {
    for (const path of simpleGets(document)) await get(path, true);
  }
  return count;
}

async function exerciseConsole(baseUrl: string): Promise<number> {
  const paths = ['/livez', '/readyz', '/', '/login?lang=en', '/signed-out', '/static/console.css', '/no-such-page'];
  for (let round = 0; round < 2; round += 1) {
    for (const path of paths) {
      const response = await fetch(`${baseUrl}${path}`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
    }
  }
  return paths.length * 2;
}

/** The bare reference: Express and a pg pool, one route doing a query, nothing else. */
const BARE_SERVER = `
import express from 'express';
import pg from 'pg';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = express();
app.get('/livez', (_req, res) => { res.json({ ok: true }); });
app.get('/readyz', async (_req, res) => { const { rows } = await pool.query('select now() as now'); res.json(rows[0]); });
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { server.close(); void pool.end(); });
`;

type Measured = { name: Name | 'bare'; from: From | 'bare'; memory: Memory; requests: number; startMs: number };

async function measureRound(from: From, logDir: string): Promise<Measured[]> {
  const cleanups: (() => Promise<void>)[] = [];
  const procs: Proc[] = [];
  try {
    const names = uniqueTopologyNames(`idle-memory-${from}`);
    const queuePrefix = names.consumer('');
    const notificationsPrefix = `idle-memory-${names.suffix}`;
    const consolePrefix = `idle-memory-console-${names.suffix}:`;
    const databases = {} as Record<ServiceName, TestDatabase>;
    await Promise.all(
      SERVICES.map(async (service) => {
        databases[service] = await createTestDatabase({ migrationsDir: join(root, 'services', service, 'prisma', 'migrations') });
        cleanups.push(() => databases[service].drop());
      }),
    );
    cleanups.push(async () => {
      const topology = networkTopology({ exchange: names.exchange, queuePrefix, retryDelayMs: 1000, deliveryLimit: 10 });
      await deleteTopology(AMQP_URL, { exchanges: topology.exchanges, queues: topology.queues });
    });
    cleanups.push(() => deleteRedisKeys(REDIS_URL, notificationsPrefix));
    cleanups.push(() => deleteRedisKeys(REDIS_URL, consolePrefix.slice(0, -1)));

    const port = { identity: await freePort(), directory: await freePort(), consent: await freePort(), referrals: await freePort(), notifications: await freePort(), console: await freePort(), bare: await freePort() };
    const url = (p: number): string => `http://127.0.0.1:${p}`;
    const issuer = url(port.identity);
    const audience = 'referral-hub';
    const identityDir = join(logDir, `identity-${from}`);
    const secrets = { referrals: randomBytes(18).toString('base64url'), notifications: randomBytes(18).toString('base64url'), console: randomBytes(18).toString('base64url') };
    const key = (): string => `bench1:${randomBytes(32).toString('base64')}`;

    // The development identity provider is a development tool (run from TypeScript, as `npm start` does); not measured.
    const identityLog = join(logDir, `identity-${from}.log`);
    const identity = launch('identity', [...SOURCE_ARGS, 'scripts/dev-identity.ts'], root, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DEV_IDENTITY_DIR: identityDir,
      DEV_IDENTITY_HOST: '127.0.0.1',
      DEV_IDENTITY_PORT: String(port.identity),
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      DEV_IDENTITY_CLIENTS: JSON.stringify([
        { clientId: 'referrals-service', secret: secrets.referrals, organizationId: HUB_ORGANIZATION_ID, roles: ['system'] },
        { clientId: 'notifications-service', secret: secrets.notifications, organizationId: HUB_ORGANIZATION_ID, roles: ['system'] },
      ]),
      DEV_IDENTITY_LOGIN_CLIENTS: JSON.stringify([
        { clientId: 'console', secret: secrets.console, redirectUris: [`${url(port.console)}/auth/callback`], postLogoutRedirectUris: [`${url(port.console)}/signed-out`] },
      ]),
      DEV_IDENTITY_DIRECTORY_URL: url(port.directory),
    }, identityLog);
    procs.push(identity);
    await waitReady(identity, `${issuer}/.well-known/jwks.json`, identityLog);

    // As in production: NODE_ENV=production, every secret given, the pool and intervals at their defaults.
    const common: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      AMQP_URL,
      AMQP_EXCHANGE: names.exchange,
      AMQP_QUEUE_PREFIX: queuePrefix,
      REDIS_URL,
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
    };
    const env: Record<Name, Record<string, string>> = {
      directory: { ...common, PORT: String(port.directory), DATABASE_URL: databases.directory.url },
      consent: { ...common, PORT: String(port.consent), DATABASE_URL: databases.consent.url, CONSENT_TEXT_KEYS: key() },
      referrals: {
        ...common,
        PORT: String(port.referrals),
        DATABASE_URL: databases.referrals.url,
        CONSENT_URL: url(port.consent),
        DIRECTORY_URL: url(port.directory),
        AUTH_CLIENT_TOKEN_URL: `${issuer}/token`,
        AUTH_CLIENT_ID: 'referrals-service',
        AUTH_CLIENT_SECRET: secrets.referrals,
        REFERRAL_PAYLOAD_KEYS: key(),
        ACTION_LINK_KEYS: key(),
        NOTIFICATION_CLIENT_SUBJECTS: 'notifications-service',
        HUB_ORGANIZATION_ID,
      },
      notifications: {
        ...common,
        PORT: String(port.notifications),
        DATABASE_URL: databases.notifications.url,
        NOTIFICATIONS_QUEUE_PREFIX: notificationsPrefix,
        // Nothing is sent while idle; a relay's address is required in production.
        SMTP_URL: 'smtp://127.0.0.1:2525',
        REFERRALS_URL: url(port.referrals),
        AUTH_CLIENT_TOKEN_URL: `${issuer}/token`,
        AUTH_CLIENT_ID: 'notifications-service',
        AUTH_CLIENT_SECRET: secrets.notifications,
        NOTIFICATIONS_SECRET_KEYS: key(),
        PHONE_CALLBACK_KEY: randomBytes(24).toString('base64url'),
      },
      console: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        PORT: String(port.console),
        CONSOLE_PUBLIC_URL: url(port.console),
        CONSOLE_SESSION_PREFIX: consolePrefix,
        OIDC_ISSUER: issuer,
        OIDC_CLIENT_ID: 'console',
        OIDC_CLIENT_SECRET: secrets.console,
        REDIS_URL,
        DIRECTORY_URL: url(port.directory),
        CONSENT_URL: url(port.consent),
        REFERRALS_URL: url(port.referrals),
        NOTIFICATIONS_URL: url(port.notifications),
      },
    };
    const dirOf = (name: Name): string => (name === 'console' ? 'apps/console' : `services/${name}`);
    const started = new Map<Name, { proc: Proc; startMs: number; requests: number }>();
    const all: Name[] = [...SERVICES, 'console'];
    // One at a time: each gets the machine while it starts, as a deployment's rolling start would.
    for (const name of all) {
      const logFile = join(logDir, `${name}-${from}.log`);
      // As npm start and the image run them: with the platform's preload (tracing when configured).
      const args = from === 'dist' ? [...RUNTIME_NODE_ARGS, compiledEntry(root, dirOf(name))] : [...SOURCE_ARGS, ...RUNTIME_NODE_ARGS, 'src/start.ts'];
      const t0 = Date.now();
      const proc = launch(name, args, join(root, dirOf(name)), env[name], logFile);
      procs.push(proc);
      await waitReady(proc, `${url(port[name])}/readyz`, logFile);
      started.set(name, { proc, startMs: Date.now() - t0, requests: 0 });
    }
    const token = await devTokenSource({ dir: identityDir, issuer, audience })({ org: HUB_ORGANIZATION_ID, roles: ['network_coordinator'], sub: `idle-memory-${randomUUID()}` });
    for (const name of all) {
      const entry = started.get(name);
      if (entry === undefined) continue;
      entry.requests = name === 'console' ? await exerciseConsole(url(port.console)) : await exercise(url(port[name]), token);
    }

    const bareLog = join(logDir, `bare-${from}.log`);
    const t0 = Date.now();
    const bare = launch('bare', ['--input-type=module', '-e', BARE_SERVER], join(root, 'packages', 'platform'), { PORT: String(port.bare), DATABASE_URL: databases.directory.url, NODE_ENV: 'production' }, bareLog);
    procs.push(bare);
    await waitReady(bare, `${url(port.bare)}/readyz`, bareLog);
    const bareStartMs = Date.now() - t0;
    for (let i = 0; i < 10; i += 1) await (await fetch(`${url(port.bare)}/readyz`)).arrayBuffer();

    process.stdout.write(`    everything started and answered; idle for ${idleSeconds}s…\n`);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    for (const proc of procs) if (proc.gone()) throw new Error(`${proc.name} exited while idle (log in ${logDir})`);

    const results: Measured[] = [];
    for (const name of all) {
      const entry = started.get(name);
      if (entry?.proc.child.pid === undefined) continue;
      results.push({ name, from, memory: await memoryOf(entry.proc.child.pid), requests: entry.requests, startMs: entry.startMs });
    }
    if (bare.child.pid !== undefined) results.push({ name: 'bare', from: 'bare', memory: await memoryOf(bare.child.pid), requests: 11, startMs: bareStartMs });
    return results;
  } finally {
    // Services first, the identity provider last.
    for (const proc of [...procs].reverse()) await stop(proc).catch(() => undefined);
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
  }
}

/** One line per process and way of running it: the median of each figure over the rounds. */
function medians(all: Measured[]): (Measured & { samples: number[] })[] {
  const keys = [...new Set(all.map((m) => `${m.name}\u0000${m.from}`))];
  return keys.map((key) => {
    const group = all.filter((m) => `${m.name}\u0000${m.from}` === key);
    const first = group[0] as Measured;
    const pick = (f: (m: Measured) => number): number => median(group.map(f));
    return {
      name: first.name,
      from: first.from,
      memory: { rss: pick((m) => m.memory.rss), anon: pick((m) => m.memory.anon), file: pick((m) => m.memory.file), peak: pick((m) => m.memory.peak) },
      requests: first.requests,
      startMs: pick((m) => m.startMs),
      samples: group.map((m) => Math.round(m.memory.rss)),
    };
  });
}

async function main(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('this bench reads /proc: Linux only');
  process.stdout.write('Idle RSS of each service and the console (compiled JavaScript, one process each)\n');
  process.stdout.write(
    `  GLIBC_TUNABLES=${JSON.stringify(process.env.BENCH_GLIBC_TUNABLES ?? runtimeEnv({}).GLIBC_TUNABLES)} NODE_OPTIONS=${JSON.stringify(process.env.BENCH_NODE_OPTIONS ?? '')}\n`,
  );
  await buildStale(root);
  const logDir = await mkdtemp(join(tmpdir(), 'hub-idle-memory-'));
  const all: Measured[] = [];
  let failed = false;
  try {
    // Rounds interleave the ways of running (source, dist, source, dist…) so that both see the same machine.
    for (let round = 1; round <= rounds; round += 1) {
      for (const from of modes) {
        process.stdout.write(`  round ${round}/${rounds}, ${from}:\n`);
        all.push(...(await measureRound(from, logDir)));
      }
    }
  } catch (error) {
    failed = true;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n(logs kept in ${logDir})\n`);
  }
  if (!failed) await rm(logDir, { recursive: true, force: true });

  const results = medians(all);
  const bare = results.find((m) => m.name === 'bare');
  const fmt = (mb: number): string => `${Math.round(mb)} MB`;
  for (const m of results) {
    if (m.from !== 'dist') continue;
    const met = m.memory.rss < GOAL_MB;
    const row = {
      id: `idle-rss-${m.name}`,
      path: `RSS idle, ${m.name}`,
      hub: fmt(m.memory.rss),
      bare: bare === undefined ? '' : `${fmt(bare.memory.rss)} (Express + pg alone)`,
      ratio: null,
      ratioText: fmt(m.memory.rss),
      goal: `< ${GOAL_MB} MB`,
      met,
    };
    process.stdout.write(`${benchRowLine(row)}\n`);
  }

  const header = ['process', 'run from', 'RSS (median)', 'each round', 'anonymous', 'file-backed', 'peak RSS', 'requests', 'ready after'];
  const lines = results.map((m) => [
    m.name,
    m.from === 'dist' ? 'node dist/start.js' : m.from === 'source' ? 'tsx src/start.ts' : 'node -e (Express + pg)',
    fmt(m.memory.rss),
    m.samples.join(', '),
    fmt(m.memory.anon),
    fmt(m.memory.file),
    fmt(m.memory.peak),
    String(m.requests),
    `${(m.startMs / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)));
  const print = (cells: string[]): void => {
    process.stdout.write(`${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}\n`);
  };
  process.stdout.write(`\nAfter ${idleSeconds}s idle, median of ${rounds} round(s) (goal: < ${GOAL_MB} MB each):\n`);
  print(header);
  for (const line of lines) print(line);
  if (failed) process.exitCode = 1;
}

await main();
