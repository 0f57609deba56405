import path from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { createTestDatabase, DEFAULT_TEST_DATABASE_URL } from '../src/database.js';

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../platform/test/db/fixtures/basic');

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('creates a uniquely named database with the migrations applied, and drop() removes it', async () => {
    const first = await createTestDatabase({ migrationsDir: MIGRATIONS });
    const second = await createTestDatabase();
    try {
      expect(first.name).toMatch(/^test_[0-9a-f]{16}$/);
      expect(second.name).not.toBe(first.name);
      expect(new URL(first.url).pathname).toBe(`/${first.name}`);
      const { rows } = await first.pool.query<{ name: string }>('SELECT name FROM widget');
      expect(rows).toEqual([{ name: 'seed' }]);
      const empty = await second.pool.query(`SELECT to_regclass('widget') AS t`);
      expect(empty.rows).toEqual([{ t: null }]);
    } finally {
      await first.drop();
      await second.drop();
    }
    expect(await databaseExists(first.name)).toBe(false);
    expect(await databaseExists(second.name)).toBe(false);
  });

  it('drops the database even while a test still holds connections to it, and a second drop() is harmless', async () => {
    const db = await createTestDatabase();
    const leaked = new pg.Client({ connectionString: db.url });
    leaked.on('error', () => undefined);
    await leaked.connect();

    await db.drop();
    await db.drop();

    expect(await databaseExists(db.name)).toBe(false);
    await leaked.end().catch(() => undefined);
  });

  it('when a migration fails, drops the half-made database and rethrows', async () => {
    const name = `test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;

    await expect(createTestDatabase({ name, migrationsDir: path.resolve(MIGRATIONS, '../failing') })).rejects.toThrow(/20240102000000_broken/);

    expect(await databaseExists(name)).toBe(false);
  });

  it('refuses a database name without the test_ prefix', async () => {
    await expect(createTestDatabase({ name: 'postgres' })).rejects.toThrow(/test_/);
    expect(await databaseExists('postgres')).toBe(true);
  });
});
