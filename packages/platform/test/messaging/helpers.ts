import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { SqlClient, TransactionRunner } from '../../src/db/types.js';
import type { EventEnvelope, EventValidator } from '../../src/messaging/index.js';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Quiet by default; `TEST_LOG_LEVEL=debug` to watch the messaging layer. */
export const testLogger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export type TestDatabase = { name: string; url: string; pool: pg.Pool; drop(): Promise<void> };

/** A fresh `test_<random>` database with the outbox/inbox tables plus `extraSql`. */
export async function createTestDatabase(extraSql = ''): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  const tables = await readFile(new URL('../../src/db/messaging-tables.sql', import.meta.url), 'utf8');
  await pool.query(tables);
  if (extraSql !== '') await pool.query(extraSql);
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: PG_ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** The raw-SQL slice of a Prisma client, over one pg connection. */
export function sqlClient(client: pg.ClientBase): SqlClient {
  return {
    async $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> {
      const result = await client.query(query, values);
      return result.rowCount ?? 0;
    },
    async $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> {
      const result = await client.query(query, values);
      return result.rows as unknown as T;
    },
  };
}

/** `prisma.$transaction(fn)` over a pg pool. */
export function pgTransaction(pool: pg.Pool): TransactionRunner<SqlClient> {
  return async <T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(sqlClient(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
}

export const TEST_EVENT_TYPE = 'test.thing.happened';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const validateThing = ajv.compile({
  type: 'object',
  required: ['specversion', 'id', 'source', 'type', 'time', 'data'],
  additionalProperties: false,
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string', format: 'uuid' },
    source: { type: 'string', minLength: 1 },
    type: { const: TEST_EVENT_TYPE },
    time: { type: 'string', format: 'date-time' },
    subject: { type: 'string' },
    datacontenttype: { const: 'application/json' },
    data: {
      type: 'object',
      required: ['thingId', 'count'],
      additionalProperties: false,
      properties: { thingId: { type: 'string', format: 'uuid' }, count: { type: 'integer', minimum: 0 } },
    },
  },
});

/** A small stand-in for contracts' `validateEvent`, for one test event type. */
export const testValidator: EventValidator = (event: unknown) => {
  if (validateThing(event)) return { ok: true, event: event as EventEnvelope };
  return {
    ok: false,
    errors: (validateThing.errors ?? []).map((e) => ({ field: e.instancePath || '/', message: e.message ?? 'invalid' })),
  };
};

/** A valid test event with unique ids. */
export function buildThingEvent(overrides: Partial<EventEnvelope> & { data?: unknown } = {}): EventEnvelope {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/test',
    type: TEST_EVENT_TYPE,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { thingId: randomUUID(), count: 1 },
    ...overrides,
  };
}

/** Polls `condition` until true or fails after `timeoutMs`. */
export async function eventually(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
