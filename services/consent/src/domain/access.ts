import { forbidden, hasRole } from '@referral-hub/platform';
import type { Principal, Role } from '@referral-hub/platform';

/** What a caller can do with consents. */
export type ConsentAction = 'record' | 'read';

/**
 * Who may do what, by role: the whole access policy of the consent service in
 * one place. Anything not listed is refused (deny by default). On top of the
 * role, every action is confined to the caller's own organisation's consents
 * (see {@link ownsConsent}).
 */
export const CONSENT_ACCESS = {
  // Consent is taken in a conversation with the family by the case's own team.
  record: ['caseworker', 'supervisor'],
  read: ['caseworker', 'supervisor'],
} as const satisfies Record<ConsentAction, readonly Role[]>;

/** Whether the principal's roles allow `action`. */
export function mayActOnConsents(principal: Pick<Principal, 'roles'>, action: ConsentAction): boolean {
  return hasRole(principal, ...CONSENT_ACCESS[action]);
}

/**
 * @throws AppError 403 when the principal's roles do not allow `action`.
 */
export function assertMayActOnConsents(principal: Pick<Principal, 'roles'>, action: ConsentAction): void {
  if (!mayActOnConsents(principal, action)) {
    throw forbidden(
      action === 'record'
        ? 'Only a caseworker or a supervisor can record a consent.'
        : 'Only a caseworker or a supervisor can read consents.',
    );
  }
}

/** A consent belongs to the organisation that recorded it; no one else may see it. */
export function ownsConsent(principal: Pick<Principal, 'organizationId'>, consent: { organizationId: string }): boolean {
  return consent.organizationId === principal.organizationId;
}
