import { conflict, forbidden, notFound, t, validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { Tx } from '../data-access/database.js';
import { findOverride, insertDecision } from '../data-access/overrides.js';
import type { OverrideOutcome, OverrideRow } from '../data-access/overrides.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';
import { can, ownerRelationship } from './access.js';
import { overrideStatus } from './override.js';

/**
 * What approving and refusing an override share: only a supervisor of the organisation that
 * requested it, never the requester (four eyes), and only while it is pending. Each refusal says
 * why, so the right person can be found.
 *
 * @throws AppError 404 for an unknown id; 403 for another organisation, another role or the
 * requester; 409 when it is no longer pending.
 */
export async function pendingOverrideFor(
  tx: Tx,
  texts: ConsentTexts,
  principal: Principal,
  id: string,
  verb: 'approve' | 'refuse',
  now: Date,
): Promise<OverrideRow> {
  const row = await findOverride(tx, texts, id);
  if (row === null) throw notFound('No override has this id.');
  if (row.organizationId !== principal.organizationId) {
    throw forbidden(
      verb === 'approve'
        ? 'Only a supervisor of the organisation that requested this override can approve it.'
        : 'Only a supervisor of the organisation that requested this override can refuse it.',
    );
  }
  if (!can(principal, 'override.approve', ownerRelationship(principal, row.organizationId)).allowed) {
    throw forbidden(verb === 'approve' ? 'Only a supervisor can approve a best-interests override.' : 'Only a supervisor can refuse a best-interests override.');
  }
  if (row.requestedBy === principal.userId) {
    throw forbidden(
      verb === 'approve'
        ? 'The person who requested an override cannot approve it; another supervisor must.'
        : 'The person who requested an override cannot refuse it; another supervisor must (or revoke the request).',
    );
  }
  const status = overrideStatus(row, now);
  if (status !== 'pending') throw conflict(t('This override is {status}, not pending approval.', { status }), { currentStatus: status });
  return row;
}

/**
 * The reason as kept: trimmed; a reason of spaces only is no reason. `required` for a refusal,
 * optional for an approval (older clients approve without one).
 */
export function decisionReason(reason: string | undefined, required: boolean): string | null {
  const trimmed = reason?.trim() ?? '';
  if (trimmed.length >= 3) return trimmed;
  if (reason === undefined && !required) return null;
  throw validationError([{ field: 'body.reason', message: 'is required', code: 'required' }], 'The decision needs its reason.');
}

/**
 * Records the decision; the override id is its key, so when an approval and a refusal race, the
 * second fails here and its whole transaction is undone.
 */
export async function recordDecision(
  tx: Tx,
  texts: ConsentTexts,
  options: { row: OverrideRow; outcome: OverrideOutcome; reason: string | null; by: string; at: Date },
): Promise<void> {
  try {
    await insertDecision(tx, texts, {
      overrideId: options.row.id,
      organizationId: options.row.organizationId,
      outcome: options.outcome,
      reason: options.reason,
      by: options.by,
      at: options.at,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('This override changed meanwhile; read it again.');
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? String(error.code) : '';
  return code === 'P2002' || code === '23505' || error.message.includes('23505') || error.message.includes('Unique constraint');
}
