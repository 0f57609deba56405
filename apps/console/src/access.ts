import { accessPolicy, isRole } from '@referral-hub/platform';
import type { Actor } from '@referral-hub/platform';

/**
 * How the signed-in person stands to a referral shown: its organisation is the recipient, the
 * person is the lead, or its organisation holds the lead.
 */
export const RELATIONSHIPS = ['recipient', 'lead', 'lead_organisation'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

const CASE_TEAM = ['caseworker', 'supervisor'] as const;
const FOCAL_POINT = { recipient: ['focal_point'] } as const;
const DELIVERY_TEAM = { recipient: ['focal_point', 'caseworker', 'supervisor'] } as const;
/** The lead (a person acting on cases; an administrative role alone never makes one), or a supervisor of the lead organisation. */
const REFERRING_SIDE = { lead: ['caseworker', 'supervisor', 'focal_point'], lead_organisation: ['supervisor'] } as const;

/**
 * What the console offers to whom, in the platform's policy shape (ADR 20): the pages, links and
 * buttons a person's roles call for, mirroring the services' own policies. Offering is a
 * courtesy: the services alone decide, and their refusal is shown in words. Anything not listed
 * is not offered.
 */
export const ACCESS = accessPolicy({
  relationships: RELATIONSHIPS,
  rules: {
    /** Send referrals (the new-referral form, "refer" from the directory) and follow what was sent. */
    'referral.create': { any: CASE_TEAM },
    'referrals.followSent': { any: CASE_TEAM },
    'cases.read': { any: CASE_TEAM },
    'network.manage': { any: ['network_coordinator', 'org_admin'] },
    /** The whole network's organisations, areas and gap report, rather than one's own organisation. */
    'network.coordinate': { any: ['network_coordinator'] },
    'supervision.read': { any: ['supervisor'] },
    'agreements.read': { any: ['network_coordinator', 'org_admin', 'supervisor', 'caseworker', 'focal_point'] },
    'agreement.propose': { any: ['network_coordinator', 'org_admin'] },
    'agreement.accept': { any: ['org_admin'] },
    'indicators.read': { any: ['network_coordinator', 'supervisor'] },
    'referral.acknowledge': FOCAL_POINT,
    'referral.accept': FOCAL_POINT,
    'referral.decline': FOCAL_POINT,
    'referral.start': DELIVERY_TEAM,
    'referral.complete': DELIVERY_TEAM,
    'referral.not_delivered': DELIVERY_TEAM,
    'referral.withdraw': REFERRING_SIDE,
    'referral.close': REFERRING_SIDE,
  },
  refusal: 'Your role does not allow this action.',
});

export type Action = (typeof ACCESS.actions)[number];

/** The person's known roles (a session holds the token's roles as strings). */
export function actorOf(person: { roles: readonly string[] }): Actor {
  return { roles: person.roles.filter(isRole) };
}

/** Whether the console offers `action` to the person, standing to the thing as `facts` say. */
export function offers(person: { roles: readonly string[] }, action: Action, facts: readonly Relationship[] = []): boolean {
  return ACCESS.can(actorOf(person), action, facts).allowed;
}

/** How the person stands to a referral shown. */
export function relationshipsTo(
  referral: { recipientOrganizationId?: string; leadOrganizationId?: string; lead?: { userId: string } },
  person: { sub: string; organizationId: string },
): Relationship[] {
  const relationships: Relationship[] = [];
  if (referral.recipientOrganizationId === person.organizationId) relationships.push('recipient');
  if (referral.leadOrganizationId === person.organizationId) {
    if (referral.lead?.userId === person.sub) relationships.push('lead');
    relationships.push('lead_organisation');
  }
  return relationships;
}
