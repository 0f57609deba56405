import type { CloudEvent, EventType } from '@referral-hub/contracts';
import type { EventEnvelope } from '@referral-hub/platform';

/** Every `referral.*` event type of the catalogue. */
export type ReferralEventType = Extract<EventType, `referral.${string}`>;

/**
 * The event typed as one of the referral events. The consumer has already
 * validated it against the catalogue's schema for its `type` before any
 * handler runs, so checking the type's family is all that is left to do.
 *
 * @throws Error when a non-referral event reaches a referral handler (a bug: retried, then dead-lettered).
 */
export function expectReferralEvent(event: EventEnvelope): CloudEvent<ReferralEventType> {
  if (!event.type.startsWith('referral.')) throw new Error(`Referral handler received ${event.type}`);
  return event as unknown as CloudEvent<ReferralEventType>;
}
