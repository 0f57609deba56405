import type { Tx } from './database.js';
import type { ReferralFormerLead } from './generated/prisma/client.js';

export type FormerLeadRow = ReferralFormerLead;

/** Those who led the referral before, oldest hand-over first. */
export function listFormerLeads(tx: Pick<Tx, 'referralFormerLead'>, referralId: string): Promise<FormerLeadRow[]> {
  return tx.referralFormerLead.findMany({ where: { referralId }, orderBy: { until: 'asc' } });
}

/** When the lead role left this organisation in a transfer (null: it never did). */
export async function handedOverAt(tx: Pick<Tx, 'referralFormerLead'>, referralId: string, organizationId: string): Promise<Date | null> {
  const row = await tx.referralFormerLead.findFirst({ where: { referralId, organizationId }, orderBy: { until: 'desc' } });
  return row?.until ?? null;
}

/** The access log as `findAccessLog`, up to an instant (a sending organisation's share after a transfer). */
export function findAccessLogUntil(tx: Pick<Tx, 'accessLogEntry'>, referralId: string, until: Date, limit: number, after?: { readAt: Date; id: string }) {
  return tx.accessLogEntry.findMany({
    where: {
      referralId,
      readAt: { lte: until },
      ...(after === undefined ? {} : { OR: [{ readAt: { gt: after.readAt } }, { readAt: after.readAt, id: { gt: after.id } }] }),
    },
    orderBy: [{ readAt: 'asc' }, { id: 'asc' }],
    take: limit,
  });
}
