import { validationError } from '@referral-hub/platform';
import type { IdempotentAttempt, Principal } from '@referral-hub/platform';
import { findAgreement, insertAgreement } from '../data-access/agreements.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { requireAccess } from './access.js';
import { agreementRelationships, isoDay, toAgreement } from './agreement.js';
import type { Agreement, NewAgreement } from './agreement.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';

/**
 * Proposes an information-sharing protocol: parties, data groups, purposes, means and a review
 * date. The network coordinator may propose any; an organisation's administrator only one their
 * organisation is a party to. It is in force once every party accepted it.
 *
 * Under an `Idempotency-Key`, the agreement's id is the key's claim id: a retry resuming a run that
 * crashed after its commit answers the agreement that committed, never a second one.
 *
 * @throws AppError 403 for a caller who may not, 400 when the review date has passed.
 */
export async function proposeAgreement(
  deps: { db: ConsentDatabase },
  principal: Principal,
  input: NewAgreement,
  now: Date = new Date(),
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Agreement> {
  requireAccess(
    principal,
    'agreement.propose',
    agreementRelationships(principal, input.partyOrganizationIds),
    'Only the network coordinator, or an administrator of one of the parties, can propose a sharing agreement.',
  );
  const earlier = await committedEarlier(
    attempt,
    (id) => findAgreement(deps.db.client, id),
    (row) => row.createdByOrganizationId === principal.organizationId,
  );
  if (earlier !== null) return toAgreement(earlier, now);
  if (input.reviewDate < isoDay(now)) {
    throw validationError([{ field: 'body.reviewDate', message: 'must be today or later', code: 'range' }]);
  }
  const row = await insertAgreement(deps.db.client, {
    id: newRowId(attempt),
    title: input.title,
    partyOrganizationIds: input.partyOrganizationIds,
    dataGroups: input.dataGroups,
    purposes: input.purposes,
    means: input.means,
    reviewDate: new Date(`${input.reviewDate}T00:00:00.000Z`),
    createdBy: principal.userId,
    createdByOrganizationId: principal.organizationId,
  });
  return toAgreement(row, now);
}
