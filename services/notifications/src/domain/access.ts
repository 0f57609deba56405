import { accessPolicy } from '@referral-hub/platform';

/**
 * The access policy of the notifications service, in the platform's shape (ADR 20): action →
 * relationship → roles, every grant under `any` (preferences are always the caller's own, so no
 * action reaches another user's, and subscriptions and deliveries are confined to the caller's
 * organisation by the queries themselves). Anything not listed is refused (deny by default).
 */
export const ACCESS = accessPolicy({
  rules: {
    /** People are told by e-mail or SMS; a machine client (`system`) gets webhooks instead. */
    'preferences.manageOwn': { any: ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator'] },
    /** The referring organisation follows its referrals: its case team, and its own system on their behalf. */
    'deliveryLog.read': { any: ['caseworker', 'supervisor', 'system'] },
    /** An organisation's systems are set up by its administrator, or by the system itself. */
    'subscriptions.manage': { any: ['org_admin', 'system'] },
  },
  refusal: 'Your role does not allow this action.',
  refusals: {
    'preferences.manageOwn': 'Notification preferences are for people; your role has none.',
    'deliveryLog.read': 'Your role does not follow referrals.',
    'subscriptions.manage': "Only an organisation's administrator or its system manages its webhooks.",
  },
});

export type Action = (typeof ACCESS.actions)[number];

/** Whether the caller's roles allow `action`; `requireAccess` throws the 403 problem with the action's refusal instead. */
export const { can, requireAccess } = ACCESS;
