import type { AgreementAcceptance, SharingAgreement } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type AgreementRow = SharingAgreement & { acceptances: AgreementAcceptance[] };
export type NewAgreementRow = Omit<SharingAgreement, 'createdAt'>;

export function insertAgreement(tx: Tx, row: NewAgreementRow): Promise<AgreementRow> {
  return tx.sharingAgreement.create({ data: row, include: { acceptances: true } });
}

export function findAgreement(tx: Tx, id: string): Promise<AgreementRow | null> {
  return tx.sharingAgreement.findUnique({ where: { id }, include: { acceptances: { orderBy: { acceptedAt: 'asc' } } } });
}

/** Agreements naming both organisations as parties, with their acceptances. */
export function findAgreementsBetween(tx: Tx, organizationA: string, organizationB: string): Promise<AgreementRow[]> {
  return tx.sharingAgreement.findMany({
    where: { partyOrganizationIds: { hasEvery: [organizationA, organizationB] } },
    include: { acceptances: true },
  });
}

/** Records a party's acceptance; false when that organisation had already accepted. */
export async function insertAcceptance(tx: Tx, row: { agreementId: string; organizationId: string; acceptedBy: string }): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO agreement_acceptance (agreement_id, organization_id, accepted_by)
    VALUES (${row.agreementId}::uuid, ${row.organizationId}::uuid, ${row.acceptedBy})
    ON CONFLICT DO NOTHING`;
  return inserted === 1;
}
