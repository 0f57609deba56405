import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildEvent } from '@referral-hub/contracts';
import type { CloudEvent } from '@referral-hub/contracts';
import { listDeadLetters } from '@referral-hub/platform';
import { createServiceTestEnv, openProducer } from '@referral-hub/testkit';
import type { Producer, ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/start.js';
import { referralsExtraEnv, testServiceTokens } from './support.js';
import type { RunningReferrals } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningReferrals;
let producer: Producer;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({
    name: 'referrals-events',
    migrationsDir,
    // No directory here, and no details refresher run: these tests look at what the events alone do.
    extraEnv: { ...referralsExtraEnv(), DIRECTORY_REFRESH_INTERVAL_MS: '3600000' },
  });
  service = await start({ env: testEnv.env, serviceTokens: testServiceTokens(testEnv, randomUUID()) });
  await service.consumer?.waitUntilConsuming();
  producer = await openProducer({ url: testEnv.amqpUrl, exchange: testEnv.exchange });
});

afterAll(async () => {
  await producer?.close();
  await service?.stop();
  await testEnv?.cleanup();
});

function organizationChanged(
  organizationId: string,
  version: number,
  change: 'created' | 'updated' | 'deleted' = version === 1 ? 'created' : 'updated',
): CloudEvent<'directory.organization.changed'> {
  return buildEvent(
    'directory.organization.changed',
    { organizationId, organizationType: 'ngo', change, changedFields: change === 'deleted' ? [] : ['name'], version },
    { source: '/services/directory', subject: organizationId },
  );
}

const readModel = (id: string) => service.db.client.knownOrganization.findUnique({ where: { id } });
const inboxRows = (eventId: string) => service.db.client.inboxMessage.count({ where: { eventId } });
const poll = { timeout: 10_000, interval: 50 };

async function getKnown(id: string): Promise<Response> {
  const authorization = await testEnv.authorization({ sub: 'reader', org: randomUUID(), roles: ['caseworker'] });
  return fetch(`${service.url}/v1/known-organizations/${id}`, { headers: { authorization } });
}

describe('the directory read model', () => {
  it('when the directory announces an organisation, it ends up in the read model', async () => {
    const organizationId = randomUUID();
    const event = organizationChanged(organizationId, 1);
    await producer.publish(event);

    await expect.poll(() => readModel(organizationId), poll).not.toBeNull();
    const response = await getKnown(organizationId);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: organizationId,
      // The event carries the kind of agency, never its name: the name waits for a fetch from the directory.
      name: null,
      type: 'ngo',
      version: 1,
      updatedAt: new Date(event.time).toISOString(),
    });
  });

  it('when the same event is delivered twice, it has one effect', async () => {
    const organizationId = randomUUID();
    const event = organizationChanged(organizationId, 1);
    const duplicatesBefore = service.consumer?.stats().duplicates ?? 0;
    await producer.publish(event);
    await producer.publish(event);

    await expect.poll(() => service.consumer?.stats().duplicates ?? 0, poll).toBe(duplicatesBefore + 1);
    expect(await inboxRows(event.id)).toBe(1);
    expect((await readModel(organizationId))?.version).toBe(1);
  });

  it('when an older version arrives after a newer one, the newer one stays', async () => {
    const organizationId = randomUUID();
    const newer = organizationChanged(organizationId, 3);
    const older = organizationChanged(organizationId, 2);
    await producer.publish(newer);
    await expect.poll(async () => (await readModel(organizationId))?.version, poll).toBe(3);
    await producer.publish(older);

    // Handled (recorded in the inbox) but without effect.
    await expect.poll(() => inboxRows(older.id), poll).toBe(1);
    const row = await readModel(organizationId);
    expect(row?.version).toBe(3);
    expect(row?.updatedAt.toISOString()).toBe(new Date(newer.time).toISOString());
  });

  it('a change keeps the last fetched name and marks the details as behind, for the refresher to fetch', async () => {
    const organizationId = randomUUID();
    await producer.publish(organizationChanged(organizationId, 1));
    await expect.poll(() => readModel(organizationId), poll).not.toBeNull();
    // As the details refresher does once it has fetched version 1 (no directory runs in this file).
    await service.db.client.knownOrganization.update({
      where: { id: organizationId },
      data: { name: 'Clinique Espoir', detailsVersion: 1, detailsAttempts: 3, detailsNextAttemptAt: new Date(Date.now() + 3_600_000) },
    });

    await producer.publish(organizationChanged(organizationId, 2));
    await expect.poll(async () => (await readModel(organizationId))?.version, poll).toBe(2);
    // The directory may be down: the last known name is kept rather than lost, and the new version is due
    // at once, whatever the back-off of earlier failures was.
    expect(await readModel(organizationId)).toMatchObject({
      name: 'Clinique Espoir',
      type: 'ngo',
      detailsVersion: 1,
      detailsAttempts: 0,
      detailsNextAttemptAt: null,
    });
  });

  it('when the directory deletes an organisation, it is no longer known here', async () => {
    const organizationId = randomUUID();
    await producer.publish(organizationChanged(organizationId, 1));
    await expect.poll(async () => (await getKnown(organizationId)).status, poll).toBe(200);
    await producer.publish(organizationChanged(organizationId, 2, 'deleted'));
    await expect.poll(async () => (await getKnown(organizationId)).status, poll).toBe(404);
  });

  it('an organisation never announced is 404, and reading needs a token', async () => {
    expect((await getKnown(randomUUID())).status).toBe(404);
    expect((await fetch(`${service.url}/v1/known-organizations/${randomUUID()}`)).status).toBe(401);
  });
});

