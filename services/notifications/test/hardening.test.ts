import { randomUUID } from 'node:crypto';
import type { Producer, ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressNotAllowedError, isPublicAddress, publicAddressesOf } from '../src/delivery/address-guard.js';
import { deliveryId } from '../src/domain/delivery-jobs.js';
import { createSecretCipher, developmentSecretKeys, subscriptionSecret } from '../src/delivery/secret-cipher.js';
import type { ReferralContextSource } from '../src/domain/notify-referral-event.js';
import type { ReferralContext } from '../src/domain/recipients.js';
import type { RunningNotifications } from '../src/start.js';
import { referralAccepted as accepted, startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

const poll = { timeout: 15_000, interval: 50 };

let running: NotificationsUnderTest | undefined;
let testEnv: ServiceTestEnv;
let service: RunningNotifications;
let producer: Producer;
const contexts = new Map<string, ReferralContext>();
const source: ReferralContextSource = {
  load(event) {
    const context = contexts.get(event.referralId);
    return context === undefined ? Promise.reject(new Error('unknown referral')) : Promise.resolve(context);
  },
};

beforeAll(async () => {
  running = await startNotificationsUnderTest('notifications-hardening', {
    extraEnv: {
      DELIVERY_ATTEMPTS: '3',
      DELIVERY_BACKOFF_MS: '50',
      // No WEBHOOK_ALLOW_HTTP: the address guard is on. No SMTP_URL: e-mails are caught in the development outbox.
      DELIVERY_SWEEP_INTERVAL_MS: '100',
      DELIVERY_SWEEP_AFTER_MS: '60000',
    },
    contexts: source,
  });
  ({ testEnv, service, producer } = running);
});

afterAll(async () => {
  await running?.stop();
});

const admin = (org: string): TestClaims => ({ sub: `admin-${org}`, org, roles: ['org_admin'] });

async function subscribe(org: string, url: string): Promise<Response> {
  return fetch(`${service.url}/v1/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await testEnv.authorization(admin(org)) },
    body: JSON.stringify({ url, eventTypes: ['referral.accepted'] }),
  });
}

describe('the webhook address guard', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:10.0.0.1', false],
    ['[::1]', false],
    ['not-an-address', false],
    ['93.184.215.14', true],
    ['172.32.0.1', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('refuses a name when any of its addresses is not public', async () => {
    const resolveTo = (...addresses: string[]) => () => Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    await expect(publicAddressesOf('hooks.example', resolveTo('93.184.215.14', '10.0.0.5'))).rejects.toBeInstanceOf(AddressNotAllowedError);
    await expect(publicAddressesOf('hooks.example', resolveTo())).rejects.toBeInstanceOf(AddressNotAllowedError);
    await expect(publicAddressesOf('hooks.example', resolveTo('93.184.215.14', '2606:4700:4700::1111'))).resolves.toHaveLength(2);
    await expect(publicAddressesOf('localhost')).rejects.toBeInstanceOf(AddressNotAllowedError);
  });

  it.each(['https://127.0.0.1/hook', 'https://[::1]/hook', 'https://localhost:8443/hook', 'https://169.254.169.254/latest/meta-data', 'https://10.0.0.8/hook', 'http://93.184.215.14/hook'])(
    'a subscription to %s is a 400 naming body.url, and nothing is stored',
    async (url) => {
      const org = randomUUID();
      const response = await subscribe(org, url);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field)).toEqual(['body.url']);
      expect(await service.db.client.webhookSubscription.count({ where: { organizationId: org } })).toBe(0);
    },
  );

  it('a subscription whose host is no longer public at delivery time ends failed, without a request', async () => {
    // As if the name had been re-pointed after subscribing: stored directly, as the API would have.
    const org = randomUUID();
    const id = randomUUID();
    const sealed = createSecretCipher(developmentSecretKeys()).seal('whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==', id);
    await service.db.client.webhookSubscription.create({
      data: { id, organizationId: org, url: 'https://127.0.0.1:1/hook', eventTypes: ['referral.accepted'], secret: null, secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext, createdBy: 'test' },
    });
    const event = accepted(org);
    contexts.set(event.data.referralId, { names: { serviceName: 'S', referringOrganizationName: 'A', recipientOrganizationName: 'B' }, lead: null, supervisor: null, focalPoints: [] });
    await producer.publish(event);
    await expect.poll(async () => (await service.db.client.delivery.findFirst({ where: { referralId: event.data.referralId } }))?.status, poll).toBe('failed');
    expect(await service.db.client.delivery.findFirst({ where: { referralId: event.data.referralId } })).toMatchObject({ attempts: 1, errorCode: 'webhook_address_refused', channel: 'webhook' });
  });
});

describe('webhook secrets at rest', () => {
  it('are stored encrypted, bound to their subscription, and open with the key ring', async () => {
    const org = randomUUID();
    // A public address literal: no DNS needed, and nothing is sent.
    const response = await subscribe(org, 'https://93.184.215.14/hook');
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; secret: string };
    const row = await service.db.client.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secret).toBeNull();
    expect(row.secretKeyId).toBe('dev');
    const stored = Buffer.from(row.secretCiphertext ?? new Uint8Array());
    expect(stored.toString('latin1')).not.toContain(created.secret.slice('whsec_'.length));
    const cipher = createSecretCipher(developmentSecretKeys());
    expect(subscriptionSecret(cipher, row)).toBe(created.secret);
    // Copied onto another subscription, it does not open.
    expect(() => subscriptionSecret(cipher, { ...row, id: randomUUID() })).toThrow();
    // Another key ring cannot open it; a rotated ring with the old key still can.
    const other = createSecretCipher([{ id: 'dev', key: Buffer.alloc(32, 7) }]);
    expect(() => subscriptionSecret(other, row)).toThrow();
    const rotated = createSecretCipher([{ id: 'k2', key: Buffer.alloc(32, 9) }, ...developmentSecretKeys()]);
    expect(subscriptionSecret(rotated, row)).toBe(created.secret);
  });
});

describe('the sweep of lost jobs', () => {
  it('queues again a delivery whose job Redis lost, fails one whose event was not kept, and leaves one whose job is there', async () => {
    const long = new Date(Date.now() - 10 * 60_000);
    const lead = { role: 'lead' as const, userId: `lead-${randomUUID()}`, focalPointId: null, email: `lead-${randomUUID()}@tde.example`, phone: null, language: 'en' as const };
    // 1. Planned long ago, its job gone: the event is kept, so it is planned again and sent.
    const event = accepted();
    contexts.set(event.data.referralId, {
      names: { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' },
      lead,
      supervisor: null,
      focalPoints: [],
    });
    await service.db.client.referralEvent.create({ data: { eventId: event.id, eventType: event.type, referralId: event.data.referralId, occurredAt: new Date(event.data.occurredAt), envelope: JSON.parse(JSON.stringify(event)) as object } });
    const lostId = deliveryId(event.id, `user:${lead.userId}`, 'email');
    const row = (id: string, eventId: string, referralId: string, recipientKey: string) => ({
      id,
      eventId,
      eventType: 'referral.accepted',
      referralId,
      referringOrganizationId: event.data.referringOrganizationId,
      recipientKey,
      recipientRole: 'lead',
      channel: 'email',
      language: 'en',
      messageKind: 'accepted',
      status: 'queued',
      queuedAt: long,
      updatedAt: long,
    });
    await service.db.client.delivery.create({ data: row(lostId, event.id, event.data.referralId, `user:${lead.userId}`) });
    // 2. Its event was not kept (recorded before envelopes were): nothing to plan it from.
    const orphanReferral = randomUUID();
    const orphanId = deliveryId(`orphan-${randomUUID()}`, 'user:x', 'email');
    await service.db.client.delivery.create({ data: row(orphanId, `orphan-${randomUUID()}`, orphanReferral, 'user:x') });
    // 3. Its job is still there (waiting out a long backoff): not touched.
    const waitingReferral = randomUUID();
    const waitingId = deliveryId(`waiting-${randomUUID()}`, 'user:y', 'email');
    await service.db.client.delivery.create({ data: row(waitingId, `waiting-${randomUUID()}`, waitingReferral, 'user:y') });
    await service.deliveries.queue.add('email', { deliveryId: waitingId, eventId: 'waiting', referralId: waitingReferral, message: { channel: 'email', to: 'y@tde.example', subject: 's', text: 't', html: 'h', language: 'en' } }, { jobId: waitingId, delay: 3_600_000 });

    await expect.poll(async () => (await service.db.client.delivery.findUnique({ where: { id: lostId } }))?.status, poll).toBe('sent');
    const caught = await service.db.client.devOutbox.findMany({ where: { recipient: lead.email } });
    expect(caught).toHaveLength(1);
    expect(caught[0]?.subject).toBe('Referral REF-7K2Q9 accepted');
    await expect.poll(async () => (await service.db.client.delivery.findUnique({ where: { id: orphanId } }))?.errorCode, poll).toBe('job_lost');
    expect(await service.db.client.delivery.findUnique({ where: { id: orphanId } })).toMatchObject({ status: 'failed' });
    expect(await service.db.client.delivery.findUnique({ where: { id: waitingId } })).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await (await service.deliveries.queue.getJob(waitingId))?.getState()).toBe('delayed');

    // Later sweeps send nothing twice: the job of the re-queued delivery is there (completed) now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await service.db.client.devOutbox.count({ where: { recipient: lead.email } })).toBe(1);
  });
});
