import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

/**
 * Test helpers local to the platform's db tests. (The testkit's
 * createTestDatabase builds on this package, so these tests cannot use it.)
 */

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export type TempDatabase = { name: string; url: string; drop: () => Promise<void> };

/** Creates an empty database `test_<random>`; `drop()` removes it. */
export async function createTempDatabase(): Promise<TempDatabase> {
  const name = `test_${randomBytes(8).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return withClient(ADMIN_URL, (client) => client.query(sql, params));
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Copies a fixture folder to a fresh temporary folder, so a test may edit it. */
export async function copyFixture(name: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'referral-hub-migrations-'));
  const dir = path.join(root, name);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

/** Tables of the public schema with their column definitions, to compare before/after. */
export async function describeTables(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ line: string }>(
      `SELECT table_name || '.' || column_name || ':' || udt_name || ':' || is_nullable AS line
         FROM information_schema.columns
        WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position`,
    );
    return rows.map((row) => row.line);
  });
}

export type MigrationRecord = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
};

export async function migrationRows(url: string): Promise<MigrationRecord[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<MigrationRecord>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs
         FROM _prisma_migrations ORDER BY started_at, migration_name`,
    );
    return rows;
  });
}
