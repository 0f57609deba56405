import { accessPolicy, ROLES } from '@referral-hub/platform';
import type { Principal, Role } from '@referral-hub/platform';
import type { ReferralAction, ReferralParties } from './lifecycle.js';

/**
 * How the caller stands to one referral (several may hold at once: a supervisor who is also the lead).
 * - `lead`: the caller is the lead caseworker (the referral's creator, or the recipient's
 *   accepter once a transfer is accepted), in the lead organisation;
 * - `lead_organisation`: the caller's organisation holds the lead;
 * - `referring`: the caller's organisation is on the referring side (the referring organisation,
 *   or the lead organisation: the recipient itself once a transfer is accepted);
 * - `recipient`: the caller's organisation is the referral's recipient;
 * - `former_lead_organisation`: the caller's organisation handed the case over in a transfer
 *   (a fact read from the database: `who-answers-for-the-case.ts`).
 */
export const RELATIONSHIPS = ['lead', 'lead_organisation', 'referring', 'recipient', 'former_lead_organisation'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/** Those who send, receive and follow referrals, and NGO systems doing so for them. */
const HANDLERS = ['caseworker', 'supervisor', 'focal_point', 'system'] as const satisfies readonly Role[];
const CASE_TEAM = ['caseworker', 'supervisor'] as const satisfies readonly Role[];

/** The referring side's steps: the lead (a person or system acting on cases; an administrative role alone never makes one), or a supervisor of the lead organisation. */
const REFERRING_SIDE = { lead: ['caseworker', 'supervisor', 'system', 'focal_point'], lead_organisation: ['supervisor'] } as const;
/** The receiving organisation's focal points, or its own case-management system (a `system` machine client). */
const FOCAL_POINTS = { recipient: ['focal_point', 'system'] } as const;
/** Once a referral is accepted, the receiving agency's caseworkers deliver the service too. */
const DELIVERY_TEAM = { recipient: ['focal_point', 'system', 'caseworker', 'supervisor'] } as const;

/**
 * The access policy of the referrals service, in the platform's shape (ADR 20): action →
 * relationship → roles. Anything not listed is refused (deny by default). When a lifecycle step
 * may be taken (from which states, to which) is the lifecycle table's (`lifecycle.ts`); who may
 * take it is here.
 */
export const ACCESS = accessPolicy({
  relationships: RELATIONSHIPS,
  rules: {
    'referral.create': { any: ['caseworker', 'supervisor', 'system'] },
    /** A referral is seen by either side only; a third organisation gets the 404 of an unknown id. */
    'referral.read': { referring: HANDLERS, recipient: HANDLERS },
    'referral.submit': REFERRING_SIDE,
    'referral.acknowledge': FOCAL_POINTS,
    'referral.accept': FOCAL_POINTS,
    'referral.decline': FOCAL_POINTS,
    'referral.start': DELIVERY_TEAM,
    'referral.complete': DELIVERY_TEAM,
    'referral.not_delivered': DELIVERY_TEAM,
    'referral.withdraw': REFERRING_SIDE,
    'referral.close': REFERRING_SIDE,
    /**
     * Who read what: the case team of the organisation holding the lead, who answer to the child
     * and family for the case; a former lead's up to the hand-over.
     */
    'accessLog.read': { lead_organisation: CASE_TEAM, former_lead_organisation: CASE_TEAM },
    'referrals.list': { any: HANDLERS },
    /** The directory is the network's shared map: every member may read it. */
    'directory.read': { any: ROLES },
    /**
     * Staff contacts of both sides, for any referral: a machine client only, and only one listed
     * by client id and of the hub's organisation (checked in `get-notification-context.ts`): the
     * notifications service.
     */
    'notificationContext.read': { any: ['system'] },
    /**
     * A focal point's SMS reply or USSD choice, taken as that focal point: relayed by the
     * notifications service only (a machine client, listed and of the hub's organisation, as
     * above; checked in `phone-actions.ts`).
     */
    'phoneActions.relay': { any: ['system'] },
    /** Aggregates only, small cells suppressed: supervisors for their organisation... */
    'indicators.read': { any: ['network_coordinator', 'supervisor'] },
    /** ...and the network's coordinator for the whole network. */
    'indicators.readNetwork': { any: ['network_coordinator'] },
    'deadlines.change': { any: ['network_coordinator'] },
  },
  refusal: 'Your role does not allow this action.',
});

export type Action = (typeof ACCESS.actions)[number];

/**
 * Whether the caller may do `action` given how it stands to the referral (`facts`, from
 * {@link relationshipsTo}); `couldAct`, whether some standing would (checked before reading the
 * referral); `requireAccess` throws the 403 problem instead.
 */
export const { can, couldAct, requireAccess } = ACCESS;

/** The action of the policy that takes a lifecycle step. */
export function actionOfStep(step: ReferralAction): Action {
  return `referral.${step}`;
}

/** How the caller stands to a referral, from its parties alone (a former lead aside, which needs the database). */
export function relationshipsTo(referral: Omit<ReferralParties, 'status'>, principal: Pick<Principal, 'organizationId' | 'userId'>): Relationship[] {
  const relationships: Relationship[] = [];
  const inLeadOrganisation = principal.organizationId === referral.leadOrganizationId;
  if (inLeadOrganisation && principal.userId === referral.leadUserId) relationships.push('lead');
  if (inLeadOrganisation) relationships.push('lead_organisation');
  if (inLeadOrganisation || principal.organizationId === referral.referringOrganizationId) relationships.push('referring');
  if (principal.organizationId === referral.recipientOrganizationId) relationships.push('recipient');
  return relationships;
}
