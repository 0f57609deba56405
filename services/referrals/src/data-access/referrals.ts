import type { Prisma, Referral } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type ReferralRow = Referral;

/** Which side of a referral an organisation is on. */
export type ReferralBox = 'sent' | 'received';

export type NewReferralRow = Prisma.ReferralUncheckedCreateInput;

export function insertReferral(tx: Tx, row: NewReferralRow): Promise<ReferralRow> {
  return tx.referral.create({ data: row });
}

export function findReferral(tx: Tx, id: string): Promise<ReferralRow | null> {
  return tx.referral.findUnique({ where: { id } });
}

/**
 * Applies a change only if the referral is still at `version` (and so still in
 * the status the caller decided on): of two conflicting transitions made at
 * once, exactly one matches, the other changes nothing and gets `null`.
 */
export async function updateReferralIfVersion(
  tx: Tx,
  id: string,
  version: number,
  data: Prisma.ReferralUncheckedUpdateManyInput,
): Promise<ReferralRow | null> {
  const { count } = await tx.referral.updateMany({ where: { id, version }, data: { ...data, version: version + 1 } });
  return count === 0 ? null : tx.referral.findUnique({ where: { id } });
}

/** The list filters a caller may combine. */
export type ReferralFilters = {
  status?: readonly string[];
  urgency?: readonly string[];
  overdue?: boolean;
  serviceId?: string;
  updatedSince?: Date;
};

/** Keyset position of the last item of a page. */
export type ListPosition = { updatedAt: Date; id: string };

function overdueCondition(overdue: boolean, now: Date): Prisma.ReferralWhereInput {
  const late: Prisma.ReferralWhereInput = {
    OR: [
      { status: 'submitted', acknowledgeDueAt: { lt: now } },
      { status: { in: ['submitted', 'acknowledged'] }, decisionDueAt: { lt: now } },
    ],
  };
  return overdue ? late : { NOT: late };
}

/**
 * The referrals an organisation sent or received, in `(updatedAt, id)` order
 * (descending for people, ascending for systems polling for changes),
 * starting after `after`. A recipient never sees a referral still in draft.
 */
export function listReferralsOfOrganization(
  tx: Tx,
  options: {
    organizationId: string;
    box: ReferralBox;
    limit: number;
    order: 'asc' | 'desc';
    filters: ReferralFilters;
    now: Date;
    /** Only rows updated at or before this instant (polling's settle time). */
    updatedUntil?: Date;
    after?: ListPosition;
  },
): Promise<ReferralRow[]> {
  const { organizationId, box, after, filters, order } = options;
  const side: Prisma.ReferralWhereInput =
    box === 'sent'
      ? { referringOrganizationId: organizationId }
      : { recipientOrganizationId: organizationId, status: { not: 'draft' } };
  const conditions: Prisma.ReferralWhereInput[] = [side];
  if (filters.status !== undefined) conditions.push({ status: { in: [...filters.status] } });
  if (filters.urgency !== undefined) conditions.push({ urgency: { in: [...filters.urgency] } });
  if (filters.serviceId !== undefined) conditions.push({ recipientServiceId: filters.serviceId });
  if (filters.updatedSince !== undefined) conditions.push({ updatedAt: { gte: filters.updatedSince } });
  if (filters.overdue !== undefined) conditions.push(overdueCondition(filters.overdue, options.now));
  if (options.updatedUntil !== undefined) conditions.push({ updatedAt: { lte: options.updatedUntil } });
  if (after !== undefined) {
    const beyond = order === 'asc' ? 'gt' : 'lt';
    conditions.push({ OR: [{ updatedAt: { [beyond]: after.updatedAt } }, { updatedAt: after.updatedAt, id: { [beyond]: after.id } }] });
  }
  return tx.referral.findMany({
    where: { AND: conditions },
    orderBy: [{ updatedAt: order }, { id: order }],
    take: options.limit,
  });
}

/** Referrals of a case of an organisation whose recipient can still read something. */
export function findReferralsOfCase(tx: Tx, organizationId: string, caseCode: string): Promise<ReferralRow[]> {
  return tx.referral.findMany({
    where: { referringOrganizationId: organizationId, caseCode, status: { notIn: ['draft', 'closed'] } },
    orderBy: { id: 'asc' },
  });
}

/**
 * Drops the cached access of every referral of the case and moves its
 * generation on, so that a read that fetched a decision before this moment
 * cannot store it afterwards.
 */
export function invalidateAccessOfCase(tx: Tx, organizationId: string, caseCode: string): Promise<number> {
  return tx.$executeRaw`
    UPDATE referral SET access_generation = access_generation + 1, access_allowed_keys = NULL,
      access_decision_id = NULL, access_valid_until = NULL
    WHERE referring_organization_id = ${organizationId}::uuid AND case_code = ${caseCode}`;
}

/** Stores the recipient's current access only if no consent event came since `generation` was read. */
export async function cacheAccess(
  tx: Tx,
  change: { id: string; generation: number; allowedKeys: readonly string[]; decisionId: string; validUntil: Date | null; consentIds: readonly string[] },
): Promise<void> {
  await tx.$executeRaw`
    UPDATE referral SET access_allowed_keys = ${[...change.allowedKeys]}::text[], access_decision_id = ${change.decisionId}::uuid,
      access_valid_until = ${change.validUntil}::timestamptz,
      consent_ids = ARRAY(SELECT DISTINCT unnest(consent_ids || ${[...change.consentIds]}::uuid[]))
    WHERE id = ${change.id}::uuid AND access_generation = ${change.generation}`;
}

/** The cached access as the table holds it (the generated type cannot say NULL for an array). */
export async function findCachedAccess(
  tx: Tx,
  id: string,
): Promise<{ generation: number; allowedKeys: string[] | null; decisionId: string | null; validUntil: Date | null } | null> {
  const rows = await tx.$queryRaw<{ access_generation: number; access_allowed_keys: string[] | null; access_decision_id: string | null; access_valid_until: Date | null }[]>`
    SELECT access_generation, access_allowed_keys, access_decision_id::text AS access_decision_id, access_valid_until
    FROM referral WHERE id = ${id}::uuid`;
  const row = rows[0];
  if (row === undefined) return null;
  return { generation: row.access_generation, allowedKeys: row.access_allowed_keys, decisionId: row.access_decision_id, validUntil: row.access_valid_until };
}

/** Claims referrals whose deadline for `stage` passed and was not announced, skipping rows other instances hold. */
export function claimOverdue(tx: Tx, stage: 'acknowledgement' | 'decision', now: Date, limit: number): Promise<{ id: string }[]> {
  return stage === 'acknowledgement'
    ? tx.$queryRaw<{ id: string }[]>`
        SELECT id::text AS id FROM referral
        WHERE status = 'submitted' AND acknowledge_overdue_at IS NULL AND acknowledge_due_at <= ${now}::timestamptz
        ORDER BY acknowledge_due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`
    : tx.$queryRaw<{ id: string }[]>`
        SELECT id::text AS id FROM referral
        WHERE status IN ('submitted', 'acknowledged') AND decision_overdue_at IS NULL AND decision_due_at <= ${now}::timestamptz
        ORDER BY decision_due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
}

/** Marks a stage's overdue announcement as made, without touching the version (it is not a transition). */
export async function markOverdue(tx: Tx, id: string, stage: 'acknowledgement' | 'decision', at: Date): Promise<void> {
  await tx.referral.update({
    where: { id },
    data: stage === 'acknowledgement' ? { acknowledgeOverdueAt: at } : { decisionOverdueAt: at },
  });
}
