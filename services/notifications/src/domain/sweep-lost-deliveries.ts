import { buildEvent } from '@referral-hub/contracts';
import type { EventEnvelope, Logger, Outbox } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { updateQueuedDelivery } from '../data-access/deliveries.js';
import type { DeliveryRow } from '../data-access/deliveries.js';
import { findReferralEvent } from '../data-access/referral-events.js';
import type { DeliveryJobData } from '../delivery/queue.js';
import { expectReferralEvent } from '../entry-points/messaging/events.js';
import { planReferralEvent, referralEventFacts } from './notify-referral-event.js';
import type { NotifyDeps } from './notify-referral-event.js';

export type SweepDeps = {
  db: NotificationsDatabase;
  outbox: Outbox;
  notify: Pick<NotifyDeps, 'contexts' | 'linkTemplate' | 'enqueue'>;
  /** Whether BullMQ still holds a job with this id (waiting, delayed, active, completed or failed). */
  jobExists(id: string): Promise<boolean>;
  /** Queued rows younger than this are left alone: their job is surely just queued. */
  olderThanMs: number;
  logger: Logger;
  batchSize?: number;
  now?: () => Date;
};

const SOURCE = '/services/notifications';

/**
 * Queues again the deliveries still `queued` in the log whose BullMQ job is
 * gone (Redis lost its data, or was flushed): without this, they would stay
 * queued for ever and nobody would be told. The event they came from is
 * planned again from the envelope kept in `referral_event`, and only the jobs
 * of the lost rows are added, with the same ids, so a job that turns up
 * meanwhile is not duplicated (BullMQ ignores an id it holds) and several
 * instances may sweep at once. A lost row the new plan no longer has (the
 * person changed their channels, the subscription was removed) or whose event
 * was not kept ends `failed` with `job_lost` (announced when it had been attempted). An
 * event whose recipients cannot be had now is left for the next sweep.
 *
 * @returns how many jobs were queued again and how many rows ended failed.
 */
export async function sweepLostDeliveries(deps: SweepDeps): Promise<{ requeued: number; failed: number }> {
  const now = (deps.now ?? (() => new Date()))();
  const candidates = await deps.db.client.delivery.findMany({
    where: { status: 'queued', queuedAt: { lt: new Date(now.getTime() - deps.olderThanMs) } },
    orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }],
    take: deps.batchSize ?? 200,
  });
  const lostByEvent = new Map<string, DeliveryRow[]>();
  for (const row of candidates) {
    if (await deps.jobExists(row.id)) continue;
    lostByEvent.set(row.eventId, [...(lostByEvent.get(row.eventId) ?? []), row]);
  }
  let requeued = 0;
  let failed = 0;
  for (const [eventId, lost] of lostByEvent) {
    const stored = await findReferralEvent(deps.db.client, eventId);
    let jobs: DeliveryJobData[] = [];
    if (stored?.envelope !== null && stored?.envelope !== undefined) {
      try {
        const facts = referralEventFacts(expectReferralEvent(stored.envelope as unknown as EventEnvelope));
        const ids = new Set(lost.map((row) => row.id));
        jobs = (await planReferralEvent(deps.notify, deps.db.client, facts, now)).jobs.filter((job) => ids.has(job.deliveryId));
      } catch (error) {
        deps.logger.warn({ eventId, referralId: lost[0]?.referralId, err: error }, 'Lost deliveries could not be planned again; the next sweep will try');
        continue;
      }
    }
    await deps.notify.enqueue(jobs);
    requeued += jobs.length;
    const planned = new Set(jobs.map((job) => job.deliveryId));
    for (const row of lost.filter((r) => !planned.has(r.id))) {
      if (await failLost(deps, row, now)) failed += 1;
    }
    deps.logger.warn({ eventId, referralId: lost[0]?.referralId, requeued: jobs.length, lost: lost.length }, 'Queued deliveries had lost their job: queued again');
  }
  return { requeued, failed };
}

/** Ends a lost delivery `failed` (`job_lost`), if it is still queued, and announces it if it was ever attempted. */
async function failLost(deps: SweepDeps, row: DeliveryRow, now: Date): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const changed = await updateQueuedDelivery(tx, row.id, { status: 'failed', errorCode: 'job_lost', failedAt: now, updatedAt: now });
    if (!changed) return false;
    // As for `no_address`: a delivery never attempted is in the log only (the event counts attempts from 1).
    if (row.attempts < 1) return true;
    const event = buildEvent(
      'notification.failed',
      { notificationId: row.id, eventId: row.eventId, referralId: row.referralId, channel: row.channel as 'email' | 'sms' | 'webhook', attempts: row.attempts, errorCode: 'job_lost' },
      { source: SOURCE, subject: row.referralId, time: now },
    );
    await deps.outbox.enqueueEvent(tx, event);
    return true;
  });
}
