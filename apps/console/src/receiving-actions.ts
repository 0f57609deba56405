import { offers, relationshipsTo } from './access.js';

/**
 * Which of the receiving side's actions the referral page offers: those valid
 * for the referral's state (the referrals service's lifecycle) and offered by
 * the console's policy to the person in the recipient organisation
 * (`access.ts`). Offering is a courtesy: the service alone decides, and its
 * refusal is shown in words.
 */
export const RECEIVING_ACTIONS = ['acknowledge', 'accept', 'decline', 'start', 'complete', 'not_delivered'] as const;
export type ReceivingAction = (typeof RECEIVING_ACTIONS)[number];

const FROM: Record<ReceivingAction, readonly string[]> = {
  acknowledge: ['submitted'],
  accept: ['acknowledged'],
  decline: ['submitted', 'acknowledged'],
  start: ['accepted'],
  complete: ['in_progress'],
  not_delivered: ['in_progress'],
};

export function isReceivingAction(value: string): value is ReceivingAction {
  return (RECEIVING_ACTIONS as readonly string[]).includes(value);
}

export function receivingActions(referral: { status: string; recipientOrganizationId: string }, person: { organizationId: string; roles: readonly string[] }): ReceivingAction[] {
  const facts = relationshipsTo(referral, { sub: '', organizationId: person.organizationId });
  return RECEIVING_ACTIONS.filter((action) => FROM[action].includes(referral.status) && offers(person, `referral.${action}`, facts));
}

/** The path segment of each action in the referrals API. */
export function actionPath(action: ReceivingAction): string {
  return action === 'not_delivered' ? 'not-delivered' : action;
}
