import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { findAgreement } from '../data-access/agreements.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { can } from './access.js';
import { agreementRelationships, toAgreement } from './agreement.js';
import type { Agreement } from './agreement.js';

/**
 * An agreement, for the network coordinator and the parties' members.
 *
 * @throws AppError 404 for anyone else or an unknown id.
 */
export async function getAgreement(deps: { db: ConsentDatabase }, principal: Principal, id: string): Promise<Agreement> {
  const row = await findAgreement(deps.db.client, id);
  if (row === null || !can(principal, 'agreement.read', agreementRelationships(principal, row.partyOrganizationIds)).allowed) {
    throw notFound('No agreement has this id.');
  }
  return toAgreement(row);
}