describe('messages the service cannot or need not act on', () => {
  it('an event carrying data its schema does not allow goes to the dead-letter queue, untouched', async () => {
    const organizationId = randomUUID();
    const valid = organizationChanged(organizationId, 1);
    // Published raw: a producer bug that would leak a child's name onto the broker.
    const invalid = { ...valid, data: { ...valid.data, childName: 'Amani' } };
    await producer.publish(invalid);

    const consumer = `${testEnv.queuePrefix}referrals`;
    await expect
      .poll(async () => {
        const listing = await listDeadLetters({ amqp: service.amqp, consumer });
        return listing.messages.find((m) => m.eventId === invalid.id)?.deathReason;
      }, poll)
      .toBe('invalid_event');
    // A quorum queue reports its length with a short lag.
    await expect.poll(async () => (await producer.channel.checkQueue(`${consumer}.events.dlq`)).messageCount, poll).toBeGreaterThanOrEqual(1);
    expect(await readModel(organizationId)).toBeNull();
    expect(await inboxRows(invalid.id)).toBe(0);
  });

  it('a consent event is recorded as handled, not left unhandled or dead-lettered', async () => {
    const consentId = randomUUID();
    const event = buildEvent(
      'consent.granted',
      {
        consentId,
        caseCode: 'CASE-0001',
        organizationId: randomUUID(),
        kind: 'consent',
        purposes: ['referral'],
        recipientOrganizationIds: [randomUUID()],
        validFrom: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        singleUse: false,
      },
      { source: '/services/consent', subject: consentId },
    );
    const unhandledBefore = service.consumer?.stats().unhandled ?? 0;
    await producer.publish(event);
    await expect.poll(() => inboxRows(event.id), poll).toBe(1);
    expect(service.consumer?.stats().unhandled).toBe(unhandledBefore);
  });

  it('an override revoked is handled like any consent change: recorded, not dead-lettered', async () => {
    const overrideId = randomUUID();
    const event = buildEvent(
      'consent.override_revoked',
      { overrideId, caseCode: 'CASE-0002', organizationId: randomUUID(), revokedAt: new Date().toISOString() },
      { source: '/services/consent', subject: overrideId },
    );
    const unhandledBefore = service.consumer?.stats().unhandled ?? 0;
    await producer.publish(event);
    await expect.poll(() => inboxRows(event.id), poll).toBe(1);
    expect(service.consumer?.stats().unhandled).toBe(unhandledBefore);
  });
});
