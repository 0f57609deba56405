import { randomUUID } from 'node:crypto';
import { validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { insertAgreement } from '../data-access/agreements.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { assertMayAct } from './access.js';
import { agreementRelationships, isoDay, toAgreement } from './agreement.js';
import type { Agreement, NewAgreement } from './agreement.js';

/**
 * Proposes an information-sharing protocol: parties, data groups, purposes, means and a review
 * date. The network coordinator may propose any; an organisation's administrator only one their
 * organisation is a party to. It is in force once every party accepted it.
 *
 * @throws AppError 403 for a caller who may not, 400 when the review date has passed.
 */
export async function proposeAgreement(
  deps: { db: ConsentDatabase },
  principal: Principal,
  input: NewAgreement,
  now: Date = new Date(),
): Promise<Agreement> {
  assertMayAct(
    principal,
    'agreement.propose',
    agreementRelationships(principal, input.partyOrganizationIds),
    'Only the network coordinator, or an administrator of one of the parties, can propose a sharing agreement.',
  );
  if (input.reviewDate < isoDay(now)) {
    throw validationError([{ field: 'body.reviewDate', message: 'must be today or later', code: 'range' }]);
  }
  const row = await insertAgreement(deps.db.client, {
    id: randomUUID(),
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
