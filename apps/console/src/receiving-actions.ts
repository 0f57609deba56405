/**
 * Which of the receiving side's actions the referral page offers: those valid
 * for the referral's state and the person's roles in the recipient
 * organisation (the referrals service's lifecycle). Offering is a courtesy:
 * the service alone decides, and its refusal is shown in words.
 */
export const RECEIVING_ACTIONS = ['acknowledge', 'accept', 'decline', 'start', 'complete', 'not_delivered'] as const;
export type ReceivingAction = (typeof RECEIVING_ACTIONS)[number];

const FOCAL_POINT = ['focal_point'];
const DELIVERY_TEAM = ['focal_point', 'caseworker', 'supervisor'];

const RULES: Record<ReceivingAction, { from: readonly string[]; roles: readonly string[] }> = {
  acknowledge: { from: ['submitted'], roles: FOCAL_POINT },
  accept: { from: ['acknowledged'], roles: FOCAL_POINT },
  decline: { from: ['submitted', 'acknowledged'], roles: FOCAL_POINT },
  start: { from: ['accepted'], roles: DELIVERY_TEAM },
  complete: { from: ['in_progress'], roles: DELIVERY_TEAM },
  not_delivered: { from: ['in_progress'], roles: DELIVERY_TEAM },
};

export function isReceivingAction(value: string): value is ReceivingAction {
  return (RECEIVING_ACTIONS as readonly string[]).includes(value);
}

export function receivingActions(referral: { status: string; recipientOrganizationId: string }, person: { organizationId: string; roles: readonly string[] }): ReceivingAction[] {
  if (referral.recipientOrganizationId !== person.organizationId) return [];
  return RECEIVING_ACTIONS.filter((action) => RULES[action].from.includes(referral.status) && RULES[action].roles.some((role) => person.roles.includes(role)));
}

/** The path segment of each action in the referrals API. */
export function actionPath(action: ReceivingAction): string {
  return action === 'not_delivered' ? 'not-delivered' : action;
}
