import { conflict, forbidden, notFound, t } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findOverride, markApproved } from '../data-access/overrides.js';
import { mayAct, ownerRelationship } from './access.js';
import { overrideStatus, toOverride } from './override.js';
import type { Override } from './override.js';
import { announce } from './announce.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * A supervisor of the organisation that requested the override approves it (four eyes: never
 * the requester). Each refusal says why, so the right person can be found. `consent.override_approved`
 * goes out in the same transaction (identifiers only: the justification stays here).
 *
 * @throws AppError 404 for an unknown id; 403 for another organisation, another role or the
 * requester; 409 when it is no longer pending.
 */
export async function approveOverride(
  deps: { db: ConsentDatabase; texts: ConsentTexts; outbox: Outbox },
  principal: Principal,
  id: string,
  now: Date = new Date(),
): Promise<Override> {
  return deps.db.transaction(async (tx) => {
    const row = await findOverride(tx, deps.texts, id);
    if (row === null) throw notFound('No override has this id.');
    if (row.organizationId !== principal.organizationId) {
      throw forbidden('Only a supervisor of the organisation that requested this override can approve it.');
    }
    if (!mayAct(principal, 'override.approve', ownerRelationship(principal, row.organizationId))) {
      throw forbidden('Only a supervisor can approve a best-interests override.');
    }
    if (row.requestedBy === principal.userId) {
      throw forbidden('The person who requested an override cannot approve it; another supervisor must.');
    }
    const status = overrideStatus(row, now);
    if (status !== 'pending') throw conflict(t('This override is {status}, not pending approval.', { status }), { currentStatus: status });
    if (!(await markApproved(tx, { id, by: principal.userId, at: now }))) {
      throw conflict('This override changed meanwhile; read it again.');
    }
    const updated = await findOverride(tx, deps.texts, id);
    if (updated === null) throw notFound('No override has this id.');
    await announce(deps.outbox, tx, 'consent.override_approved', {
      overrideId: updated.id,
      caseCode: updated.caseCode,
      organizationId: updated.organizationId,
      approvedAt: now.toISOString(),
      expiresAt: updated.expiresAt.toISOString(),
    }, updated.id);
    return toOverride(updated, now);
  });
}
