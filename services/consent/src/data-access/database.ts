import { PrismaPg } from '@prisma/adapter-pg';
import { prismaDatabase } from '@referral-hub/platform';
import type { ServiceDatabase, SqlClient } from '@referral-hub/platform';
import type pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;
export type ConsentDatabase = ServiceDatabase<PrismaClient, Tx>;

/** The consent service's Prisma client on the service's shared pool. */
export function createConsentDatabase(pool: pg.Pool): ConsentDatabase {
  return prismaDatabase<Tx, PrismaClient>(new PrismaClient({ adapter: new PrismaPg(pool) }));
}

/** How long a statement of a plain-SQL transaction may run (lock waits included), like Prisma's transaction timeout. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * Runs `fn` in one transaction on a client of the pool, for the paths that skip the ORM (the
 * sharing decision): `BEGIN` and the statement timeout in one round trip, `COMMIT` when `fn`
 * resolves, `ROLLBACK` when it throws (a client whose rollback fails is discarded, not reused).
 */
export async function inSqlTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** A client of the pool as the platform's `SqlClient` (what the outbox writes through), for {@link inSqlTransaction}. */
export function asSqlClient(client: pg.PoolClient): SqlClient {
  return {
    $executeRawUnsafe: async (query, ...values) => (await client.query(query, values)).rowCount ?? 0,
    $queryRawUnsafe: async <R>(query: string, ...values: unknown[]) => (await client.query(query, values)).rows as R,
  };
}
