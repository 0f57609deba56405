import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connectAmqp, consumerName, createLogger, declareTopology, networkTopology } from '@referral-hub/platform';
import type { AmqpConnection, Topology } from '@referral-hub/platform';
import { createTestDatabase, deleteTopology, DEFAULT_TEST_AMQP_URL, uniqueTopologyNames } from '@referral-hub/testkit';
import type { TestDatabase } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryQueue } from '../../services/notifications/src/delivery/queue.js';
import type { DeliveryQueue } from '../../services/notifications/src/delivery/queue.js';
import type { BacklogReport } from '../../scripts/cli/backlog.js';
import { jsonOf, runHub } from './support.js';

const SERVICES = ['directory', 'consent', 'referrals', 'notifications'] as const;
const amqpUrl = process.env.TEST_AMQP_URL ?? DEFAULT_TEST_AMQP_URL;
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ service: 'cli-test', version: '0', level: 'silent' });

const names = uniqueTopologyNames('cli-backlog');
const queuePrefix = names.consumer('');
const deliveryPrefix = `test-cli-${names.suffix}`;
const topology: Topology = networkTopology({ exchange: names.exchange, queuePrefix, retryDelayMs: 60_000, deliveryLimit: 10 });
const referralsQueues = topology.consumers.find((c) => c.name === consumerName('referrals', queuePrefix));

let databases: Record<string, TestDatabase>;
let amqp: AmqpConnection;
let deliveries: DeliveryQueue;
let env: Record<string, string>;
const deadEventId = randomUUID();
const outboxEventId = randomUUID();
/** Stands for an event's data, which the CLI must never print. */
const DATA_MARKER = 'data-that-stays-in-the-queue';

async function depth(queue: string): Promise<number> {
  const channel = await amqp.createChannel();
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await channel.close();
  }
}

/** A quorum queue reports its count with a short lag: wait until it says `count`. */
async function untilDepth(queue: string, count: number): Promise<void> {
  for (let i = 0; i < 100 && (await depth(queue)) !== count; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await depth(queue)).toBe(count);
}

beforeAll(async () => {
  const entries = await Promise.all(
    SERVICES.map(async (service) => {
      const migrationsDir = fileURLToPath(new URL(`../../services/${service}/prisma/migrations`, import.meta.url));
      return [service, await createTestDatabase({ migrationsDir })] as const;
    }),
  );
  databases = Object.fromEntries(entries);
  amqp = await connectAmqp({ url: amqpUrl, logger, name: 'cli-backlog-test' });
  const channel = await amqp.createChannel();
  await declareTopology(channel, topology);
  await channel.close();
  deliveries = createDeliveryQueue({ redisUrl, prefix: deliveryPrefix, attempts: 1, backoffMs: 1000 });
  await deliveries.connect(logger);

  env = {
    AMQP_URL: amqpUrl,
    AMQP_EXCHANGE: names.exchange,
    AMQP_QUEUE_PREFIX: queuePrefix,
    REDIS_URL: redisUrl,
    NOTIFICATIONS_QUEUE_PREFIX: deliveryPrefix,
    ...Object.fromEntries(SERVICES.map((service) => [`${service.toUpperCase()}_DATABASE_URL`, databases[service]?.url ?? ''])),
  };
});

afterAll(async () => {
  await deliveries?.queue.obliterate({ force: true }).catch(() => undefined);
  await deliveries?.close();
  await amqp?.close();
  await deleteTopology(amqpUrl, { exchanges: topology.exchanges, queues: topology.queues });
  await Promise.all(Object.values(databases ?? {}).map((db) => db.drop()));
});

