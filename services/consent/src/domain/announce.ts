import { buildEvent } from '@referral-hub/contracts';
import type { EventDataMap, EventType } from '@referral-hub/contracts';
import { currentRequestId } from '@referral-hub/platform';
import type { Outbox, SqlClient } from '@referral-hub/platform';

/** The `source` of every event the consent service publishes. */
export const CONSENT_SOURCE = '/services/consent';

/**
 * Writes a consent event to the outbox in the caller's transaction, about
 * `subject` (the consent or override), carrying the current request id so the
 * services' logs tell one story.
 */
export async function announce<T extends EventType>(outbox: Outbox, tx: SqlClient, type: T, data: EventDataMap[T], subject: string): Promise<void> {
  const correlationId = currentRequestId();
  await outbox.enqueueEvent(tx, buildEvent(type, data, { source: CONSENT_SOURCE, subject, ...(correlationId === undefined ? {} : { correlationId }) }));
}
