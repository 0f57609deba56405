import { offers, relationshipsTo } from './access.js';

/**
 * Which of the referring side's actions the referral page offers: withdraw
 * (any time before the recipient has finished) and close (once it has), to
 * the lead or a supervisor of the lead organisation (the console's policy,
 * `access.ts`), as the referrals service's lifecycle allows. Offering is a courtesy: the service alone
 * decides, and its refusal is shown in words.
 */
export const REFERRING_ACTIONS = ['withdraw', 'close'] as const;
export type ReferringAction = (typeof REFERRING_ACTIONS)[number];

const FROM: Record<ReferringAction, readonly string[]> = {
  withdraw: ['draft', 'submitted', 'acknowledged', 'accepted', 'in_progress'],
  close: ['completed', 'not_delivered', 'declined', 'withdrawn'],
};

export function isReferringAction(value: string): value is ReferringAction {
  return (REFERRING_ACTIONS as readonly string[]).includes(value);
}

type Parties = { status: string; leadOrganizationId: string; lead: { userId: string } };

export function referringActions(referral: Parties, person: { sub: string; organizationId: string; roles: readonly string[] }): ReferringAction[] {
  const facts = relationshipsTo(referral, person);
  return REFERRING_ACTIONS.filter((action) => FROM[action].includes(referral.status) && offers(person, `referral.${action}`, facts));
}
