/**
 * How long the audit chain's lock holds writers up (ADR 17 against ADR 10).
 *
 * N clients (default 20) each run, again and again, the shape of a use-case's
 * transaction: BEGIN, insert one audit row, 5 ms of application work (a timer
 * in this process, no statement), COMMIT. Three tables of the same shape (the
 * access log's columns), in one scratch database:
 *
 * - `plain`: no chain at all (the bare baseline: the same inserts, nothing else);
 * - `at-insert`: chained at insert under a lock held until the transaction ends (ADR 10);
 * - `at-commit`: chained at commit by the deferred link trigger (ADR 17).
 *
 * Rounds are interleaved (plain, at-insert, at-commit, plain, …) and medians
 * reported. Then, with one client, the time a COMMIT takes on each table:
 * at commit the lock is taken inside the COMMIT and released when it ends, so
 * that time (less a round trip) bounds how long the lock is held, and the
 * plain table's shows what of it is the WAL flush (what pg_test_fsync measures).
 *
 *   node --conditions=@referral-hub/source --import tsx packages/platform/bench/audit-chain.ts
 *
 * Needs only the local PostgreSQL (TEST_DATABASE_URL, else the local server as
 * postgres). The load generator runs in this process, PostgreSQL in its own.
 * BENCH_SECONDS (per round and side, default 4), BENCH_ROUNDS (default 3),
 * BENCH_CLIENTS (default 20), BENCH_APP_MS (default 5) change the load.
 * Prints a readable summary only (no row of issue 16's table).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import { auditChainMigrationSql } from '../src/audit/index.js';
import type { AuditChainMode, AuditTable } from '../src/audit/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const APP_MS = Number(process.env.BENCH_APP_MS ?? 5);
const SINGLE_COMMITS = 300;
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

type Side = 'plain' | AuditChainMode;
const SIDES: readonly Side[] = ['plain', 'at-insert', 'at-commit'];

const COLUMNS = ['id', 'referral_id', 'reader_user_id', 'reader_organization_id', 'field_keys', 'decision_id', 'restricted_reason', 'request_id', 'read_at'];
const tableOf = (side: Side): AuditTable => ({ table: `bench_${side.replace('-', '_')}`, columns: COLUMNS, backfillOrder: ['read_at', 'id'] });

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const median = (values: number[]): number => quantile([...values].sort((a, b) => a - b), 0.5);

function insertSql(side: Side): string {
  return `INSERT INTO ${tableOf(side).table} (id, referral_id, reader_user_id, reader_organization_id, field_keys, decision_id, request_id)
          VALUES ($1, $2, 'focal-point', $3, '{child.firstName,protection.riskLevel}', $4, $5)`;
}

async function oneTransaction(client: pg.PoolClient, side: Side, appMs: number): Promise<number> {
  await client.query('BEGIN');
  await client.query(insertSql(side), [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomBytes(6).toString('hex')]);
  if (appMs > 0) await sleep(appMs);
  const started = performance.now();
  await client.query('COMMIT');
  return performance.now() - started;
}

type RoundResult = { tps: number; p50: number; p99: number; waiting: number };

/**
 * CLIENTS loops of transactions for SECONDS: transactions per second, latency percentiles, and how many
 * connections were waiting on an advisory lock (the chain's) on average, sampled every 50 ms from another connection.
 */
async function round(pool: pg.Pool, sampler: pg.Client, side: Side): Promise<RoundResult> {
  const deadline = performance.now() + SECONDS * 1000;
  const latencies: number[] = [];
  const waiting: number[] = [];
  const sampling = (async () => {
    while (performance.now() < deadline) {
      const { rows } = await sampler.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
      );
      waiting.push(Number(rows[0]?.n ?? 0));
      await sleep(50);
    }
  })();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < deadline) {
          const started = performance.now();
          await oneTransaction(client, side, APP_MS);
          latencies.push(performance.now() - started);
        }
      } finally {
        client.release();
      }
    }),
  );
  await sampling;
  latencies.sort((a, b) => a - b);
  const meanWaiting = waiting.reduce((sum, n) => sum + n, 0) / Math.max(1, waiting.length);
  return { tps: latencies.length / SECONDS, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), waiting: meanWaiting };
}

const name = `bench_audit_${randomBytes(6).toString('hex')}`;
await admin(`CREATE DATABASE "${name}"`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: CLIENTS + 2 });
pool.on('error', () => undefined);
const sampler = new pg.Client({ connectionString: url.toString() });
await sampler.connect();

