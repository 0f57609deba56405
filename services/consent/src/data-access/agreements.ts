import { Prisma } from './generated/prisma/client.js';
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

/** Records a party's acceptance; false when that organisation had already accepted. */
export async function insertAcceptance(tx: Tx, row: { agreementId: string; organizationId: string; acceptedBy: string }): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO agreement_acceptance (agreement_id, organization_id, accepted_by)
    VALUES (${row.agreementId}::uuid, ${row.organizationId}::uuid, ${row.acceptedBy})
    ON CONFLICT DO NOTHING`;
  return inserted === 1;
}

/**
 * Agreements newest first (`createdAt`, then `id`, descending), after `after` (keyset
 * pagination): those naming `partyOrganizationId` as a party, or every one when it is absent.
 * `status` is derived as `agreementStatus` derives it, from `today` (`YYYY-MM-DD`, UTC): expired
 * once the review date is before today, else in force when every party accepted, else proposed.
 */
export async function listAgreementRows(
  tx: Tx,
  options: {
    partyOrganizationId?: string;
    status?: 'proposed' | 'in_force' | 'expired';
    today: string;
    limit: number;
    after?: { createdAt: Date; id: string };
  },
): Promise<AgreementRow[]> {
  const where: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (options.partyOrganizationId !== undefined) {
    where.push(Prisma.sql`a.party_organization_ids @> ARRAY[${options.partyOrganizationId}::uuid]`);
  }
  const everyPartyAccepted = Prisma.sql`NOT EXISTS (
    SELECT 1 FROM unnest(a.party_organization_ids) AS party(organization_id)
     WHERE NOT EXISTS (SELECT 1 FROM agreement_acceptance x
                        WHERE x.agreement_id = a.id AND x.organization_id = party.organization_id))`;
  if (options.status === 'expired') where.push(Prisma.sql`a.review_date < ${options.today}::date`);
  if (options.status === 'in_force') where.push(Prisma.sql`a.review_date >= ${options.today}::date AND ${everyPartyAccepted}`);
  if (options.status === 'proposed') where.push(Prisma.sql`a.review_date >= ${options.today}::date AND NOT ${everyPartyAccepted}`);
  const { after } = options;
  if (after !== undefined) {
    where.push(Prisma.sql`(a.created_at, a.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
  }
  const ids = await tx.$queryRaw<{ id: string }[]>`
    SELECT a.id FROM sharing_agreement a
     WHERE ${Prisma.join(where, ' AND ')}
     ORDER BY a.created_at DESC, a.id DESC
     LIMIT ${options.limit}`;
  if (ids.length === 0) return [];
  const rows = await tx.sharingAgreement.findMany({
    where: { id: { in: ids.map((row) => row.id) } },
    include: { acceptances: { orderBy: { acceptedAt: 'asc' } } },
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((row) => byId.get(row.id) ?? []);
}
