import type { Logger, Outbox, OutboxRow } from '@referral-hub/platform';
import type { NotificationsDatabase, SqlPool } from '../data-access/database.js';
import { claimDelivery, extendDeliveryLease, findDeliveryState, recordFinalOutcome, updateClaimedDelivery } from '../data-access/deliveries.js';
import type { ChannelSender, OutgoingMessage, SendResult } from './channels.js';
import { DeliveryError, errorCodeOf } from './channels.js';
import type { DeliveryJobData } from './delivery-jobs.js';

export type SendDeliveryDeps = {
  db: NotificationsDatabase;
  /** The service's pool: the claim and the outcome are prepared statements on it (once per message sent). */
  pool: SqlPool;
  outbox: Outbox;
  senders: Partial<Record<OutgoingMessage['channel'], ChannelSender>>;
  logger: Logger;
  /**
   * How long a claimed delivery is held by its worker (`DELIVERY_LEASE_MS`), renewed every third of it while
   * the provider is being called: after a crash, how long until the delivery may be sent again.
   */
  leaseMs: number;
  /**
   * Told of each delivery that failed for good (a permanent refusal, or its last attempt), once its log row
   * says so: a failed SMS to a focal point is then sent by e-mail (`record-delivery-report.ts`). Its errors are
   * logged, never the delivery's.
   */
  onFailed?: (deliveryId: string) => Promise<void>;
};

/** One hand-out of a delivery's job by the queue. */
export type DeliveryAttempt = {
  job: DeliveryJobData;
  /** When the job was queued (epoch ms). */
  queuedAt: number;
  /** Attempts the queue allows the job, the first included. */
  attemptsAllowed: number;
  /** Attempts the queue has counted as failed so far. */
  attemptsMade: number;
};

/** What the queue is to do with the job after {@link sendDelivery}. */
export type SendDeliveryOutcome =
  /** Sent, or already final (sent or failed): the job is done. */
  | { kind: 'done' }
  /** Not for now (its row is not there yet, or another worker holds it): look again at `until`, no attempt spent. */
  | { kind: 'later'; until: number }
  /** This attempt failed; the queue retries it with its backoff, if attempts are left. */
  | { kind: 'retry'; code: string }
  /** Failed for good (a permanent refusal, or a job whose row never came): no retry. */
  | { kind: 'give-up'; code: string };

/** Tries of recording an outcome the provider already gave, before leaving the row to its lease. */
const RECORD_TRIES = 5;
const RECORD_RETRY_MS = 200;
const NOT_PLANNED_YET_DELAY_MS = 200;
/** Longer than the consumer's retries of an event (attempts × retry delay, with margin). */
const NOT_PLANNED_GIVE_UP_MS = 60 * 60 * 1000;

type Outcome = { sent: true; providerMessageId: string | null; delivered?: boolean } | { sent: false; errorCode: string; final: boolean };

/**
 * Sends one delivery and keeps the delivery log: the use case the delivery
 * worker calls for each job it is handed. It first claims the row (`queued` →
 * `sending`, attempt counted, leased: `claimDelivery`), so that only one
 * worker ever calls the provider for a delivery, however often its job is
 * handed out (the queue re-hands a job whose lock it lost, the sweep queues a
 * lost one again). A worker handed a delivery another holds waits for that
 * lease, without spending an attempt. The outcome is written by the claiming
 * attempt only: `sent` with the provider's message id, `failed` with a code
 * once a permanent error or the last attempt is reached (each final outcome
 * published, `notification.delivered` / `notification.failed`, in the same
 * statement), or back to `queued` for a retry.
 *
 * What cannot be closed: a worker that dies (or cannot reach its database)
 * after the provider took the message and before the log says so leaves the
 * row `sending`; when the lease has run out the message is sent again, with
 * the same Message-ID, `webhook-id` or `Idempotency-Key`, for the receiver to
 * drop. See docs/adr/0013-delivery-at-least-once.md.
 *
 * @throws Error when the log cannot be read or a failure cannot be recorded (the queue retries the job).
 */
