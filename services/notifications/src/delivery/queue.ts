import { carryTraceparent, inSpan, traceparentOf } from '@referral-hub/platform';
import type { HealthCheck, Logger } from '@referral-hub/platform';
import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { DeliveryJobData } from '../domain/delivery-jobs.js';
import { sendDelivery } from '../domain/send-delivery.js';
import type { SendDeliveryDeps } from '../domain/send-delivery.js';

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
const WEEK_S = 7 * 24 * 3600;

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
      // The job carries the trace of the event that planned it: its send is part of that trace.
      await opened().addBulk(jobs.map((data) => ({ name: data.message.channel, data: carryTraceparent(data), opts: { jobId: data.deliveryId } })));
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

export type DeliveryWorkerOptions = DeliveryQueueOptions & SendDeliveryDeps;

/**
 * The delivery worker: BullMQ's side of sending. Each job it is handed goes to
 * the `send-delivery` use case (claim, send, log: `domain/send-delivery.ts`),
 * whose answer is turned into BullMQ's terms: done, delayed without spending
 * an attempt, retried with backoff, or failed for good.
 */
export async function startDeliveryWorker(options: DeliveryWorkerOptions): Promise<{ stop(): Promise<void>; worker: Worker<DeliveryJobData> }> {
  const { logger } = options;

  const process = async (job: Job<DeliveryJobData>, token?: string): Promise<void> => {
    const outcome = await inSpan('deliveries process', { kind: 'consumer', parent: traceparentOf(job.data), attributes: { 'messaging.system': 'bullmq', 'delivery.channel': job.name } }, () =>
      sendDelivery(options, { job: job.data, queuedAt: job.timestamp, attemptsAllowed: job.opts.attempts ?? 1, attemptsMade: job.attemptsMade }),
    );
    switch (outcome.kind) {
      case 'done':
        return;
      case 'later':
        // Back to the delayed set without spending one of its attempts.
        await job.moveToDelayed(outcome.until, token);
        throw new DelayedError();
      case 'give-up':
        throw new UnrecoverableError(outcome.code);
      case 'retry':
        throw new Error(outcome.code);
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
