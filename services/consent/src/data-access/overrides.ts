import type { Override, OverrideDecision, Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';
import { textContext } from './sealed-texts.js';
import type { ConsentTexts } from './sealed-texts.js';

/** An override with the supervisor's decision on it, if any (approval or refusal, with the reason). */
export type OverrideRow = Override & { decision: OverrideDecision | null };
export type NewOverrideRow = Omit<Override, 'approvedBy' | 'approvedAt' | 'revokedBy' | 'revokedAt' | 'createdAt'>;
export type OverrideOutcome = 'approved' | 'refused';

const WITH_DECISION = { decision: true } as const;

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
  if (row.decision !== null && row.decision.reason !== null) {
    result.decision = { ...row.decision, reason: texts.open(row.decision.reason, decisionReasonContext(row.id)) };
  }
  return result;
}

export async function insertOverride(tx: Tx, texts: ConsentTexts, row: NewOverrideRow): Promise<OverrideRow> {
  const data = { ...row };
  for (const [field, column] of TEXTS) data[field] = texts.seal(row[field], textContext('override', column, row.id));
  return opened(texts, await tx.override.create({ data, include: WITH_DECISION }));
}

export async function findOverride(tx: Tx, texts: ConsentTexts, id: string): Promise<OverrideRow | null> {
  const row = await tx.override.findUnique({ where: { id }, include: WITH_DECISION });
  return row === null ? null : opened(texts, row);
}

export async function findOverridesOfCase(tx: Tx, texts: ConsentTexts, organizationId: string, caseCode: string): Promise<OverrideRow[]> {
  const rows = await tx.override.findMany({
    where: { organizationId, caseCode },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: WITH_DECISION,
  });
  return rows.map((row) => opened(texts, row));
}

/**
 * One organisation's overrides, newest first (`createdAt`, then `id`, descending), after `after`
 * (keyset pagination), of one case when `caseCode` is given. `status` is derived as
 * `overrideStatus` derives it, at `now`: refused, else revoked, else expired once past its end,
 * else pending until approved, else active.
 */
export async function listOverrideRows(
  tx: Tx,
  texts: ConsentTexts,
  options: {
    organizationId: string;
    caseCode?: string;
    status?: 'pending' | 'active' | 'expired' | 'revoked' | 'refused';
    now: Date;
    limit: number;
    after?: { createdAt: Date; id: string };
  },
): Promise<OverrideRow[]> {
  const { now, after } = options;
  const notRefused: Prisma.OverrideWhereInput = { OR: [{ decision: { is: null } }, { decision: { is: { outcome: 'approved' } } }] };
  const byStatus: Record<NonNullable<typeof options.status>, Prisma.OverrideWhereInput> = {
    refused: { decision: { is: { outcome: 'refused' } } },
    revoked: { AND: [notRefused, { revokedAt: { not: null } }] },
    expired: { AND: [notRefused, { revokedAt: null, expiresAt: { lte: now } }] },
    pending: { AND: [notRefused, { revokedAt: null, expiresAt: { gt: now }, approvedAt: null }] },
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
    include: WITH_DECISION,
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

/**
 * Records the supervisor's decision on an override, its reason sealed. The override id is the
 * key: a second decision (a concurrent approval and refusal) fails, so only one can stand.
 */
export async function insertDecision(
  tx: Tx,
  texts: ConsentTexts,
  options: { overrideId: string; organizationId: string; outcome: OverrideOutcome; reason: string | null; by: string; at: Date },
): Promise<void> {
  await tx.overrideDecision.create({
    data: {
      overrideId: options.overrideId,
      organizationId: options.organizationId,
      outcome: options.outcome,
      reason: options.reason === null ? null : texts.seal(options.reason, decisionReasonContext(options.overrideId)),
      decidedBy: options.by,
      decidedAt: options.at,
    },
  });
}

/** The sealing context of a decision's reason: bound to its override, like the override's own texts. */
function decisionReasonContext(overrideId: string): string {
  return textContext('override', 'decision_reason', overrideId);
}

/** Revokes an override; false when it already was. */
export async function markRevoked(tx: Tx, options: { id: string; by: string; at: Date }): Promise<boolean> {
  const { count } = await tx.override.updateMany({
    where: { id: options.id, revokedAt: null },
    data: { revokedAt: options.at, revokedBy: options.by },
  });
  return count === 1;
}
