import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildEvent } from '@referral-hub/contracts';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv } from '@referral-hub/testkit';
import { connect } from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/start.js';
import type { RunningNotifications } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let testEnv: ServiceTestEnv;
let service: RunningNotifications;
let connection: ChannelModel;
let channel: ConfirmChannel;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'notifications-events', migrationsDir, extraEnv: { REDIS_URL: redisUrl, NOTIFICATIONS_QUEUE_PREFIX: `test-${randomUUID()}` } });
  service = await start({ env: testEnv.env });
  await service.consumer?.waitUntilConsuming();
  connection = await connect(testEnv.amqpUrl);
  channel = await connection.createConfirmChannel();
});

afterAll(async () => {
  await channel?.close().catch(() => undefined);
  await connection?.close().catch(() => undefined);
  // This file's queue keys, under its own prefix.
  await service?.deliveries.queue.obliterate({ force: true }).catch(() => undefined);
  await service?.stop();
  await testEnv?.cleanup();
});

async function publish(event: { id: string; type: string }): Promise<void> {
  channel.publish(testEnv.exchange, event.type, Buffer.from(JSON.stringify(event)), {
    persistent: true,
    contentType: 'application/cloudevents+json',
    messageId: event.id,
    type: event.type,
  });
  await channel.waitForConfirms();
}

function referralSubmitted(referralId: string) {
  const referringOrganizationId = randomUUID();
  return buildEvent(
    'referral.submitted',
    {
      referralId,
      referralCode: 'REF-7K2Q9',
      caseCode: 'CASE-2027-0042',
      kind: 'referral',
      status: 'submitted',
      previousStatus: 'draft',
      urgency: 'high',
      referringOrganizationId,
      recipientOrganizationId: randomUUID(),
      recipientServiceId: randomUUID(),
      actor: { userId: 'amina', organizationId: referringOrganizationId },
      occurredAt: '2027-03-01T08:30:00.000Z',
    },
    { source: '/services/referrals', subject: referralId },
  );
}

const poll = { timeout: 10_000, interval: 50 };

describe('referral events', () => {
  it('a referral event published on the exchange is stored once, even when delivered twice', async () => {
    const referralId = randomUUID();
    const event = referralSubmitted(referralId);
    const duplicatesBefore = service.consumer?.stats().duplicates ?? 0;
    await publish(event);
    await publish(event);

    await expect.poll(() => service.consumer?.stats().duplicates ?? 0, poll).toBe(duplicatesBefore + 1);
    const stored = await service.db.client.referralEvent.findMany({ where: { referralId } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      eventId: event.id,
      eventType: 'referral.submitted',
      occurredAt: new Date('2027-03-01T08:30:00.000Z'),
    });
    expect(await service.db.client.inboxMessage.count({ where: { eventId: event.id } })).toBe(1);
  });
});

describe('health', () => {
  it('is ready with Redis, PostgreSQL and RabbitMQ up, and says it checked Redis', async () => {
    const response = await fetch(`${service.url}/readyz`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as { checks: Record<string, { status: string }> };
    expect(report.checks.redis?.status).toBe('ok');
  });
});
