import type { Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';
import { toReferralRow, toReferralRowOrNull } from './referral-row.js';
import type { ReferralRow } from './referral-row.js';

export type { ReferralRow } from './referral-row.js';

/** Which side of a referral an organisation is on. */
export type ReferralBox = 'sent' | 'received';

export async function findReferral(tx: Tx, id: string): Promise<ReferralRow | null> {
  return toReferralRowOrNull(await tx.referral.findUnique({ where: { id } }));
}

/** The list filters a caller may combine. */
export type ReferralFilters = {
  status?: readonly string[];
  urgency?: readonly string[];
  overdue?: boolean;
  /** Escalated at either stage (true), or at neither (false). */
  escalated?: boolean;
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
export async function listReferralsOfOrganization(
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
  if (filters.escalated !== undefined) {
    const escalated: Prisma.ReferralWhereInput = { OR: [{ acknowledgeEscalatedAt: { not: null } }, { decisionEscalatedAt: { not: null } }] };
    conditions.push(filters.escalated ? escalated : { NOT: escalated });
  }
  if (options.updatedUntil !== undefined) conditions.push({ updatedAt: { lte: options.updatedUntil } });
  if (after !== undefined) {
    const beyond = order === 'asc' ? 'gt' : 'lt';
    conditions.push({ OR: [{ updatedAt: { [beyond]: after.updatedAt } }, { updatedAt: after.updatedAt, id: { [beyond]: after.id } }] });
  }
  const rows = await tx.referral.findMany({
    where: { AND: conditions },
    orderBy: [{ updatedAt: order }, { id: order }],
    take: options.limit,
  });
  return rows.map(toReferralRow);
}

/** The referrals with these ids, in id order. */
export async function findReferralsById(tx: Tx, ids: readonly string[]): Promise<ReferralRow[]> {
  return (await tx.referral.findMany({ where: { id: { in: [...ids] } }, orderBy: { id: 'asc' } })).map(toReferralRow);
}

/*
 * What the recipient of a referral may have read and was not yet told it lost (`access_allowed_keys`,
 * NULL meaning the keys shared at submit), and `access_generation`, moved on at each recorded loss.
 * A read only widens it; the end of a basis (`revoke-access.ts`) narrows it under a row lock.
 */

/**
 * Adds the keys a fresh decision allowed and the bases it rested on, unless a loss of access was
 * recorded since `generation` was read (so a read that asked consent before a withdrawal cannot
 * widen it again afterwards). Writes nothing when both are already held.
 */
export async function widenReadableKeys(
  tx: Tx,
  change: { id: string; generation: number; keys: readonly string[]; basisIds: readonly string[] },
): Promise<void> {
  const keys = [...change.keys];
  const basisIds = [...change.basisIds];
  await tx.$executeRaw`
    UPDATE referral SET
      access_allowed_keys = ARRAY(SELECT DISTINCT unnest(COALESCE(access_allowed_keys, shared_field_keys) || ${keys}::text[])),
      consent_ids = ARRAY(SELECT DISTINCT unnest(consent_ids || ${basisIds}::uuid[]))
    WHERE id = ${change.id}::uuid AND access_generation = ${change.generation}
      AND NOT (COALESCE(access_allowed_keys, shared_field_keys) @> ${keys}::text[] AND consent_ids @> ${basisIds}::uuid[])`;
}

/**
 * Locks (in id order) the referrals of a case whose recipient may still read something, and gives
 * what each recipient may have read: of two ends of bases handled at once, the second waits for
 * the first and sees what it left. `FOR NO KEY UPDATE`, the row lock an UPDATE takes: it excludes
 * another such lock and any UPDATE, but not the key-share lock an access log insert takes on its
 * referral, so reads never wait for the consent call made under this lock.
 */
export async function lockReadableKeysOfCase(tx: Tx, organizationId: string, caseCode: string): Promise<{ id: string; readable: string[] }[]> {
  return tx.$queryRaw<{ id: string; readable: string[] }[]>`
    SELECT id::text AS id, COALESCE(access_allowed_keys, shared_field_keys) AS readable FROM referral
    WHERE referring_organization_id = ${organizationId}::uuid AND case_code = ${caseCode} AND status NOT IN ('draft', 'closed')
    ORDER BY id FOR NO KEY UPDATE`;
}

/**
 * The referrals of a case of an organisation, as {@link lockReadableKeysOfCase} finds them, without a lock:
 * what is read before the transaction that locks them (the decisions asked of consent meanwhile).
 */
export async function readableKeysOfCase(db: Tx, organizationId: string, caseCode: string): Promise<{ id: string; readable: string[] }[]> {
  return db.$queryRaw<{ id: string; readable: string[] }[]>`
    SELECT id::text AS id, COALESCE(access_allowed_keys, shared_field_keys) AS readable FROM referral
    WHERE referring_organization_id = ${organizationId}::uuid AND case_code = ${caseCode} AND status NOT IN ('draft', 'closed')
    ORDER BY id`;
}

/** Records what the recipient may still read after a loss, and moves the generation on (the row is locked). */
export async function narrowReadableKeys(tx: Tx, id: string, readable: readonly string[]): Promise<void> {
  await tx.$executeRaw`
    UPDATE referral SET access_allowed_keys = ${[...readable]}::text[], access_generation = access_generation + 1
    WHERE id = ${id}::uuid`;
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

/** The reply codes held by the open referrals (`statuses`) of a recipient organisation. */
export async function openReplyCodesOf(tx: Tx, recipientOrganizationId: string, statuses: readonly string[]): Promise<Set<string>> {
  const rows = await tx.referral.findMany({
    where: { recipientOrganizationId, status: { in: [...statuses] }, replyCode: { not: null } },
    select: { replyCode: true },
  });
  return new Set(rows.map((row) => row.replyCode).filter((code): code is string => code !== null));
}

/** The open referral (`statuses`) holding this reply code, among those received by these organisations. */
export async function findOpenReferralByReplyCode(
  tx: Tx,
  recipientOrganizationIds: readonly string[],
  replyCode: string,
  statuses: readonly string[],
): Promise<ReferralRow | null> {
  return toReferralRowOrNull(
    await tx.referral.findFirst({
      where: { recipientOrganizationId: { in: [...recipientOrganizationIds] }, replyCode, status: { in: [...statuses] } },
      orderBy: { id: 'asc' },
    }),
  );
}

/**
 * Referrals received by these organisations in `statuses`, the overdue ones first, then by their next deadline
 * (acknowledgement while submitted, else the decision), at most `limit`.
 */
export async function listWaitingReferrals(
  tx: Tx,
  recipientOrganizationIds: readonly string[],
  statuses: readonly string[],
  now: Date,
  limit: number,
): Promise<ReferralRow[]> {
  const ids = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM (
      SELECT id, CASE WHEN status = 'submitted' THEN acknowledge_due_at ELSE decision_due_at END AS due_at
        FROM referral
       WHERE recipient_organization_id = ANY(${[...recipientOrganizationIds]}::uuid[]) AND status = ANY(${[...statuses]}::text[])
    ) waiting
    ORDER BY (due_at IS NOT NULL AND due_at < ${now}::timestamptz) DESC, due_at ASC NULLS LAST, id ASC
    LIMIT ${limit}`;
  const rows = await tx.referral.findMany({ where: { id: { in: ids.map((row) => row.id) } } });
  const byId = new Map(rows.map((row) => [row.id, toReferralRow(row)]));
  return ids.map((row) => byId.get(row.id)).filter((row): row is ReferralRow => row !== undefined);
}
