import type { CloudEvent } from '@referral-hub/contracts';
import type { EventHandlers } from '@referral-hub/platform';
import type { SqlPool, Tx } from '../../data-access/database.js';
import { planReferralEvent } from '../../domain/notify-referral-event.js';
import type { NotifyDeps } from '../../domain/notify-referral-event.js';
import { referralEventFacts } from '../../domain/referral-event-facts.js';
import { recordReferralEvent } from '../../domain/record-referral-event.js';

/**
 * Message entry points of the notifications service (bound in
 * `NETWORK_SUBSCRIPTIONS`: `referral.#`). Each event is planned BEFORE the
 * inbox transaction opens: who is told and their names (asked of the
 * referrals service), their preferences and the subscriptions, read on the
 * pool; so the transaction only writes (the inbox row, the event, the
 * deliveries' log rows), waits on no network and holds its connection for
 * three statements. A redelivered event has no second effect (the inbox).
 * The deliveries' jobs are queued once that transaction has committed, so a
 * worker never finds a job without its row; one lost in between is queued
 * again by the sweep of lost deliveries. Without `planning` (tests of
 * recording alone), events are only recorded.
 */
export function eventHandlers(planning?: { notify: NotifyDeps; pool: SqlPool }): EventHandlers<CloudEvent, Tx> {
  return {
    'referral.#': {
      prepare: async (event, ctx) => {
        const { id, type, data } = event;
        const facts = referralEventFacts(event);
        const notify = planning?.notify;
        const plan = planning === undefined ? null : await planReferralEvent(planning.notify, planning.pool, facts, (planning.notify.now ?? (() => new Date()))());
        return async (tx) => {
          const received = { eventId: id, eventType: type, referralId: data.referralId, occurredAt: new Date(data.occurredAt), envelope: event };
          // The event and its deliveries' log rows in one statement.
          await recordReferralEvent(tx, received, plan?.rows ?? []);
          if (notify === undefined || plan === null) {
            ctx.logger.debug({ referralId: data.referralId }, 'Referral event recorded');
            return;
          }
          const { jobs } = plan;
          ctx.afterCommit(() => notify.enqueue(jobs));
          ctx.logger.debug({ referralId: data.referralId, queued: jobs.length }, 'Referral event recorded and notifications planned');
        };
      },
    },
  };
}
