import type { Logger, Outbox } from '@referral-hub/platform';
import type { NotificationsDatabase, SqlPool } from '../data-access/database.js';
import { failLostDelivery, findDelivery, findStalledDeliveries } from '../data-access/deliveries.js';
import type { DeliveryRow } from '../data-access/deliveries.js';
import { findReferralEvent } from '../data-access/referral-events.js';
import type { DeliveryJobData } from './delivery-jobs.js';
import { planReferralEvent } from './notify-referral-event.js';
import { storedReferralEventFacts } from './referral-event-facts.js';
import { planFallbackEmail } from './record-delivery-report.js';
import type { NotifyDeps } from './notify-referral-event.js';

export type SweepDeps = {
  db: NotificationsDatabase;
  /** The service's pool, which planning reads on. */
  pool: SqlPool;
  outbox: Outbox;
  notify: Pick<NotifyDeps, 'contexts' | 'linkTemplate' | 'actionLinkTemplate' | 'enqueue'>;
  /**
   * Whether BullMQ will still run a job with this id (waiting, delayed, active). One that has ended while
   * its row is still pending (failed after stalling twice, as when its worker was killed twice) is removed
   * by it and counts as lost.
   */
  jobExists(id: string): Promise<boolean>;
  /** Queued rows younger than this are left alone: their job is surely just queued. */
  olderThanMs: number;
  logger: Logger;
  batchSize?: number;
  now?: () => Date;
};

/**
 * Queues again the deliveries still `queued` in the log (or `sending` with a
 * lease run out: their worker died) whose BullMQ job is gone (Redis lost its data, or was flushed): without this, they would stay
 * queued for ever and nobody would be told. The event they came from is
 * planned again from the envelope kept in `referral_event`, and only the jobs
 * of the lost rows are added, with the same ids, so a job that turns up
 * meanwhile is not duplicated (BullMQ ignores an id it holds) and several
 * instances may sweep at once. Queueing a job again never sends twice: the
 * worker claims the row before sending (see `startDeliveryWorker`). A lost row the new plan no longer has (the
 * person changed their channels, the subscription was removed) or whose event
 * was not kept ends `failed` with `job_lost` (announced when it had been attempted). An
 * event whose recipients cannot be had now is left for the next sweep.
 *
 * @returns how many jobs were queued again and how many rows ended failed.
 */
export async function sweepLostDeliveries(deps: SweepDeps): Promise<{ requeued: number; failed: number }> {
  const now = (deps.now ?? (() => new Date()))();
  // Queued long enough ago that its job was surely added, or claimed by a worker that died while sending.
  const candidates = await findStalledDeliveries(deps.db.client, new Date(now.getTime() - deps.olderThanMs), now, deps.batchSize ?? 200);
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
        const facts = storedReferralEventFacts(stored.envelope);
        const ids = new Set(lost.map((row) => row.id));
        jobs = (await planReferralEvent(deps.notify, deps.pool, facts, now)).jobs.filter((job) => ids.has(job.deliveryId));
        // An e-mail sent in place of a failed SMS is in no plan of the event: planned again from its SMS.
        for (const row of lost.filter((r) => r.fallbackOf !== null && !jobs.some((job) => job.deliveryId === r.id))) {
          const sms = await findDelivery(deps.db.client, row.fallbackOf ?? '');
          const fallback = sms === null ? null : await planFallbackEmail(deps, sms);
          if (fallback?.job.deliveryId === row.id) jobs.push(fallback.job);
        }
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

/** Ends a lost delivery `failed` (`job_lost`), if it is still as the sweep found it, and announces it if it was ever attempted. */
async function failLost(deps: SweepDeps, row: DeliveryRow, now: Date): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    if (!(await failLostDelivery(tx, row, now))) return false;
    // As for `no_address`: a delivery never attempted is in the log only (the event counts attempts from 1);
    // a test delivery (no referral) is in the log only.
    if (row.attempts < 1 || row.referralId === null) return true;
    await deps.outbox.publish(
      tx,
      'notification.failed',
      { notificationId: row.id, eventId: row.eventId, referralId: row.referralId, channel: row.channel as 'email' | 'sms' | 'webhook', attempts: row.attempts, errorCode: 'job_lost' },
      { subject: row.referralId, time: now },
    );
    return true;
  });
}
