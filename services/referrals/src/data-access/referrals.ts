import type { Prisma, Referral } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type ReferralRow = Referral;

/** Which side of a referral an organisation is on. */
export type ReferralBox = 'sent' | 'received';

/**
 * The referrals an organisation sent or received, most recently updated first
 * (`updatedAt`, then `id`, descending), starting after `after` (keyset
 * pagination). A recipient never sees a referral still in draft.
 */
export function listReferralsOfOrganization(
  tx: Tx,
  options: { organizationId: string; box: ReferralBox; limit: number; after?: { updatedAt: Date; id: string } },
): Promise<ReferralRow[]> {
  const { organizationId, box, after } = options;
  const side: Prisma.ReferralWhereInput =
    box === 'sent'
      ? { referringOrganizationId: organizationId }
      : { recipientOrganizationId: organizationId, status: { not: 'draft' } };
  return tx.referral.findMany({
    where: {
      ...side,
      ...(after === undefined
        ? {}
        : { OR: [{ updatedAt: { lt: after.updatedAt } }, { updatedAt: after.updatedAt, id: { lt: after.id } }] }),
    },
    orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
    take: options.limit,
  });
}
