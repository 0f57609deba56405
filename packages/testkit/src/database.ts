import { randomBytes } from 'node:crypto';

import { createPool, migrate, quoteIdentifier, splitDatabaseUrl } from '@referral-hub/platform';
import pg from 'pg';

/** The local server tests use unless `TEST_DATABASE_URL` points elsewhere. */
export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export type CreateTestDatabaseOptions = {
  /** A service's `prisma/migrations` folder, applied to the new database. */
  migrationsDir?: string;
  /**
   * Any URL of the server to create the database on (its database part is
   * ignored). Default `TEST_DATABASE_URL`, else the local server.
   */
  baseUrl?: string;
  /** Connections of the returned pool. Default 5. */
  poolMax?: number;
  /** The database name; must start with `test_`. Default `test_<16 random hex digits>`. */
  name?: string;
};

export type TestDatabase = {
  /** Connection URL of the new database. */
  url: string;
  /** `test_<random>`. */
  name: string;
  /** A pool on the new database; `drop()` ends it. */
  pool: pg.Pool;
  /** Ends the pool, terminates every other connection and drops the database. Safe to call twice. */
  drop: () => Promise<void>;
};

/**
 * Creates a fresh, uniquely named database (`test_<random>`) for one test file,
 * applies the given migrations to it, and returns a way to drop it. Test files
 * run in parallel, so each gets its own database instead of sharing tables.
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const baseUrl = options.baseUrl ?? process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const { adminUrl } = splitDatabaseUrl(baseUrl);
  const name = options.name ?? `test_${randomBytes(8).toString('hex')}`;
  // The prefix marks databases any developer may drop; never touch another name.
  if (!/^test_[A-Za-z0-9_]{1,58}$/.test(name)) throw new Error(`Test database name must match test_[A-Za-z0-9_]+ (got "${name}").`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  await adminQuery(adminUrl, `CREATE DATABASE ${quoteIdentifier(name)}`);
  let dropped = false;
  let pool: pg.Pool | undefined;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await pool?.end().catch(() => undefined);
    // FORCE terminates connections a test left open (a service not stopped, a leaked client).
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  };

  try {
    if (options.migrationsDir !== undefined) {
      await migrate({ connectionString: url.toString(), migrationsDir: options.migrationsDir });
    }
    pool = createPool({ connectionString: url.toString(), max: options.poolMax ?? 5, applicationName: 'referral-hub-test' });
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { url: url.toString(), name, pool, drop };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}
