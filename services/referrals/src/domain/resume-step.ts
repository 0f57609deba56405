import type { Principal } from '@referral-hub/platform';
import { hasTakenStepSince } from '../data-access/steps-taken.js';
import type { ReferralDeps } from './deps.js';
import { findVisibleReferral } from './find-visible-referral.js';
import type { ReferralAction } from './lifecycle.js';
import type { ReferralView } from './referral.js';
import { viewReferral } from './what-a-reader-sees.js';

/**
 * A step retried under an `Idempotency-Key` whose first run died before its
 * answer was stored (the platform says so with `resumedFrom`, when that run
 * claimed the key): if the history holds this step by this person since then,
 * it committed, and the retry answers the referral as it is — not a 409 about
 * a status the step itself brought, and never the step a second time. Null when
 * the step did not commit: the retry then takes it.
 */
export async function stepTakenBefore(
  deps: ReferralDeps,
  principal: Principal,
  id: string,
  action: ReferralAction,
  resumedFrom: Date,
): Promise<ReferralView | null> {
  const row = await findVisibleReferral(deps, principal, id);
  if (!(await hasTakenStepSince(deps.db.client, row.id, action, principal.userId, resumedFrom))) return null;
  // As the step itself answers: no case field for the receiving side (reading them is a GET, logged).
  return viewReferral(deps, principal, row, { read: false });
}
