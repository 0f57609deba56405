import { CONSENT_WITHDRAWAL_REASONS } from '@referral-hub/contracts';
import { conflict, notFound, t, validationError } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findConsent, markWithdrawn } from '../data-access/consents.js';
import { can, ownerRelationship, requireAccess } from './access.js';
import { toConsent } from './consent.js';
import type { Consent, ConsentWithdrawalReason } from './consent.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

export type ConsentWithdrawal = { reasonCode: ConsentWithdrawalReason; note?: string };

/**
 * Withdraws a consent of the caller's organisation: who, when and why are kept, and
 * `consent.withdrawn` goes out in the same transaction (the note stays here: events carry codes
 * only). From the next decision on, nothing the consent covered is shared.
 *
 * @throws AppError 403 for a role that may not, 404 for another organisation's or an unknown
 * consent, 400 when the reason needs a note, 409 when it is already withdrawn.
 */
export async function withdrawConsent(
  deps: { db: ConsentDatabase; texts: ConsentTexts; outbox: Outbox },
  principal: Principal,
  id: string,
  input: ConsentWithdrawal,
  now: Date = new Date(),
): Promise<Consent> {
  requireAccess(principal, 'consent.withdraw', ['owner'], 'Only a caseworker or a supervisor can withdraw a consent.');
  const requiresNote = CONSENT_WITHDRAWAL_REASONS.find((reason) => reason.code === input.reasonCode)?.requiresNote ?? true;
  if (requiresNote && (input.note ?? '').trim() === '') {
    throw validationError([{ field: 'body.note', message: t('is required when the reason is {reason}', { reason: input.reasonCode }), code: 'required' }]);
  }
  return deps.db.transaction(async (tx) => {
    const existing = await findConsent(tx, deps.texts, id);
    if (existing === null || !can(principal, 'consent.withdraw', ownerRelationship(principal, existing.organizationId)).allowed) {
      throw notFound('No consent has this id.');
    }
    const row = await markWithdrawn(tx, deps.texts, { id, by: principal.userId, reason: input.reasonCode, note: input.note ?? null, at: now });
    if (row === null) throw conflict('This consent is already withdrawn.', { currentStatus: 'withdrawn' });
    await deps.outbox.publish(
      tx,
      'consent.withdrawn',
      { consentId: row.id, caseCode: row.caseCode, organizationId: row.organizationId, withdrawnAt: now.toISOString(), reasonCode: input.reasonCode },
      { subject: row.id },
    );
    return toConsent(row, now);
  });
}
