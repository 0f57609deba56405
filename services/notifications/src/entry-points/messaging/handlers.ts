import type { EventHandler, PreparedEventHandler } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import { loadReferralContext, notifyReferralEvent, referralEventFacts } from '../../domain/notify-referral-event.js';
import type { NotifyDeps } from '../../domain/notify-referral-event.js';
import { recordReferralEvent } from '../../domain/record-referral-event.js';
import { expectReferralEvent } from './events.js';

/**
 * Message entry points of the notifications service (bound in
 * `NETWORK_SUBSCRIPTIONS`: `referral.#`). Who is told, and their names, come
 * from the referrals service BEFORE the inbox transaction opens (no
 * transaction waits on the network); the event is recorded and its
 * deliveries logged in that transaction, so a redelivered event has no second
 * effect; their jobs are queued once it has committed, so a worker never
 * finds a job without its row (one lost in between is queued again by the
 * sweep of lost deliveries). Without `notify` (tests of recording alone),
 * events are only recorded.
 */
export function eventHandlers(deps: { notify?: NotifyDeps } = {}): Record<string, EventHandler<Tx> | PreparedEventHandler<Tx>> {
  return {
    'referral.#': {
      prepare: async (event, ctx) => {
        const referralEvent = expectReferralEvent(event);
        const { id, type, data } = referralEvent;
        const facts = referralEventFacts(referralEvent);
        const notify = deps.notify;
        const context = notify === undefined ? null : await loadReferralContext(notify, facts);
        return async (tx) => {
          await recordReferralEvent(tx, {
            eventId: id,
            eventType: type,
            referralId: data.referralId,
            occurredAt: new Date(data.occurredAt),
            envelope: referralEvent,
          });
          if (notify === undefined) {
            ctx.logger.debug({ referralId: data.referralId }, 'Referral event recorded');
            return;
          }
          const jobs = await notifyReferralEvent(notify, tx, facts, context);
          ctx.afterCommit(() => notify.enqueue(jobs));
          ctx.logger.debug({ referralId: data.referralId, queued: jobs.length }, 'Referral event recorded and notifications planned');
        };
      },
    },
  };
}