try {
  for (const side of SIDES) {
    const table = tableOf(side);
    await pool.query(`CREATE TABLE ${table.table} (
      id uuid PRIMARY KEY, referral_id uuid NOT NULL, reader_user_id text NOT NULL, reader_organization_id uuid NOT NULL,
      field_keys text[] NOT NULL, decision_id uuid, restricted_reason text, request_id text, read_at timestamptz(3) NOT NULL DEFAULT now())`);
    if (side !== 'plain') await pool.query(auditChainMigrationSql(table, side));
  }
  // Warm-up: connections opened, plans cached.
  for (const side of SIDES) {
    const client = await pool.connect();
    try {
      for (let i = 0; i < 20; i += 1) await oneTransaction(client, side, 0);
    } finally {
      client.release();
    }
  }

  const results = new Map<Side, RoundResult[]>(SIDES.map((side) => [side, []]));
  for (let r = 1; r <= ROUNDS; r += 1) {
    for (const side of SIDES) {
      const result = await round(pool, sampler, side);
      results.get(side)?.push(result);
      console.log(
        `round ${r} ${side.padEnd(9)} ${result.tps.toFixed(0).padStart(6)} tx/s  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms  ` +
          `waiting on the chain's lock ${result.waiting.toFixed(1)}`,
      );
    }
  }

  // One client: how long a COMMIT takes on each table (at commit, the lock is held inside it and no longer).
  const client = await pool.connect();
  const commits = new Map<Side, number>();
  let roundTrip = Number.NaN;
  try {
    const trips: number[] = [];
    for (let i = 0; i < SINGLE_COMMITS; i += 1) {
      const started = performance.now();
      await client.query('SELECT 1');
      trips.push(performance.now() - started);
    }
    roundTrip = median(trips);
    const samples = new Map<Side, number[]>(SIDES.map((side) => [side, []]));
    for (let i = 0; i < SINGLE_COMMITS; i += 1) {
      for (const side of SIDES) samples.get(side)?.push(await oneTransaction(client, side, 0));
    }
    for (const side of SIDES) commits.set(side, median(samples.get(side) ?? []));
  } finally {
    client.release();
  }

  for (const side of SIDES.filter((s) => s !== 'plain')) {
    const report = await pool.query<{ ok: boolean }>(`SELECT count(*) = count(DISTINCT chain_seq) AND min(chain_seq) = 1 AND max(chain_seq) = count(*) AS ok FROM ${tableOf(side).table}`);
    if (report.rows[0]?.ok !== true) throw new Error(`${side}: the chain has holes or forks`);
  }

  const summary = Object.fromEntries(
    SIDES.map((side) => {
      const rows = results.get(side) ?? [];
      return [
        side,
        { tps: median(rows.map((x) => x.tps)), p50: median(rows.map((x) => x.p50)), p99: median(rows.map((x) => x.p99)), waiting: median(rows.map((x) => x.waiting)) },
      ];
    }),
  ) as Record<Side, RoundResult>;
  const plain = summary.plain.tps;
  console.log('');
  console.log(`Audit chain lock, ${CLIENTS} clients, each transaction: insert one audit row, ${APP_MS} ms in the application, commit.`);
  console.log(`Medians of ${ROUNDS} interleaved rounds of ${SECONDS} s; ${cpus().length} CPUs; PostgreSQL on loopback, load generator in this process.`);
  console.log(`| table | tx/s | p50 | p99 | connections waiting on the chain's lock | ratio to plain |`);
  console.log('|---|---|---|---|---|---|');
  for (const side of SIDES) {
    const s = summary[side];
    console.log(`| ${side} | ${s.tps.toFixed(0)} | ${s.p50.toFixed(1)} ms | ${s.p99.toFixed(1)} ms | ${s.waiting.toFixed(1)} | ${(s.tps / plain).toFixed(2)} |`);
  }
  const plainCommit = commits.get('plain') ?? Number.NaN;
  const atCommit = commits.get('at-commit') ?? Number.NaN;
  console.log('');
  console.log(`One client: round trip ${roundTrip.toFixed(2)} ms; COMMIT p50 plain ${plainCommit.toFixed(2)} ms, at-insert ${(commits.get('at-insert') ?? Number.NaN).toFixed(2)} ms, at-commit ${atCommit.toFixed(2)} ms.`);
  console.log(
    `At commit the chain's lock is held about ${(atCommit - roundTrip).toFixed(2)} ms per transaction (the COMMIT less a round trip), ` +
      `of which the WAL flush is about ${(plainCommit - roundTrip).toFixed(2)} ms and the link trigger about ${(atCommit - plainCommit).toFixed(2)} ms; ` +
      `at insert it was held from the INSERT to the end of the COMMIT (${APP_MS} ms of application work and more, per transaction).`,
  );
} finally {
  await sampler.end();
  await pool.end();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
