import { forbidden, hasRole } from '@referral-hub/platform';
import type { Principal, Role } from '@referral-hub/platform';

/** What a caller can do in the notifications service. */
export type NotificationsAction = 'manageOwnPreferences' | 'readDeliveryLog' | 'manageSubscriptions';

/**
 * Who may do what, by role: the access policy of the notifications service in
 * one place. Anything not listed is refused (deny by default). Preferences are
 * always the caller's own: no action reaches another user's.
 */
export const NOTIFICATIONS_ACCESS = {
  // People are told by e-mail or SMS; a machine client (`system`) gets webhooks instead.
  manageOwnPreferences: ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator'],
  // The referring organisation follows its referrals: its case team, and its own system on their behalf.
  readDeliveryLog: ['caseworker', 'supervisor', 'system'],
  // An organisation's systems are set up by its administrator, or by the system itself.
  manageSubscriptions: ['org_admin', 'system'],
} as const satisfies Record<NotificationsAction, readonly Role[]>;

/** Whether the principal's roles allow `action`. */
export function mayAct(principal: Pick<Principal, 'roles'>, action: NotificationsAction): boolean {
  return hasRole(principal, ...NOTIFICATIONS_ACCESS[action]);
}

/** @throws AppError 403 when the principal's roles do not allow `action`. */
export function assertMayAct(principal: Pick<Principal, 'roles'>, action: NotificationsAction): void {
  if (mayAct(principal, action)) return;
  const reasons: Record<NotificationsAction, string> = {
    manageOwnPreferences: 'Notification preferences are for people; your role has none.',
    readDeliveryLog: 'Your role does not follow referrals.',
    manageSubscriptions: "Only an organisation's administrator or its system manages its webhooks.",
  };
  throw forbidden(reasons[action]);
}
