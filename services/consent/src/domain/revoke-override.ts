import { conflict, notFound } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findOverride, markRevoked } from '../data-access/overrides.js';
import { can, ownerRelationship, requireAccess } from './access.js';
import { overrideStatus, toOverride } from './override.js';
import type { Override } from './override.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * The owning organisation ends an override before its expiry; from the next decision on it is
 * no basis for sharing, and `consent.override_revoked` (same transaction) tells the referrals resting on it, which record what their recipients lost (reads ask afresh anyway).
 *
 * @throws AppError 403 for a role that may not, 404 for another organisation's or an unknown
 * override, 409 when already revoked or refused.
 */
export async function revokeOverride(
  deps: { db: ConsentDatabase; texts: ConsentTexts; outbox: Outbox },
  principal: Principal,
  id: string,
  now: Date = new Date(),
): Promise<Override> {
  requireAccess(principal, 'override.revoke', ['owner'], 'Only a caseworker or a supervisor can revoke an override.');
  return deps.db.transaction(async (tx) => {
    const row = await findOverride(tx, deps.texts, id);
    if (row === null || !can(principal, 'override.revoke', ownerRelationship(principal, row.organizationId)).allowed) {
      throw notFound('No override has this id.');
    }
    // A refused request is closed already: there is nothing left to end.
    if (overrideStatus(row, now) === 'refused') throw conflict('This override was refused; there is nothing to revoke.', { currentStatus: 'refused' });
    if (!(await markRevoked(tx, { id, by: principal.userId, at: now }))) {
      throw conflict('This override is already revoked.', { currentStatus: 'revoked' });
    }
    const updated = await findOverride(tx, deps.texts, id);
    if (updated === null) throw notFound('No override has this id.');
    await deps.outbox.publish(
      tx,
      'consent.override_revoked',
      { overrideId: updated.id, caseCode: updated.caseCode, organizationId: updated.organizationId, revokedAt: now.toISOString() },
      { subject: updated.id },
    );
    return toOverride(updated, now);
  });
}
