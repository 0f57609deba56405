import { forbidden, hasRole, isUuid, notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { readReferral } from '../data-access/referral-read.js';
import type { ReferralRow } from '../data-access/referrals.js';
import type { ReferralDeps } from './deps.js';
import { sideOf } from './lifecycle.js';
import { partiesOf } from './referral.js';


/**
 * The referral if the caller's organisation is on one of its sides. A third
 * organisation, and the recipient of a draft, get 404 exactly as for an
 * unknown id: they learn nothing, not even that it exists.
 *
 * @throws AppError 403 for a role that handles no referrals, 404 when not visible.
 */
export async function findVisibleReferral(deps: Pick<ReferralDeps, 'pool'>, principal: Principal, id: string): Promise<ReferralRow> {
  if (!hasRole(principal, 'caseworker', 'supervisor', 'focal_point', 'system')) throw forbidden('Your role does not handle referrals.');
  // One statement on the pool (every read of a referral starts here).
  const row = isUuid(id) ? await readReferral(deps.pool, id.toLowerCase()) : null;
  if (row === null) throw notFound('No referral with this id is visible to you.');
  const side = sideOf(partiesOf(row), principal);
  if (side === 'third' || (side === 'receiving' && row.status === 'draft' && principal.organizationId !== row.referringOrganizationId)) {
    throw notFound('No referral with this id is visible to you.');
  }
  return row;
}
