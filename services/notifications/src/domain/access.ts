import { forbidden, hasRole } from '@referral-hub/platform';
import type { Principal, Role } from '@referral-hub/platform';

/** What a caller can do in the notifications service. */
export type NotificationsAction = 'manageOwnPreferences';

/**
 * Who may do what, by role: the access policy of the notifications service in
 * one place. Anything not listed is refused (deny by default). Preferences are
 * always the caller's own: no action reaches another user's.
 */
export const NOTIFICATIONS_ACCESS = {
  // People are told by e-mail or SMS; a machine client (`system`) gets webhooks instead.
  manageOwnPreferences: ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator'],
} as const satisfies Record<NotificationsAction, readonly Role[]>;

/** Whether the principal's roles allow `action`. */
export function mayAct(principal: Pick<Principal, 'roles'>, action: NotificationsAction): boolean {
  return hasRole(principal, ...NOTIFICATIONS_ACCESS[action]);
}

/** @throws AppError 403 when the principal's roles do not allow `action`. */
export function assertMayAct(principal: Pick<Principal, 'roles'>, action: NotificationsAction): void {
  if (!mayAct(principal, action)) throw forbidden('Notification preferences are for people; your role has none.');
}