describe('hub backlog and hub dead-letters', () => {
  it('backlog reports an unpublished outbox row, a message in a dead-letter queue and a waiting delivery job', async () => {
    if (referralsQueues === undefined) throw new Error('no referrals consumer in the topology');
    // The referrals service committed an event that its relay has not published yet.
    await databases.referrals?.pool.query(
      `INSERT INTO outbox_message (id, event_type, subject, payload, created_at) VALUES ($1, 'referral.submitted', $2, '{}'::jsonb, now() - interval '5 minutes')`,
      [outboxEventId, randomUUID()],
    );
    // The referrals consumer gave up on an event.
    const channel = await amqp.createConfirmChannel();
    channel.sendToQueue(
      referralsQueues.deadLetterQueue,
      Buffer.from(JSON.stringify({ specversion: '1.0', id: deadEventId, type: 'directory.service.changed', source: '/test', time: new Date().toISOString(), data: { marker: DATA_MARKER } })),
      { messageId: deadEventId, type: 'directory.service.changed', persistent: true, headers: { 'x-attempt': 5, 'x-dead-letter-reason': 'max_attempts' } },
    );
    await channel.waitForConfirms();
    await channel.close();
    await untilDepth(referralsQueues.deadLetterQueue, 1);
    // A notification waits for delivery.
    await deliveries.enqueue([{ deliveryId: randomUUID(), eventId: randomUUID(), referralId: randomUUID(), message: { channel: 'sms', to: '+25700000000', text: 'test' } }]);

    const run = await runHub(['backlog', '--json'], env);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const report = jsonOf<BacklogReport>(run);
    expect(report.outbox.map((o) => o.service)).toEqual([...SERVICES]);
    const referrals = report.outbox.find((o) => o.service === 'referrals');
    expect(referrals).toMatchObject({ pending: 1, parked: 0, failedAttempts: 0 });
    expect(referrals && 'oldestAgeSeconds' in referrals ? referrals.oldestAgeSeconds : null).toBeGreaterThanOrEqual(299);
    expect(report.outbox.find((o) => o.service === 'directory')).toMatchObject({ pending: 0, oldestPendingAt: null });
    if ('error' in report.queues) throw new Error(report.queues.error);
    expect(report.queues.map((q) => q.service).sort()).toEqual(['consent', 'notifications', 'referrals']);
    expect(report.queues.find((q) => q.service === 'referrals')).toMatchObject({
      consumer: referralsQueues.name,
      main: { name: referralsQueues.queue, messages: 0 },
      retry: { name: referralsQueues.retryQueue, messages: 0 },
      deadLetter: { name: referralsQueues.deadLetterQueue, messages: 1 },
    });
    expect(report.deliveries).toMatchObject({ prefix: deliveryPrefix, waiting: 1, active: 0, failed: 0 });

    const text = await runHub(['backlog', '--service', 'referrals'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/referrals\s+1\s+5m\s+0\s+0/);
    expect(text.stdout).toMatch(new RegExp(`referrals\\s+${referralsQueues.queue}\\s+0\\s+0\\s+0\\s+1`));
    expect(text.stdout).not.toContain('BullMQ');
  });

  it('dead-letters list shows the dead letter (never its data), and replay sends it back to its consumer queue', async () => {
    if (referralsQueues === undefined) throw new Error('no referrals consumer in the topology');
    const list = await runHub(['dead-letters', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const listing = jsonOf<{ queues: { service: string; total: number; messages: { eventId: string; eventType: string; deathReason: string }[] }[] }>(list);
    expect(listing.queues.find((q) => q.service === 'referrals')).toMatchObject({
      total: 1,
      messages: [{ eventId: deadEventId, eventType: 'directory.service.changed', deathReason: 'max_attempts' }],
    });
    expect(listing.queues.find((q) => q.service === 'notifications')).toMatchObject({ total: 0, messages: [] });
    expect(list.stdout).not.toContain(DATA_MARKER);
    const text = await runHub(['dead-letters', 'list', '--service', 'referrals'], env);
    expect(text.stdout).toContain(`${deadEventId}  directory.service.changed`);
    expect(text.stdout).toContain('reason=max_attempts');
    expect(text.stdout).not.toContain(DATA_MARKER);
    // Listing leaves it where it was.
    await untilDepth(referralsQueues.deadLetterQueue, 1);

    const unknown = randomUUID();
    const missing = await runHub(['dead-letters', 'replay', unknown, '--service', 'referrals'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`not found in any dead-letter queue: ${unknown}`);
    await untilDepth(referralsQueues.deadLetterQueue, 1);

    const replay = await runHub(['dead-letters', 'replay', deadEventId], env);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('referrals: replayed 1, kept 0');
    await untilDepth(referralsQueues.deadLetterQueue, 0);
    await untilDepth(referralsQueues.queue, 1);
  });

  it('refuses a service that consumes nothing, and a replay without ids or --all (exit code 2)', async () => {
    const [directory, nothing] = await Promise.all([runHub(['dead-letters', 'list', '--service', 'directory'], env), runHub(['dead-letters', 'replay'], env)]);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain('consuming services: referrals, notifications, consent');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('replay needs event ids or --all');
  });
});

describe('hub audit verify', () => {
  it('runs the audit chain verifier on the same databases and passes on its exit code and output', async () => {
    const [run, wrong] = await Promise.all([runHub(['audit', 'verify', '--json'], env), runHub(['audit', 'verify', '--service', 'notifications'], env)]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const result = jsonOf<{ ok: boolean; services: { service: string; chains?: { table: string; ok: boolean }[] }[] }>(run);
    expect(result.ok).toBe(true);
    expect(result.services.map((s) => s.service)).toEqual(['directory', 'consent', 'referrals']);
    for (const service of result.services) expect(service.chains?.length, service.service).toBeGreaterThan(0);

    // Its own refusals keep their exit code.
    expect(wrong.code).toBe(2);
  });
});
