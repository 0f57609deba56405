import { forbidden, hasRole, ROLES } from '@referral-hub/platform';
import type { Principal, Role } from '@referral-hub/platform';

/**
 * Role-level actions of the referrals service. Acting on one referral is
 * decided by the lifecycle table (`lifecycle.ts`), which adds how the caller
 * stands to that referral.
 */
export type ReferralsAction = 'listReferrals' | 'readDirectory' | 'readNotificationContext' | 'relayPhoneActions' | 'readIndicators';

/**
 * Who may do what, by role: the access policy of the referrals service in one
 * place. Anything not listed is refused (deny by default). Referral actions
 * are further confined to the organisations on either side of a referral.
 */
export const REFERRALS_ACCESS = {
  // Those who send, receive and follow referrals, and NGO systems doing so for them.
  listReferrals: ['caseworker', 'supervisor', 'focal_point', 'system'],
  // The directory is the network's shared map: every member may read it.
  readDirectory: ROLES,
  // Staff contacts of both sides, for any referral: a machine client only, and only one listed by client id
  // and of the hub's organisation (checked in `get-notification-context.ts`): the notifications service.
  readNotificationContext: ['system'],
  // A focal point's SMS reply or USSD choice, taken as that focal point: relayed by the notifications service only
  // (a machine client, listed and of the hub's organisation, as above; checked in `phone-actions.ts`).
  relayPhoneActions: ['system'],
  // Aggregates only, small cells suppressed: the network's coordinator (whole network) and supervisors (their organisation).
  readIndicators: ['network_coordinator', 'supervisor'],
} as const satisfies Record<ReferralsAction, readonly Role[]>;

/** Whether the principal's roles allow `action`. */
export function mayAct(principal: Pick<Principal, 'roles'>, action: ReferralsAction): boolean {
  return hasRole(principal, ...REFERRALS_ACCESS[action]);
}

/** @throws AppError 403 when the principal's roles do not allow `action`. */
export function assertMayAct(principal: Pick<Principal, 'roles'>, action: ReferralsAction): void {
  if (!mayAct(principal, action)) throw forbidden('Your role does not allow this action.');
}
