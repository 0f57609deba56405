import { conflict, notFound } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findOverride, markApproved } from '../data-access/overrides.js';
import { toOverride } from './override.js';
import type { Override } from './override.js';
import { decisionReason, pendingOverrideFor, recordDecision } from './decide-override.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * A supervisor of the organisation that requested the override approves it (four eyes: never
 * the requester), with the reason when given, recorded with the decision (audited, sealed).
 * `consent.override_approved` goes out in the same transaction (identifiers only: the
 * justification and the reason stay here).
 *
 * @throws AppError 404 for an unknown id; 403 for another organisation, another role or the
 * requester; 400 for a reason too short; 409 when it is no longer pending.
 */
export async function approveOverride(
  deps: { db: ConsentDatabase; texts: ConsentTexts; outbox: Outbox },
  principal: Principal,
  id: string,
  input: { reason?: string } = {},
  now: Date = new Date(),
): Promise<Override> {
  return deps.db.transaction(async (tx) => {
    const row = await pendingOverrideFor(tx, deps.texts, principal, id, 'approve', now);
    const reason = decisionReason(input.reason, false);
    if (!(await markApproved(tx, { id, by: principal.userId, at: now }))) {
      throw conflict('This override changed meanwhile; read it again.');
    }
    await recordDecision(tx, deps.texts, { row, outcome: 'approved', reason, by: principal.userId, at: now });
    const updated = await findOverride(tx, deps.texts, id);
    if (updated === null) throw notFound('No override has this id.');
    await deps.outbox.publish(
      tx,
      'consent.override_approved',
      {
        overrideId: updated.id,
        caseCode: updated.caseCode,
        organizationId: updated.organizationId,
        approvedAt: now.toISOString(),
        expiresAt: updated.expiresAt.toISOString(),
      },
      { subject: updated.id },
    );
    return toOverride(updated, now);
  });
}
