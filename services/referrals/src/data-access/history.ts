import type { AccessLogEntry, Prisma, ReferralHistory } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type HistoryRow = ReferralHistory;
export type AccessLogRow = AccessLogEntry;

export async function insertHistory(tx: Tx, row: Prisma.ReferralHistoryUncheckedCreateInput): Promise<void> {
  await tx.referralHistory.create({ data: row });
}

export function findHistory(tx: Tx, referralId: string): Promise<HistoryRow[]> {
  return tx.referralHistory.findMany({ where: { referralId }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] });
}

export async function insertAccessLog(tx: Tx, row: Prisma.AccessLogEntryUncheckedCreateInput): Promise<void> {
  await tx.accessLogEntry.create({ data: row });
}

/** One page of a referral's access log, oldest first, after `after`. */
export function findAccessLog(tx: Tx, referralId: string, limit: number, after?: { readAt: Date; id: string }): Promise<AccessLogRow[]> {
  return tx.accessLogEntry.findMany({
    where: {
      referralId,
      ...(after === undefined ? {} : { OR: [{ readAt: { gt: after.readAt } }, { readAt: after.readAt, id: { gt: after.id } }] }),
    },
    orderBy: [{ readAt: 'asc' }, { id: 'asc' }],
    take: limit,
  });
}
