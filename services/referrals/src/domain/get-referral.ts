import type { Principal } from '@referral-hub/platform';
import type { ReferralDeps } from './deps.js';
import { findVisibleReferral } from './find-visible-referral.js';
import type { ReferralView } from './referral.js';
import { viewReferral } from './what-a-reader-sees.js';

/**
 * Reads a referral: projected to what the caller may see now, and recorded in
 * the access log when the caller is outside the referring organisation.
 *
 * @throws AppError 403 for a role that handles no referrals, 404 when not visible.
 */
export async function getReferral(deps: ReferralDeps, principal: Principal, id: string): Promise<ReferralView> {
  const row = await findVisibleReferral(deps, principal, id);
  return viewReferral(deps, principal, row);
}