export async function sendDelivery(deps: SendDeliveryDeps, attempt: DeliveryAttempt): Promise<SendDeliveryOutcome> {
  const { pool, logger, leaseMs } = deps;
  const { job } = attempt;
  const claimed = await claimDelivery(pool, job.deliveryId, leaseMs);
  if (claimed === null) {
    const row = await findDeliveryState(pool, job.deliveryId);
    if (row === null) {
      // Jobs are queued once the row's transaction has committed, so a row is normally there. Not yet
      // visible here (a replica reading behind) or gone with a rolled-back plan: look again shortly,
      // without spending one of the message's attempts, waiting longer as time passes, and giving up
      // once the event has had time for all its retries.
      const waited = Date.now() - attempt.queuedAt;
      if (waited > NOT_PLANNED_GIVE_UP_MS) return { kind: 'give-up', code: 'not_planned' };
      return { kind: 'later', until: Date.now() + Math.min(30_000, Math.max(NOT_PLANNED_YET_DELAY_MS, waited / 2)) };
    }
    // Another worker holds it (this job was handed out twice): never a second send; look again once its
    // lease is over, when it will be sent, failed, queued for a retry, or free because that worker died.
    if (row.status === 'sending') return { kind: 'later', until: Math.max(Date.now(), row.leaseUntil?.getTime() ?? 0) + NOT_PLANNED_YET_DELAY_MS };
    // Queued again between the two reads (the holder's retry): claim on the next turn.
    if (row.status === 'queued') return { kind: 'later', until: Date.now() + NOT_PLANNED_YET_DELAY_MS };
    return { kind: 'done' }; // sent or failed: final
  }
  // Counted in the log rather than by the queue, so that the log says how often the provider was tried.
  const number = claimed.attempts;
  const sender = deps.senders[job.message.channel];
  // While the provider is called, the lease is renewed: only a worker that is gone lets it run out.
  const heartbeat = setInterval(() => {
    extendDeliveryLease(pool, claimed.id, number, leaseMs).catch(() => undefined);
  }, Math.max(50, Math.floor(leaseMs / 3)));
  let result: SendResult;
  try {
    if (sender === undefined) throw new DeliveryError('channel_unavailable', `No ${job.message.channel} provider is configured`, { permanent: true });
    result = await sender.send(job.message, { deliveryId: claimed.id });
  } catch (error) {
    clearInterval(heartbeat);
    const permanent = error instanceof DeliveryError && error.permanent;
    const last = permanent || number >= attempt.attemptsAllowed || attempt.attemptsMade + 1 >= attempt.attemptsAllowed;
    const code = errorCodeOf(error);
    logger.warn({ deliveryId: claimed.id, channel: claimed.channel, attempt: number, code, final: last }, 'Delivery attempt failed');
    const recorded = await recordSurely(deps, job, number, { sent: false, errorCode: code, final: last });
    if (recorded && last && deps.onFailed !== undefined) {
      await deps.onFailed(claimed.id).catch((failure: unknown) => {
        logger.warn({ deliveryId: claimed.id, err: { name: failure instanceof Error ? failure.name : 'unknown' } }, 'What follows a failed delivery could not be done');
      });
    }
    // Never the provider's message: it may quote the address.
    return permanent ? { kind: 'give-up', code } : { kind: 'retry', code };
  }
  clearInterval(heartbeat);
  try {
    await recordSurely(deps, job, number, { sent: true, providerMessageId: result.providerMessageId, ...(result.delivered === true ? { delivered: true } : {}) });
  } catch (error) {
    // Sent, but the log cannot say so: the row stays `sending` until its lease runs out, then the message
    // goes again (same Message-ID / webhook-id / Idempotency-Key). The one window that cannot be closed.
    logger.error({ deliveryId: claimed.id, channel: claimed.channel, attempt: number, err: { name: error instanceof Error ? error.name : 'unknown' } }, 'Delivered, but the delivery log could not be updated: it will be sent again after its lease');
    return { kind: 'retry', code: 'log_unavailable' };
  }
  return { kind: 'done' };
}

/** Writes the outcome of the attempt that holds the row; false when it no longer does (nothing written). */
async function record(deps: SendDeliveryDeps, job: DeliveryJobData, attempt: number, outcome: Outcome): Promise<boolean> {
  const now = new Date();
  const { deliveryId: id, eventId, referralId, message } = job;
  if (!outcome.sent && !outcome.final) {
    return updateClaimedDelivery(deps.db.client, id, attempt, { status: 'queued', errorCode: outcome.errorCode, updatedAt: now });
  }
  // A test delivery (no referral) is in the log only: the events are about referrals' notifications.
  let event: OutboxRow | null = null;
  if (referralId !== null) {
    const base = { notificationId: id, eventId, referralId, channel: message.channel, attempts: attempt };
    const about = { subject: referralId, time: now };
    event = outcome.sent
      ? deps.outbox.row('notification.delivered', { ...base, ...(outcome.providerMessageId === null ? {} : { providerMessageId: outcome.providerMessageId }) }, about)
      : deps.outbox.row('notification.failed', { ...base, errorCode: outcome.errorCode }, about);
  }
  // The outcome and its event in one statement: written together, or (the attempt no longer holds the row) not at all.
  return recordFinalOutcome(
    deps.pool,
    id,
    attempt,
    outcome.sent
      ? { status: 'sent', providerMessageId: outcome.providerMessageId, delivered: outcome.delivered === true, at: now }
      : { status: 'failed', errorCode: outcome.errorCode, at: now },
    event,
  );
}

/**
 * The provider has answered: its answer must reach the log, or the lease runs out and the message goes
 * again. A database error is tried again for a while rather than taken for the provider's.
 */
async function recordSurely(deps: SendDeliveryDeps, job: DeliveryJobData, attempt: number, outcome: Outcome): Promise<boolean> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await record(deps, job, attempt, outcome);
    } catch (error) {
      if (tries >= RECORD_TRIES) throw error;
      deps.logger.warn({ deliveryId: job.deliveryId, attempt, tries, err: { name: error instanceof Error ? error.name : 'unknown' } }, 'The outcome of a delivery could not be logged yet; trying again');
      await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS * tries));
    }
  }
}
