import { accessPolicy } from '@referral-hub/platform';
import type { Principal, Role } from '@referral-hub/platform';

/**
 * How the caller's organisation stands to the thing acted on: it owns the case (`owner`), it is
 * named as a recipient of the consent (`recipient`), it is a party to the agreement (`party`).
 * Network-wide roles act under the platform's `any`, whatever the caller's organisation.
 */
export const RELATIONSHIPS = ['owner', 'recipient', 'party'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

const CASE_TEAM = ['caseworker', 'supervisor'] as const satisfies readonly Role[];

/**
 * The whole access policy of the consent service, in the platform's shape (ADR 20): action →
 * relationship → roles. Anything not listed is refused (deny by default).
 *
 * - Only the owning organisation's case team records, withdraws and reads consents, overrides
 *   and decisions of its cases; only a caseworker requests an override and only a supervisor
 *   approves one (never their own: see `approve-override.ts`).
 * - A recipient organisation learns a consent's status, nothing more.
 * - The referrals service asks decisions with its `system` token for any owning organisation
 *   and is the only caller that uses single-use consents up; the owner's case team may ask for
 *   a preview, which never consumes.
 * - The network coordinator keeps the policy and proposes agreements; a party's administrator
 *   proposes and accepts them.
 */
export const ACCESS = accessPolicy({
  relationships: RELATIONSHIPS,
  rules: {
    'consent.record': { owner: CASE_TEAM },
    'consent.read': { owner: CASE_TEAM },
    'consent.withdraw': { owner: CASE_TEAM },
    'consent.status': { owner: CASE_TEAM, recipient: ['caseworker', 'supervisor', 'focal_point', 'org_admin'] },
    'case.context.write': { owner: CASE_TEAM },
    'case.context.read': { owner: CASE_TEAM },
    'case.sharing.read': { owner: CASE_TEAM },
    'override.request': { owner: ['caseworker'] },
    'override.approve': { owner: ['supervisor'] },
    'override.revoke': { owner: CASE_TEAM },
    'override.read': { owner: CASE_TEAM },
    'agreement.propose': { any: ['network_coordinator'], party: ['org_admin'] },
    'agreement.accept': { party: ['org_admin'] },
    'agreement.read': { any: ['network_coordinator'], party: ['org_admin', 'caseworker', 'supervisor', 'focal_point'] },
    'policy.read': { any: ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system'] },
    'policy.write': { any: ['network_coordinator'] },
    'decision.ask': { any: ['system'], owner: CASE_TEAM },
    'decision.consume': { any: ['system'] },
    'decision.list': { owner: CASE_TEAM },
  },
  refusal: 'Your role does not allow this action.',
});

/** Everything a caller can ask of the consent service. */
export const ACTIONS = ACCESS.actions;
export type Action = (typeof ACTIONS)[number];

/**
 * Whether the caller may do `action` given how its organisation stands to the thing (`facts`);
 * `requireAccess` throws the 403 problem with the call site's detail instead.
 */
export const { can, requireAccess } = ACCESS;

/** The caller's organisation owns the case (or the record of it). */
export function ownerRelationship(principal: Pick<Principal, 'organizationId'>, ownerOrganizationId: string): Relationship[] {
  return principal.organizationId === ownerOrganizationId ? ['owner'] : [];
}

/** How the caller stands to a consent: its owner, and/or one of the organisations it names as recipients. */
export function consentRelationships(
  principal: Pick<Principal, 'organizationId'>,
  consent: { organizationId: string; recipientOrganizationIds: readonly string[] },
): Relationship[] {
  const relationships = ownerRelationship(principal, consent.organizationId);
  if (consent.recipientOrganizationIds.includes(principal.organizationId)) relationships.push('recipient');
  return relationships;
}
