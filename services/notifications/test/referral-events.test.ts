import { randomUUID } from 'node:crypto';
import { buildEvent } from '@referral-hub/contracts';
import type { Producer } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNotifications } from '../src/start.js';
import { startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

let running: NotificationsUnderTest | undefined;
let service: RunningNotifications;
let producer: Producer;

beforeAll(async () => {
  running = await startNotificationsUnderTest('notifications-events');
  ({ service, producer } = running);
});

afterAll(async () => {
  await running?.stop();
});

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
    await producer.publish(event);
    await producer.publish(event);

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
