import type { Consent } from './generated/prisma/client.js';
import type { Tx } from './database.js';
import { textContext } from './sealed-texts.js';
import type { ConsentTexts } from './sealed-texts.js';

export type ConsentRow = Consent;
export type NewConsentRow = Omit<
  Consent,
  | 'withdrawnAt'
  | 'withdrawnBy'
  | 'withdrawalReason'
  | 'withdrawalNote'
  | 'consumedAt'
  | 'consumedByDecisionId'
  | 'consumedForReferralId'
  | 'expiredEventAt'
  | 'createdAt'
>;

/**
 * A row as the service reads it: its free texts (form reference, withdrawal note) opened. They
 * are stored sealed (`CONSENT_TEXT_KEYS`, the row id bound), or in clear when written before.
 */
function opened(texts: ConsentTexts, row: ConsentRow): ConsentRow {
  return {
    ...row,
    formReference: row.formReference === null ? null : texts.open(row.formReference, textContext('consent', 'form_reference', row.id)),
    withdrawalNote: row.withdrawalNote === null ? null : texts.open(row.withdrawalNote, textContext('consent', 'withdrawal_note', row.id)),
  };
}

export async function insertConsent(tx: Tx, texts: ConsentTexts, consent: NewConsentRow): Promise<ConsentRow> {
  const { formReference } = consent;
  const row = await tx.consent.create({
    data: { ...consent, formReference: formReference === null ? null : texts.seal(formReference, textContext('consent', 'form_reference', consent.id)) },
  });
  return opened(texts, row);
}

export async function findConsent(tx: Tx, texts: ConsentTexts, id: string): Promise<ConsentRow | null> {
  const row = await tx.consent.findUnique({ where: { id } });
  return row === null ? null : opened(texts, row);
}

/**
 * One organisation's consents of one case, newest first (`createdAt`, then
 * `id`, descending), starting after `after` (keyset pagination).
 */
export async function listConsentsOfCase(
  tx: Tx,
  texts: ConsentTexts,
  options: { organizationId: string; caseCode: string; limit: number; after?: { createdAt: Date; id: string } },
): Promise<ConsentRow[]> {
  const { organizationId, caseCode, after } = options;
  const rows = await tx.consent.findMany({
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
  return rows.map((row) => opened(texts, row));
}

/** Every consent of one case of one organisation, whatever its status. */
export async function findConsentsOfCase(tx: Tx, texts: ConsentTexts, organizationId: string, caseCode: string): Promise<ConsentRow[]> {
  const rows = await tx.consent.findMany({ where: { organizationId, caseCode }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => opened(texts, row));
}

/**
 * Withdraws a consent unless it already is; returns the updated row, or null when it was
 * already withdrawn (or does not exist). The note is sealed from this first write on (the
 * audit chain's write-once stamp takes it as stored).
 */
export async function markWithdrawn(
  tx: Tx,
  texts: ConsentTexts,
  options: { id: string; by: string; reason: string; note: string | null; at: Date },
): Promise<ConsentRow | null> {
  const note = options.note === null ? null : texts.seal(options.note, textContext('consent', 'withdrawal_note', options.id));
  const { count } = await tx.consent.updateMany({
    where: { id: options.id, withdrawnAt: null },
    data: { withdrawnAt: options.at, withdrawnBy: options.by, withdrawalReason: options.reason, withdrawalNote: note },
  });
  return count === 0 ? null : findConsent(tx, texts, options.id);
}

export type ExpiredConsent = { id: string; case_code: string; organization_id: string; expires_at: Date };

/**
 * Claims up to `limit` consents whose expiry passed and was not announced yet, skipping rows
 * another instance holds (`SKIP LOCKED`), and marks them announced. Withdrawn consents are
 * skipped: their withdrawal already took their cover away.
 */
export async function claimExpiredConsents(tx: Tx, now: Date, limit: number): Promise<ExpiredConsent[]> {
  const rows = await tx.$queryRaw<ExpiredConsent[]>`
    SELECT id, case_code, organization_id, expires_at FROM consent
     WHERE expired_event_at IS NULL AND withdrawn_at IS NULL AND expires_at <= ${now}
     ORDER BY expires_at, id
     LIMIT ${limit}
     FOR UPDATE SKIP LOCKED`;
  if (rows.length > 0) {
    await tx.$executeRaw`UPDATE consent SET expired_event_at = ${now} WHERE id = ANY(${rows.map((row) => row.id)}::uuid[])`;
  }
  return rows;
}
