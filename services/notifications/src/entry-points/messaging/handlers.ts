import type { EventHandler } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import { recordReferralEvent } from '../../domain/record-referral-event.js';
import { expectReferralEvent } from './events.js';

/**
 * Message entry points of the notifications service (bound in
 * `NETWORK_SUBSCRIPTIONS`: `referral.#`). Each runs in the inbox transaction
 * it is given, so a redelivered event has no second effect.
 */
export function eventHandlers(): Record<string, EventHandler<Tx>> {
  return {
    'referral.#': async (event, tx, ctx) => {
      const { id, type, data } = expectReferralEvent(event);
      await recordReferralEvent(tx, {
        eventId: id,
        eventType: type,
        referralId: data.referralId,
        occurredAt: new Date(data.occurredAt),
      });
      ctx.logger.debug({ referralId: data.referralId }, 'Referral event recorded');
    },
  };
}
