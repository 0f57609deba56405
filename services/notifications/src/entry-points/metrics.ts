/**
 * The delivery queue's figures for Prometheus: jobs by state (read from
 * BullMQ at each scrape), the time from a job queued to its message sent, and
 * the sends that failed (for good, or to be tried again), by channel. The
 * channel is the only label: never a recipient or an address.
 */
import { registerCounter, registerHistogram, registerScrapeGauge } from '@referral-hub/platform';
import type { ServiceMetrics } from '@referral-hub/platform';
import type { Queue, Worker } from 'bullmq';

/** Seconds from queued to sent: a message in well under a second, a retried one minutes later. */
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

type JobLike = { name: string; timestamp: number; finishedOn?: number | undefined; attemptsMade: number; opts: { attempts?: number | undefined } };

export function registerDeliveryMetrics(metrics: ServiceMetrics, queue: Pick<Queue, 'getJobCounts'>, worker: Pick<Worker, 'on'>): void {
  registerScrapeGauge(metrics, {
    name: 'hub_delivery_jobs',
    help: 'Delivery jobs in the BullMQ queue by state (waiting to be sent, delayed for a retry, being sent, failed for good and kept).',
    labelNames: ['state'],
    read: async () => {
      const counts = await queue.getJobCounts(...STATES);
      return STATES.map((state) => ({ labels: { state }, value: counts[state] ?? 0 }));
    },
  });
  const latency = registerHistogram(metrics, {
    name: 'hub_delivery_latency_seconds',
    help: 'Time from a delivery job queued to its message accepted by the provider (SMTP server, SMS gateway, webhook), by channel.',
    labelNames: ['channel'],
    buckets: DELIVERY_BUCKETS,
  });
  const failures = registerCounter(metrics, {
    name: 'hub_delivery_failures_total',
    help: 'Sends that failed, by channel; final="true" when no attempt is left (the message is not delivered).',
    labelNames: ['channel', 'final'],
  });
  worker.on('completed', (job: JobLike) => {
    latency.observe({ channel: job.name }, Math.max(0, (job.finishedOn ?? Date.now()) - job.timestamp) / 1000);
  });
  worker.on('failed', (job: JobLike | undefined, error: Error) => {
    if (job === undefined) return;
    const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    failures.inc({ channel: job.name, final: String(final) });
  });
}
