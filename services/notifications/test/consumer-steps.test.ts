import { randomUUID } from 'node:crypto';
import { buildEvent } from '@referral-hub/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralContextSource } from '../src/domain/notify-referral-event.js';
import type { ReferralContext } from '../src/domain/recipients.js';
import { startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

let running: NotificationsUnderTest | undefined;
let observer: pg.Pool;
/** Locks held on the inbox table while the referral's context was being fetched, one count per fetch. */
const inboxLocksDuringFetch: number[] = [];
const contexts = new Map<string, ReferralContext>();

/** Stands for the referrals service: answers from memory, after looking at what the service holds open meanwhile. */
const source: ReferralContextSource = {
  async load(event) {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE c.relname = 'inbox_message' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    inboxLocksDuringFetch.push(rows[0]?.n ?? -1);
    const context = contexts.get(event.referralId);
    if (context === undefined) throw new Error('unknown referral');
    return context;
  },
};

beforeAll(async () => {
  running = await startNotificationsUnderTest('notifications-consumer-steps', { contexts: source });
  observer = new pg.Pool({ connectionString: running.testEnv.env.DATABASE_URL, max: 1 });
});

afterAll(async () => {
  await observer?.end();
  await running?.stop();
});

describe('the consumer of referral events', () => {
  it('asks for the referral’s context before its inbox transaction opens, then logs and sends the focal point’s e-mail', async () => {
    if (running === undefined) throw new Error('not started');
    const { service, producer } = running;
    const referralId = randomUUID();
    const focalPoint = `fp-${randomUUID()}@aide-nord.example`;
    contexts.set(referralId, {
      names: { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' },
      lead: null,
      supervisor: null,
      focalPoints: [{ role: 'focal_point', userId: null, focalPointId: randomUUID(), email: focalPoint, phone: null, language: null }],
    });
    const organizationId = randomUUID();
    await producer.publish(
      buildEvent(
        'referral.submitted',
        {
          referralId,
          referralCode: 'REF-7K2Q9',
          caseCode: 'CASE-2027-0042',
          kind: 'referral',
          status: 'submitted',
          previousStatus: 'draft',
          urgency: 'high',
          referringOrganizationId: organizationId,
          recipientOrganizationId: randomUUID(),
          recipientServiceId: randomUUID(),
          actor: { userId: 'amina', organizationId },
          occurredAt: '2027-03-01T08:30:00.000Z',
        },
        { source: '/services/referrals', subject: referralId },
      ),
    );

    // Queued once the plan had committed: the worker found its row and sent it (to the development outbox here).
    await expect.poll(async () => (await service.db.client.delivery.findMany({ where: { referralId } })).map((d) => [d.channel, d.status]), { timeout: 15_000, interval: 50 }).toEqual([['email', 'sent']]);
    // Nothing of the event's transaction was open while the referrals service was asked.
    expect(inboxLocksDuringFetch).toEqual([0]);
  });
});
