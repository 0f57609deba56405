import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findOverride } from '../data-access/overrides.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';
import { decisionReason, pendingOverrideFor, recordDecision } from './decide-override.js';
import { toOverride } from './override.js';
import type { Override } from './override.js';

/**
 * A supervisor of the organisation that requested the override refuses it, saying why (four
 * eyes: never the requester). The refusal and its reason are an audit record of their own
 * (`override_decision`, the reason sealed); a refused override is never a basis for sharing and
 * cannot be approved afterwards.
 *
 * No event goes out: a pending override was never a basis for any sharing, and only the
 * requesting organisation ever sees an override, so no other service holds anything it changes.
 *
 * @throws AppError 404 for an unknown id; 403 for another organisation, another role or the
 * requester; 400 without a reason; 409 when it is no longer pending.
 */
export async function refuseOverride(
  deps: { db: ConsentDatabase; texts: ConsentTexts },
  principal: Principal,
  id: string,
  input: { reason?: string },
  now: Date = new Date(),
): Promise<Override> {
  return deps.db.transaction(async (tx) => {
    const row = await pendingOverrideFor(tx, deps.texts, principal, id, 'refuse', now);
    const reason = decisionReason(input.reason, true);
    await recordDecision(tx, deps.texts, { row, outcome: 'refused', reason, by: principal.userId, at: now });
    const updated = await findOverride(tx, deps.texts, id);
    if (updated === null) throw notFound('No override has this id.');
    return toOverride(updated, now);
  });
}
