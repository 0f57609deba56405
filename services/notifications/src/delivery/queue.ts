import { createHash } from 'node:crypto';
import { buildEvent } from '@referral-hub/contracts';
import type { HealthCheck, Logger, Outbox } from '@referral-hub/platform';
import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { NotificationsDatabase } from '../data-access/database.js';
import { claimDelivery, extendDeliveryLease, findDelivery, recordFinalOutcome, updateClaimedDelivery } from '../data-access/deliveries.js';
import type { ChannelSender, OutgoingMessage, SendResult } from './channels.js';
import { DeliveryError, errorCodeOf } from './channels.js';

/** What a delivery job carries: the log row it updates and the rendered message (`referralId` null for a subscription's test). */
export type DeliveryJobData = { deliveryId: string; eventId: string; referralId: string | null; message: OutgoingMessage };

export type DeliveryQueueOptions = {
  redisUrl: string;
  /** Redis key prefix of the queue (`NOTIFICATIONS_QUEUE_PREFIX`), so deployments and tests do not meet. */
  prefix: string;
  /** Attempts per message, the first included. */
  attempts: number;
  /** First retry delay; each next one doubles it. */
  backoffMs: number;
  /** Messages sent at once by one worker. */
  concurrency?: number;
};

const QUEUE_NAME = 'deliveries';
const SOURCE = '/services/notifications';
const WEEK_S = 7 * 24 * 3600;
const NOT_PLANNED_YET_DELAY_MS = 200;
/** Longer than the consumer's retries of an event (attempts × retry delay, with margin). */
const NOT_PLANNED_GIVE_UP_MS = 60 * 60 * 1000;

/**
 * The id of a delivery, and of its job: derived from the event, recipient and
 * channel, so that planning the same event again (a redelivery) lands on the
 * same row and the same job, and nothing is sent twice.
 */
export function deliveryId(eventId: string, recipientKey: string, channel: string): string {
  const hex = createHash('sha256').update(`${eventId}\u0000${recipientKey}\u0000${channel}`).digest('hex');
  // Shaped as a UUID (version 8: custom) so that it fits the log's uuid column and the events' notificationId.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export type DeliveryQueue = {
  /** Opens the producer's Redis connection (a `ServiceResource`). */
  connect(logger: Logger): Promise<void>;
  /** Adds the jobs; a job whose id exists already (same event, recipient, channel) is not added again. */
  enqueue(jobs: DeliveryJobData[]): Promise<void>;
  /**
   * Whether BullMQ will still run the job of this delivery (waiting, delayed, active…). A job that has
   * ended (completed, or failed: every attempt used, or stalled more often than BullMQ allows) is removed,
   * so that the sweep can queue it again under the same id; false too when there is none.
   */
  jobWillRun(id: string): Promise<boolean>;
  healthCheck(): HealthCheck;
  /** Closes the queue and its connection; call after the workers have stopped. */
  close(): Promise<void>;
  readonly queue: Queue<DeliveryJobData>;
};

/** The BullMQ queue delivery jobs wait in. Opens nothing until {@link DeliveryQueue.connect}. */
export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  let connection: Redis | undefined;
  let queue: Queue<DeliveryJobData> | undefined;
  const opened = (): Queue<DeliveryJobData> => {
    if (queue === undefined) throw new Error('The delivery queue is not connected');
    return queue;
  };
  return {
    get queue() {
      return opened();
    },
    async connect(logger) {
      // BullMQ needs `maxRetriesPerRequest: null`: its commands must wait out a reconnection, not fail.
      const client = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: 'notifications-queue' });
      connection = client;
      client.on('error', (error: Error & { code?: unknown }) => {
        logger.warn({ component: 'bullmq', code: typeof error.code === 'string' ? error.code : undefined }, 'Queue Redis connection error');
      });
      await client.connect();
      queue = new Queue<DeliveryJobData>(QUEUE_NAME, {
        connection: client,
        prefix: options.prefix,
        defaultJobOptions: {
          attempts: options.attempts,
          backoff: { type: 'exponential', delay: options.backoffMs },
          // Completed jobs stay a week so that a redelivered event finds their ids and adds nothing;
          // failed jobs stay for an operator to inspect and retry.
          removeOnComplete: { age: WEEK_S },
          removeOnFail: false,
        },
      });
      queue.on('error', () => undefined);
      await queue.waitUntilReady();
    },
    async enqueue(jobs) {
      if (jobs.length === 0) return;
      await opened().addBulk(jobs.map((data) => ({ name: data.message.channel, data, opts: { jobId: data.deliveryId } })));
    },
    async jobWillRun(id) {
      const job = await opened().getJob(id);
      if (job === undefined) return false;
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed') return true;
      await job.remove();
      return false;
    },
    healthCheck: () => ({
      name: 'delivery-queue',
      // The Redis check PINGs; this one says whether the queue's own connection is up, without waiting on it.
      check: () => (connection?.status === 'ready' ? Promise.resolve() : Promise.reject(new Error('The delivery queue is not connected to Redis'))),
    }),
    async close() {
      await queue?.close();
      if (connection !== undefined && connection.status !== 'end') {
        const client = connection;
        await client.quit().catch(() => client.disconnect());
      }
    },
  };
}

