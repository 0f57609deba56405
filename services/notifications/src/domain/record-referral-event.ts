import type { Tx } from '../data-access/database.js';
import type { NewDeliveryRow } from '../data-access/deliveries.js';
import { insertReferralEvent } from '../data-access/referral-events.js';

/** What the service keeps of a referral event: identifiers, codes and time only, never case data. */
export type ReceivedReferralEvent = {
  eventId: string;
  eventType: string;
  referralId: string;
  occurredAt: Date;
  /** The CloudEvent as received (identifiers and codes only, as the catalogue's schema allows), for the sweep of lost jobs. */
  envelope: object;
};

/**
 * Records a referral event as received, inside the consumer's inbox
 * transaction, with the delivery log rows planned for it before the
 * transaction opened (`planReferralEvent`): the starting point of every
 * notification. Their jobs are the caller's to queue once it has committed.
 */
export async function recordReferralEvent(tx: Tx, event: ReceivedReferralEvent, planned: readonly NewDeliveryRow[] = []): Promise<void> {
  await insertReferralEvent(tx, event, planned);
}
