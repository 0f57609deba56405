import { forbidden, isUuid, notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { readReferral } from '../data-access/referral-read.js';
import type { ReferralRow } from '../data-access/referrals.js';
import type { ReferralDeps } from './deps.js';
import { can, couldAct, relationshipsTo } from './access.js';
import { partiesOf } from './referral.js';


/**
 * The referral if the caller's organisation is on one of its sides. A third
 * organisation, and the recipient of a draft, get 404 exactly as for an
 * unknown id: they learn nothing, not even that it exists.
 *
 * @throws AppError 403 for a role that handles no referrals, 404 when not visible.
 */
export async function findVisibleReferral(deps: Pick<ReferralDeps, 'pool'>, principal: Principal, id: string): Promise<ReferralRow> {
  // Before reading anything: a role that no standing to a referral would let read one.
  if (!couldAct(principal, 'referral.read')) throw forbidden('Your role does not handle referrals.');
  // One statement on the pool (every read of a referral starts here).
  const row = isUuid(id) ? await readReferral(deps.pool, id.toLowerCase()) : null;
  if (row === null) throw notFound('No referral with this id is visible to you.');
  // A draft is not sent yet: its recipient does not stand to it as one.
  const relationships = relationshipsTo(partiesOf(row), principal).filter((r) => r !== 'recipient' || row.status !== 'draft');
  if (!can(principal, 'referral.read', relationships).allowed) {
    throw notFound('No referral with this id is visible to you.');
  }
  return row;
}
