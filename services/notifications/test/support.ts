import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildEvent } from '@referral-hub/contracts';
import { createServiceTestEnv, openProducer } from '@referral-hub/testkit';
import type { Producer, ServiceTestEnv } from '@referral-hub/testkit';
import { start } from '../src/start.js';
import type { RunningNotifications, StartOptions } from '../src/start.js';

export const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A test env for the notifications service: its own database and exchange,
 * and its own BullMQ key prefix on the shared Redis, so files run in parallel.
 */
export function createNotificationsTestEnv(name: string, extraEnv: Record<string, string> = {}): Promise<ServiceTestEnv> {
  return createServiceTestEnv({ name, migrationsDir, extraEnv: { REDIS_URL: redisUrl, NOTIFICATIONS_QUEUE_PREFIX: `test-${randomUUID()}`, ...extraEnv } });
}

/** Removes this file's delivery jobs (under its own prefix), stops the service and drops its test env. */
export async function stopNotifications(service: RunningNotifications | undefined, testEnv: ServiceTestEnv | undefined): Promise<void> {
  await service?.deliveries.queue.obliterate({ force: true }).catch(() => undefined);
  await service?.stop();
  await testEnv?.cleanup();
}

export type NotificationsUnderTest = {
  testEnv: ServiceTestEnv;
  service: RunningNotifications;
  /** Publishes referral events on the service's exchange, as the referrals service would. */
  producer: Producer;
  stop(): Promise<void>;
};

/**
 * The service started in-process on a fresh test env, consuming, with a
 * producer on its exchange. What was made is undone if a step fails.
 */
export async function startNotificationsUnderTest(
  name: string,
  options: { extraEnv?: Record<string, string>; contexts?: StartOptions['contexts'] } = {},
): Promise<NotificationsUnderTest> {
  const testEnv = await createNotificationsTestEnv(name, options.extraEnv);
  let service: RunningNotifications | undefined;
  try {
    service = await start({ env: testEnv.env, ...(options.contexts === undefined ? {} : { contexts: options.contexts }) });
    await service.consumer?.waitUntilConsuming();
    const producer = await openProducer({ url: testEnv.amqpUrl, exchange: testEnv.exchange });
    const running = service;
    return {
      testEnv,
      service: running,
      producer,
      stop: async () => {
        await producer.close();
        await stopNotifications(running, testEnv);
      },
    };
  } catch (error) {
    await stopNotifications(service, testEnv);
    throw error;
  }
}

/** A `referral.accepted` event between two organisations (new ones by default), for a new referral. */
export function referralAccepted(referringOrganizationId = randomUUID(), recipientOrganizationId = randomUUID()) {
  const referralId = randomUUID();
  return buildEvent(
    'referral.accepted',
    {
      referralId,
      referralCode: 'REF-7K2Q9',
      caseCode: 'CASE-2027-0042',
      kind: 'referral',
      status: 'accepted',
      previousStatus: 'acknowledged',
      urgency: 'high',
      referringOrganizationId,
      recipientOrganizationId,
      recipientServiceId: randomUUID(),
      actor: null,
      occurredAt: '2027-03-01T08:30:00.000Z',
    },
    { source: '/services/referrals', subject: referralId },
  );
}
