import type { Tx } from './database.js';
import type { ReferralFormerLead } from './generated/prisma/client.js';

export type FormerLeadRow = ReferralFormerLead;

/** Keeps who led the referral until a transfer's acceptance, with their work contact. */
export async function insertFormerLead(tx: Tx, row: FormerLeadRow): Promise<void> {
  await tx.referralFormerLead.create({ data: row });
}

/** Those who led the referral before, oldest hand-over first. */
export function listFormerLeads(tx: Pick<Tx, 'referralFormerLead'>, referralId: string): Promise<FormerLeadRow[]> {
  return tx.referralFormerLead.findMany({ where: { referralId }, orderBy: { until: 'asc' } });
}
