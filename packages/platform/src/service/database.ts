import type { SqlClient } from '../db/index.js';
import type { ServiceDatabase } from './start-service.js';

/** The part of a generated Prisma client that {@link prismaDatabase} uses. */
export type PrismaLikeClient<Tx> = {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
  $disconnect(): Promise<void>;
};

/**
 * Wraps a service's Prisma client as its {@link ServiceDatabase}: interactive
 * transactions for use cases and the inbox, `$disconnect` on stop.
 */
export function prismaDatabase<Tx extends SqlClient, Client extends PrismaLikeClient<Tx>>(
  client: Client,
  options: { transactionTimeoutMs?: number } = {},
): ServiceDatabase<Client, Tx> {
  const timeout = options.transactionTimeoutMs ?? 15_000;
  return {
    client,
    transaction: (fn) => client.$transaction(fn, { timeout, maxWait: timeout }),
    close: () => client.$disconnect(),
  };
}
