import type { Principal } from '@referral-hub/platform';
import { actionOfStep, can, relationshipsTo } from './access.js';

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

export type Transition = { from: readonly ReferralStatus[]; to: ReferralStatus };

/**
 * The lifecycle as data: for each action, the states it leaves and the state it
 * reaches. Who may take it is the access policy's (`access.ts`, `referral.<action>`).
 */
export const TRANSITIONS = {
  submit: { from: ['draft'], to: 'submitted' },
  acknowledge: { from: ['submitted'], to: 'acknowledged' },
  accept: { from: ['acknowledged'], to: 'accepted' },
  decline: { from: ['submitted', 'acknowledged'], to: 'declined' },
  start: { from: ['accepted'], to: 'in_progress' },
  complete: { from: ['in_progress'], to: 'completed' },
  not_delivered: { from: ['in_progress'], to: 'not_delivered' },
  // "Any time before completion": a finished referral (declined included) is closed, not withdrawn.
  withdraw: { from: ['draft', 'submitted', 'acknowledged', 'accepted', 'in_progress'], to: 'withdrawn' },
  close: { from: ['completed', 'not_delivered', 'declined', 'withdrawn'], to: 'closed' },
} as const satisfies Record<ReferralAction, Transition>;

/** The parts of a referral that decide who may act on it. */
export type ReferralParties = {
  status: ReferralStatus;
  referringOrganizationId: string;
  recipientOrganizationId: string;
  leadOrganizationId: string;
  leadUserId: string;
};

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
  if (!can(principal, actionOfStep(action), relationshipsTo(referral, principal)).allowed) {
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
