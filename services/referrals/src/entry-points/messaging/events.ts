import type { CloudEvent, EventType } from '@referral-hub/contracts';
import type { EventEnvelope } from '@referral-hub/platform';

/**
 * The event typed as its catalogue type. The consumer has already validated
 * it against the catalogue's schema for its `type` before any handler runs,
 * so checking the type is all that is left to do.
 *
 * @throws Error when a handler is wired to the wrong type (a bug: retried, then dead-lettered).
 */
export function expectEvent<T extends EventType>(event: EventEnvelope, type: T): CloudEvent<T> {
  if (event.type !== type) throw new Error(`Handler for ${type} received ${event.type}`);
  return event as unknown as CloudEvent<T>;
}
