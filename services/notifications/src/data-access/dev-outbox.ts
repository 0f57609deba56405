import type { DevOutbox } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type DevOutboxRow = DevOutbox;
export type NewDevOutboxRow = Pick<DevOutbox, 'id' | 'channel' | 'recipient' | 'subject' | 'bodyText' | 'bodyHtml'>;

/** Keeps a caught e-mail or SMS (development only). */
export async function insertDevOutboxMessage(tx: Tx, row: NewDevOutboxRow): Promise<void> {
  await tx.devOutbox.create({ data: row });
}

/**
 * Caught messages, newest first, at most `take`: only those to `to` (exactly, case-insensitively) when
 * given, only those caught at or after `since` when given.
 */
export function listDevOutbox(tx: Tx, filter: { to?: string; since?: Date; take: number }): Promise<DevOutboxRow[]> {
  return tx.devOutbox.findMany({
    where: {
      ...(filter.to === undefined ? {} : { recipient: { equals: filter.to, mode: 'insensitive' as const } }),
      ...(filter.since === undefined ? {} : { createdAt: { gte: filter.since } }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.take,
  });
}

export function findDevOutboxMessage(tx: Tx, id: string): Promise<DevOutboxRow | null> {
  return tx.devOutbox.findUnique({ where: { id } });
}
