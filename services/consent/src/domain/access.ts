import { forbidden } from '@referral-hub/platform';
import type { Phrase, Principal, Role } from '@referral-hub/platform';

/** Everything a caller can ask of the consent service. */
export const ACTIONS = [
  'consent.record',
  'consent.read',
  'consent.withdraw',
  'consent.status',
  'case.context.write',
  'case.context.read',
  'case.sharing.read',
  'override.request',
  'override.approve',
  'override.revoke',
  'override.read',
  'agreement.propose',
  'agreement.accept',
  'agreement.read',
  'policy.read',
  'policy.write',
  'decision.ask',
  'decision.consume',
  'decision.list',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * How the caller's organisation stands to the thing acted on: it owns the case (`owner`), it is
 * named as a recipient of the consent (`recipient`), it is a party to the agreement (`party`).
 * `network` is every caller, whatever its organisation: network-wide roles act from there.
 */
export const RELATIONSHIPS = ['owner', 'recipient', 'party', 'network'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

const CASE_TEAM = ['caseworker', 'supervisor'] as const satisfies readonly Role[];

/**
 * The whole access policy of the consent service: action × relationship → roles. Anything not
 * listed is refused (deny by default).
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
export const ACCESS_POLICY = {
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
  'agreement.propose': { network: ['network_coordinator'], party: ['org_admin'] },
  'agreement.accept': { party: ['org_admin'] },
  'agreement.read': { network: ['network_coordinator'], party: ['org_admin', 'caseworker', 'supervisor', 'focal_point'] },
  'policy.read': {
    network: ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system'],
  },
  'policy.write': { network: ['network_coordinator'] },
  'decision.ask': { network: ['system'], owner: CASE_TEAM },
  'decision.consume': { network: ['system'] },
  'decision.list': { owner: CASE_TEAM },
} as const satisfies Record<Action, Partial<Record<Relationship, readonly Role[]>>>;

/**
 * Whether a principal may do `action` given how its organisation stands to the thing
 * (`relationships`, without `network`, which always applies).
 */
export function mayAct(principal: Pick<Principal, 'roles'>, action: Action, relationships: readonly Relationship[] = []): boolean {
  const byRelationship: Partial<Record<Relationship, readonly Role[]>> = ACCESS_POLICY[action];
  return ['network' as const, ...relationships].some((relationship) =>
    (byRelationship[relationship] ?? []).some((role) => principal.roles.includes(role)),
  );
}

/**
 * @throws AppError 403 with `detail` when {@link mayAct} says no.
 */
export function assertMayAct(
  principal: Pick<Principal, 'roles'>,
  action: Action,
  relationships: readonly Relationship[],
  detail: Phrase,
): void {
  if (!mayAct(principal, action, relationships)) throw forbidden(detail);
}

/** The caller's organisation owns the case (or the record of it). */
export function ownerRelationship(principal: Pick<Principal, 'organizationId'>, ownerOrganizationId: string): Relationship[] {
  return principal.organizationId === ownerOrganizationId ? ['owner'] : [];
}
