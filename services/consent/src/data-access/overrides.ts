import type { Override, Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';
import { textContext } from './sealed-texts.js';
import type { ConsentTexts } from './sealed-texts.js';

export type OverrideRow = Override;
export type NewOverrideRow = Omit<Override, 'approvedBy' | 'approvedAt' | 'revokedBy' | 'revokedAt' | 'createdAt'>;

/** The free texts of an override, sealed at rest (`CONSENT_TEXT_KEYS`, the row id bound). */
const TEXTS = [
  ['legalBasis', 'legal_basis'],
  ['justification', 'justification'],
  ['explanationGiven', 'explanation_given'],
] as const;

/** A row as the service reads it: its free texts opened (or as they are, when stored in clear before). */
function opened(texts: ConsentTexts, row: OverrideRow): OverrideRow {
  const result = { ...row };
  for (const [field, column] of TEXTS) result[field] = texts.open(row[field], textContext('override', column, row.id));
  return result;
}

export async function insertOverride(tx: Tx, texts: ConsentTexts, row: NewOverrideRow): Promise<OverrideRow> {
  const data = { ...row };
  for (const [field, column] of TEXTS) data[field] = texts.seal(row[field], textContext('override', column, row.id));
  return opened(texts, await tx.override.create({ data }));
}

export async function findOverride(tx: Tx, texts: ConsentTexts, id: string): Promise<OverrideRow | null> {
  const row = await tx.override.findUnique({ where: { id } });
  return row === null ? null : opened(texts, row);
}

export async function findOverridesOfCase(tx: Tx, texts: ConsentTexts, organizationId: string, caseCode: string): Promise<OverrideRow[]> {
  const rows = await tx.override.findMany({ where: { organizationId, caseCode }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => opened(texts, row));
}

/**
 * One organisation's overrides, newest first (`createdAt`, then `id`, descending), after `after`
 * (keyset pagination), of one case when `caseCode` is given. `status` is derived as
 * `overrideStatus` derives it, at `now`: revoked, else expired once past its end, else pending
 * until approved, else active.
 */
export async function listOverrideRows(
  tx: Tx,
  texts: ConsentTexts,
  options: {
    organizationId: string;
    caseCode?: string;
    status?: 'pending' | 'active' | 'expired' | 'revoked';
    now: Date;
    limit: number;
    after?: { createdAt: Date; id: string };
  },
): Promise<OverrideRow[]> {
  const { now, after } = options;
  const byStatus: Record<NonNullable<typeof options.status>, Prisma.OverrideWhereInput> = {
    revoked: { revokedAt: { not: null } },
    expired: { revokedAt: null, expiresAt: { lte: now } },
    pending: { revokedAt: null, expiresAt: { gt: now }, approvedAt: null },
    active: { revokedAt: null, expiresAt: { gt: now }, approvedAt: { not: null } },
  };
  const rows = await tx.override.findMany({
    where: {
      organizationId: options.organizationId,
      ...(options.caseCode === undefined ? {} : { caseCode: options.caseCode }),
      AND: [
        options.status === undefined ? {} : byStatus[options.status],
        after === undefined ? {} : { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] },
      ],
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit,
  });
  return rows.map((row) => opened(texts, row));
}

/** Approves a pending override; false when it was no longer pending (a concurrent approval or revocation). */
export async function markApproved(tx: Tx, options: { id: string; by: string; at: Date }): Promise<boolean> {
  const { count } = await tx.override.updateMany({
    where: { id: options.id, approvedAt: null, revokedAt: null },
    data: { approvedAt: options.at, approvedBy: options.by },
  });
  return count === 1;
}

/** Revokes an override; false when it already was. */
export async function markRevoked(tx: Tx, options: { id: string; by: string; at: Date }): Promise<boolean> {
  const { count } = await tx.override.updateMany({
    where: { id: options.id, revokedAt: null },
    data: { revokedAt: options.at, revokedBy: options.by },
  });
  return count === 1;
}
