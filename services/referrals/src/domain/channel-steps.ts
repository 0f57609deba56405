import { REFERRAL_STATUSES } from './lifecycle.js';
import type { ReferralAction, ReferralStatus } from './lifecycle.js';

/** What a focal point can ask for through an email link, SMS or USSD. */
export const CHANNEL_ACTIONS = ['acknowledge', 'accept', 'decline', 'complete'] as const;
export type ChannelAction = (typeof CHANNEL_ACTIONS)[number];

/**
 * The lifecycle steps a channel action takes from each status (issue 15). A person on a phone answers a
 * referral in one word, so the steps it implies are taken too, each in its own right and recorded: accepting a
 * referral not yet acknowledged acknowledges then accepts it; completing one not yet started starts then
 * completes it. Every step still goes through the lifecycle table (`lifecycle.ts`) like the console's. A status
 * not listed is refused (`not_allowed`).
 */
export const CHANNEL_STEPS = {
  acknowledge: { submitted: ['acknowledge'] },
  accept: { submitted: ['acknowledge', 'accept'], acknowledged: ['accept'] },
  decline: { submitted: ['decline'], acknowledged: ['decline'] },
  complete: { accepted: ['start', 'complete'], in_progress: ['complete'] },
} as const satisfies Record<ChannelAction, Partial<Record<ReferralStatus, readonly ReferralAction[]>>>;

/** The steps `action` takes from `status`, or null when it cannot be taken from there. */
export function channelStepsFrom(action: ChannelAction, status: string): readonly ReferralAction[] | null {
  const steps: Partial<Record<string, readonly ReferralAction[]>> = CHANNEL_STEPS[action];
  return steps[status] ?? null;
}

/**
 * Whether a channel may take `action` on a referral of `kind` at all. Accepting a case transfer makes the
 * accepter the case's lead, who goes on working it in the console: that is a person who signs in, never a
 * phone number or a link, so it is `console_only`. Acknowledging and declining a transfer are the channels' too.
 */
export function channelMayTake(action: ChannelAction, kind: string): boolean {
  return !(action === 'accept' && kind === 'transfer');
}

/** The statuses `action` can be taken from through a channel. */
export function channelAllowedFrom(action: ChannelAction): ReferralStatus[] {
  const steps: Partial<Record<ReferralStatus, readonly ReferralAction[]>> = CHANNEL_STEPS[action];
  return REFERRAL_STATUSES.filter((status) => steps[status] !== undefined);
}
