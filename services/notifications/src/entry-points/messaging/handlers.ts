import type { EventHandler } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import { notifyReferralEvent, referralEventFacts } from '../../domain/notify-referral-event.js';
import type { NotifyDeps } from '../../domain/notify-referral-event.js';
import { recordReferralEvent } from '../../domain/record-referral-event.js';
import { expectReferralEvent } from './events.js';

/**
 * Message entry points of the notifications service (bound in
 * `NETWORK_SUBSCRIPTIONS`: `referral.#`). Each runs in the inbox transaction
 * it is given, so a redelivered event has no second effect. Without `notify`
 * (tests of recording alone), events are only recorded.
 */
export function eventHandlers(deps: { notify?: NotifyDeps } = {}): Record<string, EventHandler<Tx>> {
  return {
    'referral.#': async (event, tx, ctx) => {
      const referralEvent = expectReferralEvent(event);
      const { id, type, data } = referralEvent;
      await recordReferralEvent(tx, {
        eventId: id,
        eventType: type,
        referralId: data.referralId,
        occurredAt: new Date(data.occurredAt),
        envelope: referralEvent,
      });
      if (deps.notify !== undefined) {
        const queued = await notifyReferralEvent(deps.notify, tx, referralEventFacts(referralEvent));
        ctx.logger.debug({ referralId: data.referralId, queued }, 'Referral event recorded and notifications queued');
        return;
      }
      ctx.logger.debug({ referralId: data.referralId }, 'Referral event recorded');
    },
  };
}
