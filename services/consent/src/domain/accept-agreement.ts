import { conflict, forbidden, notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { findAgreement, insertAcceptance } from '../data-access/agreements.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { can } from './access.js';
import { agreementRelationships, toAgreement } from './agreement.js';
import type { Agreement } from './agreement.js';

/**
 * An administrator of a party accepts the agreement for their organisation.
 *
 * @throws AppError 404 for an agreement the caller may not see, 403 for a party's member who is
 * not its administrator, 409 when their organisation already accepted.
 */
export async function acceptAgreement(
  deps: { db: ConsentDatabase },
  principal: Principal,
  id: string,
  now: Date = new Date(),
): Promise<Agreement> {
  return deps.db.transaction(async (tx) => {
    const row = await findAgreement(tx, id);
    const relationships = row === null ? [] : agreementRelationships(principal, row.partyOrganizationIds);
    if (row === null || !can(principal, 'agreement.read', relationships).allowed) throw notFound('No agreement has this id.');
    if (!can(principal, 'agreement.accept', relationships).allowed) {
      throw forbidden("Only an administrator of a party can accept a sharing agreement for their organisation.");
    }
    if (!(await insertAcceptance(tx, { agreementId: id, organizationId: principal.organizationId, acceptedBy: principal.userId }))) {
      throw conflict('Your organisation already accepted this agreement.');
    }
    const updated = await findAgreement(tx, id);
    if (updated === null) throw notFound('No agreement has this id.');
    return toAgreement(updated, now);
  });
}