export type DeliveryWorkerOptions = DeliveryQueueOptions & {
  db: NotificationsDatabase;
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

/** Tries of recording an outcome the provider already gave, before leaving the row to its lease. */
const RECORD_TRIES = 5;
const RECORD_RETRY_MS = 200;

/**
 * Sends delivery jobs and keeps the delivery log. Each attempt first claims
 * its row (`queued` → `sending`, attempt counted, leased: `claimDelivery`), so
 * that only one worker ever calls the provider for a delivery, however often
 * its job is handed out (BullMQ re-hands a job whose lock it lost, the sweep
 * queues a lost one again). A worker handed a delivery another holds waits
 * for that lease, without spending an attempt. The outcome is written by the
 * claiming attempt only: `sent` with the provider's message id, `failed` with
 * a code once a permanent error or the last attempt is reached (each final
 * outcome published, `notification.delivered` / `notification.failed`, in the
 * same transaction), or back to `queued` for a retry.
 *
 * What cannot be closed: a worker that dies (or cannot reach its database)
 * after the provider took the message and before the log says so leaves the
 * row `sending`; when the lease has run out the message is sent again, with
 * the same Message-ID, `webhook-id` or `Idempotency-Key`, for the receiver to
 * drop. See docs/adr/0013-delivery-at-least-once.md.
 */
export async function startDeliveryWorker(options: DeliveryWorkerOptions): Promise<{ stop(): Promise<void>; worker: Worker<DeliveryJobData> }> {
  const { db, outbox, logger, leaseMs } = options;

  type Outcome = { sent: true; providerMessageId: string | null; delivered?: boolean } | { sent: false; errorCode: string; final: boolean };
  /** Writes the outcome of the attempt that holds the row; false when it no longer does (nothing written). */
  const record = async (job: Job<DeliveryJobData>, attempt: number, outcome: Outcome): Promise<boolean> => {
    const now = new Date();
    const { deliveryId: id, eventId, referralId, message } = job.data;
    if (!outcome.sent && !outcome.final) {
      return updateClaimedDelivery(db.client, id, attempt, { status: 'queued', errorCode: outcome.errorCode, updatedAt: now });
    }
    // A test delivery (no referral) is in the log only: the events are about referrals' notifications.
    const base = referralId === null ? null : { notificationId: id, eventId, referralId, channel: message.channel, attempts: attempt };
    const event =
      base === null || referralId === null
        ? null
        : outcome.sent
          ? buildEvent('notification.delivered', { ...base, ...(outcome.providerMessageId === null ? {} : { providerMessageId: outcome.providerMessageId }) }, { source: SOURCE, subject: referralId, time: now })
          : buildEvent('notification.failed', { ...base, errorCode: outcome.errorCode }, { source: SOURCE, subject: referralId, time: now });
    // The outcome and its event in one statement: written together, or (the attempt no longer holds the row) not at all.
    return recordFinalOutcome(
      db.client,
      id,
      attempt,
      outcome.sent
        ? { status: 'sent', providerMessageId: outcome.providerMessageId, delivered: outcome.delivered === true, at: now }
        : { status: 'failed', errorCode: outcome.errorCode, at: now },
      event === null ? null : outbox.rowOf(event),
    );
  };

  /**
   * The provider has answered: its answer must reach the log, or the lease runs out and the message goes
   * again. A database error is tried again for a while rather than taken for the provider's.
   */
  const recordSurely = async (job: Job<DeliveryJobData>, attempt: number, outcome: Outcome): Promise<boolean> => {
    for (let tries = 1; ; tries += 1) {
      try {
        return await record(job, attempt, outcome);
      } catch (error) {
        if (tries >= RECORD_TRIES) throw error;
        logger.warn({ deliveryId: job.data.deliveryId, attempt, tries, err: { name: error instanceof Error ? error.name : 'unknown' } }, 'The outcome of a delivery could not be logged yet; trying again');
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS * tries));
      }
    }
  };

  /** Puts the job back without spending one of its attempts, to be looked at again at `until`. */
  const later = async (job: Job<DeliveryJobData>, until: number, token: string | undefined): Promise<never> => {
    await job.moveToDelayed(until, token);
    throw new DelayedError();
  };

  const process = async (job: Job<DeliveryJobData>, token?: string): Promise<void> => {
    const claimed = await claimDelivery(db.client, job.data.deliveryId, leaseMs);
    if (claimed === null) {
      const row = await findDelivery(db.client, job.data.deliveryId);
      if (row === null) {
        // Jobs are queued once the consumer's transaction has committed, so a row is normally there. Not
        // yet visible here (a replica reading behind) or gone with a rolled-back plan: look again shortly,
        // without spending one of the message's attempts, waiting longer as time passes, and giving up
        // once the event has had time for all its retries.
        const waited = Date.now() - job.timestamp;
        if (waited > NOT_PLANNED_GIVE_UP_MS) throw new UnrecoverableError('not_planned');
        return later(job, Date.now() + Math.min(30_000, Math.max(NOT_PLANNED_YET_DELAY_MS, waited / 2)), token);
      }
      // Another worker holds it (this job was handed out twice): never a second send; look again once its
      // lease is over, when it will be sent, failed, queued for a retry, or free because that worker died.
      if (row.status === 'sending') return later(job, Math.max(Date.now(), row.leaseUntil?.getTime() ?? 0) + NOT_PLANNED_YET_DELAY_MS, token);
      // Queued again between the two reads (the holder's retry): claim on the next turn.
      if (row.status === 'queued') return later(job, Date.now() + NOT_PLANNED_YET_DELAY_MS, token);
      return; // sent or failed: final
    }
    // Counted in the log rather than by BullMQ, so that the log says how often the provider was tried.
    const attempt = claimed.attempts;
    const sender = options.senders[job.data.message.channel];
    // While the provider is called, the lease is renewed: only a worker that is gone lets it run out.
    const heartbeat = setInterval(() => {
      extendDeliveryLease(db.client, claimed.id, attempt, leaseMs).catch(() => undefined);
    }, Math.max(50, Math.floor(leaseMs / 3)));
    let result: SendResult;
    try {
      if (sender === undefined) throw new DeliveryError('channel_unavailable', `No ${job.data.message.channel} provider is configured`, { permanent: true });
      result = await sender.send(job.data.message, { deliveryId: claimed.id });
    } catch (error) {
      clearInterval(heartbeat);
      const permanent = error instanceof DeliveryError && error.permanent;
      const last = permanent || attempt >= (job.opts.attempts ?? 1) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const code = errorCodeOf(error);
      logger.warn({ deliveryId: claimed.id, channel: claimed.channel, attempt, code, final: last }, 'Delivery attempt failed');
      const recorded = await recordSurely(job, attempt, { sent: false, errorCode: code, final: last });
      if (recorded && last && options.onFailed !== undefined) {
        await options.onFailed(claimed.id).catch((failure: unknown) => {
          logger.warn({ deliveryId: claimed.id, err: { name: failure instanceof Error ? failure.name : 'unknown' } }, 'What follows a failed delivery could not be done');
        });
      }
      // Never the provider's message: it may quote the address.
      if (permanent) throw new UnrecoverableError(code);
      throw new Error(code);
    }
    clearInterval(heartbeat);
    try {
      await recordSurely(job, attempt, { sent: true, providerMessageId: result.providerMessageId, ...(result.delivered === true ? { delivered: true } : {}) });
    } catch (error) {
      // Sent, but the log cannot say so: the row stays `sending` until its lease runs out, then the message
      // goes again (same Message-ID / webhook-id / Idempotency-Key). The one window that cannot be closed.
      logger.error({ deliveryId: claimed.id, channel: claimed.channel, attempt, err: { name: error instanceof Error ? error.name : 'unknown' } }, 'Delivered, but the delivery log could not be updated: it will be sent again after its lease');
      throw new Error('log_unavailable');
    }
  };

  // Only a template: BullMQ opens (and closes) its own duplicates of it. Lazy, so that it never opens a
  // connection of its own, which after a lost connection would come back with nobody left to close it.
  const connection = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: 'notifications-worker' });
  connection.on('error', (error: Error & { code?: unknown }) => {
    logger.warn({ component: 'bullmq', code: typeof error.code === 'string' ? error.code : undefined }, 'Worker Redis connection error');
  });
  // The jobs being sent now, so that stop() lets them finish (and log their outcome) before the
  // database closes.
  const inFlight = new Set<Promise<void>>();
  const track = (job: Job<DeliveryJobData>, token?: string): Promise<void> => {
    const run = process(job, token);
    inFlight.add(run);
    return run.finally(() => inFlight.delete(run));
  };
  const worker = new Worker<DeliveryJobData>(QUEUE_NAME, track, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 5,
    // How long an idle worker blocks waiting for a job (seconds). Closing waits for that block to end,
    // so a short one keeps stop() quick; one poll a second per idle worker costs Redis nothing.
    drainDelay: 1,
  });
  worker.on('error', (error) => logger.warn({ component: 'bullmq', err: { name: error.name } }, 'Delivery worker error'));
  await worker.waitUntilReady();
  return {
    worker,
    async stop() {
      // BullMQ's graceful close (QUIT) of a connection that is reconnecting marks it ended without
      // stopping it, and it comes back open for good: close its connections at once instead, then let
      // the jobs in hand finish on their own. Their log rows say what was sent; BullMQ, which did not
      // hear back, hands such a job out again later, and it finds its row sent (or failed, or queued for
      // its next attempt) and sends nothing twice.
      await worker.close(true);
      await Promise.allSettled([...inFlight]);
      connection.disconnect();
      await Promise.all(Object.values(options.senders).map((sender) => sender?.close()));
    },
  };
}
