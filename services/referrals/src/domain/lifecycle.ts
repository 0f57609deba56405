import type { Principal } from '@referral-hub/platform';

/** Where a referral is in its life (DOMAIN.md, "The referral's life"). */
export const REFERRAL_STATUSES = [
  'draft',
  'submitted',
  'acknowledged',
  'accepted',
  'in_progress',
  'declined',
  'completed',
  'not_delivered',
  'withdrawn',
  'closed',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** What can be done to a referral, each through its own route. */
export const REFERRAL_ACTIONS = [
  'submit',
  'acknowledge',
  'accept',
  'decline',
  'start',
  'complete',
  'not_delivered',
  'withdraw',
  'close',
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

/**
 * How a caller stands to one referral. A person may hold several capacities
 * (a supervisor who is also the lead).
 * - `lead`: the lead caseworker (the referral's creator, or the recipient's
 *   accepter once a transfer is accepted), in the lead organisation;
 * - `lead_supervisor`: a supervisor of the lead organisation;
 * - `receiving_focal_point`: a focal point of the receiving organisation, or its
 *   own case-management system (a `system` machine client);
 * - `receiving_case_team`: a caseworker or supervisor of the receiving organisation.
 */
export type Capacity = 'lead' | 'lead_supervisor' | 'receiving_focal_point' | 'receiving_case_team';

export type Transition = { from: readonly ReferralStatus[]; to: ReferralStatus; by: readonly Capacity[] };

const REFERRING_SIDE = ['lead', 'lead_supervisor'] as const satisfies readonly Capacity[];
const FOCAL_POINTS = ['receiving_focal_point'] as const satisfies readonly Capacity[];
// Once a referral is accepted, the receiving agency's caseworkers deliver the service too.
const DELIVERY_TEAM = ['receiving_focal_point', 'receiving_case_team'] as const satisfies readonly Capacity[];

/**
 * The lifecycle as data: for each action, the states it leaves, the state it
 * reaches and who may take it. Anything not listed is refused (deny by default).
 */
export const TRANSITIONS = {
  submit: { from: ['draft'], to: 'submitted', by: REFERRING_SIDE },
  acknowledge: { from: ['submitted'], to: 'acknowledged', by: FOCAL_POINTS },
  accept: { from: ['acknowledged'], to: 'accepted', by: FOCAL_POINTS },
  decline: { from: ['submitted', 'acknowledged'], to: 'declined', by: FOCAL_POINTS },
  start: { from: ['accepted'], to: 'in_progress', by: DELIVERY_TEAM },
  complete: { from: ['in_progress'], to: 'completed', by: DELIVERY_TEAM },
  not_delivered: { from: ['in_progress'], to: 'not_delivered', by: DELIVERY_TEAM },
  // "Any time before completion": a finished referral (declined included) is closed, not withdrawn.
  withdraw: { from: ['draft', 'submitted', 'acknowledged', 'accepted', 'in_progress'], to: 'withdrawn', by: REFERRING_SIDE },
  close: { from: ['completed', 'not_delivered', 'declined', 'withdrawn'], to: 'closed', by: REFERRING_SIDE },
} as const satisfies Record<ReferralAction, Transition>;

/** The parts of a referral that decide who may act on it. */
export type ReferralParties = {
  status: ReferralStatus;
  referringOrganizationId: string;
  recipientOrganizationId: string;
  leadOrganizationId: string;
  leadUserId: string;
};

/** Which side of the referral the caller's organisation is on, if any. */
export type Side = 'referring' | 'receiving' | 'third';

/**
 * The caller's organisation's side. The lead organisation counts as the
 * referring side (it is the recipient itself once a transfer is accepted).
 */
export function sideOf(referral: ReferralParties, principal: Pick<Principal, 'organizationId'>): Side {
  if (principal.organizationId === referral.leadOrganizationId) return 'referring';
  if (principal.organizationId === referral.referringOrganizationId) return 'referring';
  if (principal.organizationId === referral.recipientOrganizationId) return 'receiving';
  return 'third';
}

/** The capacities in which the caller may act on this referral. */
export function capacitiesOf(referral: ReferralParties, principal: Pick<Principal, 'organizationId' | 'userId' | 'roles'>): Capacity[] {
  const capacities: Capacity[] = [];
  const roles = principal.roles;
  const inLeadOrg = principal.organizationId === referral.leadOrganizationId;
  // The lead is a person (or system) acting on cases; an administrative role alone never makes one.
  if (inLeadOrg && principal.userId === referral.leadUserId && roles.some((r) => r === 'caseworker' || r === 'supervisor' || r === 'system' || r === 'focal_point')) {
    capacities.push('lead');
  }
  if (inLeadOrg && roles.includes('supervisor')) capacities.push('lead_supervisor');
  if (principal.organizationId === referral.recipientOrganizationId) {
    if (roles.includes('focal_point') || roles.includes('system')) capacities.push('receiving_focal_point');
    if (roles.includes('caseworker') || roles.includes('supervisor')) capacities.push('receiving_case_team');
  }
  return capacities;
}

export type TransitionOutcome =
  | { ok: true; to: ReferralStatus }
  | { ok: false; reason: 'forbidden' | 'wrong_state'; allowedFrom: readonly ReferralStatus[] };

/**
 * Whether the caller may take `action` now. The actor is checked before the
 * state, so a caller who could never take the action learns nothing about
 * the referral's state (403), while the right actor at the wrong moment gets 409.
 */
export function decideTransition(
  referral: ReferralParties,
  principal: Pick<Principal, 'organizationId' | 'userId' | 'roles'>,
  action: ReferralAction,
): TransitionOutcome {
  const transition: Transition = TRANSITIONS[action];
  const capacities = capacitiesOf(referral, principal);
  if (!transition.by.some((capacity) => capacities.includes(capacity))) {
    return { ok: false, reason: 'forbidden', allowedFrom: transition.from };
  }
  if (!transition.from.includes(referral.status)) return { ok: false, reason: 'wrong_state', allowedFrom: transition.from };
  return { ok: true, to: transition.to };
}

/** The event type announcing each action. */
export const EVENT_OF_ACTION = {
  submit: 'referral.submitted',
  acknowledge: 'referral.acknowledged',
  accept: 'referral.accepted',
  decline: 'referral.declined',
  start: 'referral.started',
  complete: 'referral.completed',
  not_delivered: 'referral.not_delivered',
  withdraw: 'referral.withdrawn',
  close: 'referral.closed',
} as const satisfies Record<ReferralAction, `referral.${string}`>;
