import net from 'node:net';

import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createPool, databaseHealthCheck } from '../../src/db/index.js';
import { createTempDatabase, withClient } from './helpers.js';
import type { TempDatabase } from './helpers.js';

let db: TempDatabase;
const pools: pg.Pool[] = [];

beforeEach(async () => {
  db = await createTempDatabase();
});

afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end().catch(() => undefined);
  await db.drop();
});

function track(pool: pg.Pool): pg.Pool {
  pools.push(pool);
  return pool;
}

describe('createPool', () => {
  it('connects with the given application name and connection limit', async () => {
    const pool = track(createPool({ connectionString: db.url, max: 3, applicationName: 'directory-test' }));

    const { rows } = await pool.query<{ name: string }>('SELECT current_setting($1) AS name', ['application_name']);

    expect(rows[0]?.name).toBe('directory-test');
    expect(pool.options.max).toBe(3);
  });

  it('when an idle connection is killed, reports it and keeps serving queries', async () => {
    const errors: string[] = [];
    const pool = track(
      createPool({
        connectionString: db.url,
        max: 1,
        applicationName: 'idle-kill-test',
        logger: { error: (_fields, message) => errors.push(message) },
      }),
    );
    await pool.query('SELECT 1');

    await withClient(db.url, (admin) =>
      admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'idle-kill-test'`),
    );
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);

    expect(errors[0]).toMatch(/idle PostgreSQL connection failed/);
    const { rows } = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
  });
});

describe('databaseHealthCheck', () => {
  it('resolves when the database answers', async () => {
    const pool = track(createPool({ connectionString: db.url }));
    const check = databaseHealthCheck(pool);

    expect(check.name).toBe('postgres');
    await expect(check.check(AbortSignal.timeout(5_000))).resolves.toBeUndefined();
  });

  it('rejects when the database is unreachable', async () => {
    const closed = await unusedPort();
    const pool = track(createPool({ connectionString: `postgresql://postgres@127.0.0.1:${closed}/postgres`, connectionTimeoutMillis: 2_000 }));

    await expect(databaseHealthCheck(pool, 'db').check(AbortSignal.timeout(5_000))).rejects.toThrow();
  });

  it('when the database hangs, rejects as soon as the probe gives up', async () => {
    // A server that accepts connections and never answers.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const pool = track(createPool({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 30_000 }));
    try {
      const started = Date.now();
      await expect(databaseHealthCheck(pool).check(AbortSignal.timeout(200))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
