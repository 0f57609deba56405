import { validateEvent } from '@referral-hub/contracts';
import type { CloudEvent, EventType } from '@referral-hub/contracts';
import type { MessageStatus } from './messages/templates.js';
import type { EventPeople } from './people-of-the-moment.js';

/** Every `referral.*` event type of the catalogue. */
export type ReferralEventType = Extract<EventType, `referral.${string}`>;

/** The identifiers of a referral event: all the service takes from it. */
export type ReferralEventFacts = {
  eventId: string;
  eventType: ReferralEventType;
  referralId: string;
  referralCode: string;
  caseCode: string;
  status: MessageStatus;
  referringOrganizationId: string;
  recipientOrganizationId: string;
  recipientServiceId: string;
  /** Who held each role when it happened (absent on events published before events carried it). */
  people: EventPeople;
  /** The event as received (a CloudEvent of identifiers and codes only): the body of webhooks. */
  envelope: unknown;
};

/**
 * The facts of a referral event, picked field by field from the CloudEvent
 * (already validated against the catalogue): identifiers, codes and status.
 */
export function referralEventFacts(event: CloudEvent<ReferralEventType>): ReferralEventFacts {
  const { data } = event;
  return {
    eventId: event.id,
    eventType: event.type,
    referralId: data.referralId,
    referralCode: data.referralCode,
    caseCode: data.caseCode,
    status: data.status as MessageStatus,
    referringOrganizationId: data.referringOrganizationId,
    recipientOrganizationId: data.recipientOrganizationId,
    recipientServiceId: data.recipientServiceId,
    people: {
      ...(data.parties === undefined ? {} : { parties: data.parties }),
      ...('transferredFrom' in data && data.transferredFrom !== undefined ? { transferredFrom: data.transferredFrom } : {}),
    },
    envelope: event,
  };
}

/** Whether an event of the catalogue is one of the referral events. */
function isReferralEvent(event: CloudEvent): event is CloudEvent<ReferralEventType> {
  return event.type.startsWith('referral.');
}

/**
 * The facts of a referral event kept in `referral_event` (its envelope, stored as received): what the
 * sweep of lost jobs and an SMS's fallback to e-mail plan again from. Validated again against the
 * catalogue, as the consumer did when it was received.
 *
 * @throws Error when the stored envelope is not a valid referral event (a bug, or a row edited by hand).
 */
export function storedReferralEventFacts(envelope: unknown): ReferralEventFacts {
  const result = validateEvent(envelope);
  if (!result.ok || !isReferralEvent(result.event)) throw new Error('A stored referral event is not a valid referral event');
  return referralEventFacts(result.event);
}
