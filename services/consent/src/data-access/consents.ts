import type { Consent } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type ConsentRow = Consent;
export type NewConsentRow = Omit<Consent, 'withdrawnAt' | 'consumedAt' | 'createdAt'>;

export function insertConsent(tx: Tx, consent: NewConsentRow): Promise<ConsentRow> {
  return tx.consent.create({ data: consent });
}

export function findConsent(tx: Tx, id: string): Promise<ConsentRow | null> {
  return tx.consent.findUnique({ where: { id } });
}

/**
 * One organisation's consents of one case, newest first (`createdAt`, then
 * `id`, descending), starting after `after` (keyset pagination).
 */
export function listConsentsOfCase(
  tx: Tx,
  options: { organizationId: string; caseCode: string; limit: number; after?: { createdAt: Date; id: string } },
): Promise<ConsentRow[]> {
  const { organizationId, caseCode, after } = options;
  return tx.consent.findMany({
    where: {
      organizationId,
      caseCode,
      ...(after === undefined
        ? {}
        : { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit,
  });
}
