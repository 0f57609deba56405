import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Producer, ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../src/delivery/webhook.js';
import type { RunningNotifications } from '../src/start.js';
import { referralAccepted as accepted, startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

const poll = { timeout: 15_000, interval: 50 };

type Hook = { path: string; headers: IncomingHttpHeaders; body: string };

/** A subscriber's endpoint: records every call; paths containing `flaky` answer 503 twice first, `gone` 410. */
function startReceiver(): Promise<{ server: Server; url: string; hooks: Hook[] }> {
  const hooks: Hook[] = [];
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      calls.set(path, (calls.get(path) ?? 0) + 1);
      hooks.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (path.includes('gone')) return res.writeHead(410).end();
      if (path.includes('flaky') && (calls.get(path) ?? 0) <= 2) return res.writeHead(503).end();
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hooks })));
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let running: NotificationsUnderTest | undefined;
let testEnv: ServiceTestEnv;
let service: RunningNotifications;
let producer: Producer;

beforeAll(async () => {
  receiver = await startReceiver();
  running = await startNotificationsUnderTest('notifications-webhooks', { extraEnv: { DELIVERY_ATTEMPTS: '3', DELIVERY_BACKOFF_MS: '50', WEBHOOK_ALLOW_HTTP: 'true' } });
  ({ testEnv, service, producer } = running);
});

afterAll(async () => {
  await running?.stop();
  await new Promise((resolve) => (receiver ? receiver.server.close(resolve) : resolve(undefined)));
});

const secretOf = new Map<string, string>();
const systemOf = (org: string, roles: string[] = ['system']): TestClaims => ({ sub: `client-${org}`, org, roles });

async function call(method: string, path: string, claims: TestClaims | null, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (claims !== null) headers.authorization = await testEnv.authorization(claims);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${service.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function subscribe(org: string, path: string, eventTypes: string[]): Promise<{ id: string; secret: string }> {
  const response = await call('POST', '/v1/subscriptions', systemOf(org), { url: `${receiver.url}${path}`, eventTypes });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; secret: string };
}

const hooksTo = (path: string) => receiver.hooks.filter((hook) => hook.path === path);
/** The three Standard Webhooks headers of a received call, as the reference library takes them. */
const standardHeaders = (hook: Hook | undefined): Record<string, string> => ({
  'webhook-id': header(hook, 'webhook-id'),
  'webhook-timestamp': header(hook, 'webhook-timestamp'),
  'webhook-signature': header(hook, 'webhook-signature'),
});
const header = (hook: Hook | undefined, name: string): string => {
  const value = hook?.headers[name];
  return typeof value === 'string' ? value : '';
};

describe('webhooks', () => {
  it('each side of a referral gets its signed webhook; an organisation on neither side gets nothing', async () => {
    const referring = randomUUID();
    const recipient = randomUUID();
    const stranger = randomUUID();
    const mine = await subscribe(referring, `/referring-${referring}`, ['referral.accepted', 'referral.declined']);
    await subscribe(recipient, `/recipient-${recipient}`, ['referral.accepted']);
    await subscribe(stranger, `/stranger-${stranger}`, ['referral.accepted']);
    const event = accepted(referring, recipient);
    await producer.publish(event);

    await expect.poll(() => hooksTo(`/referring-${referring}`).length + hooksTo(`/recipient-${recipient}`).length, poll).toBe(2);
    const [hook] = hooksTo(`/referring-${referring}`);
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ id: event.id, type: 'referral.accepted', data: { referralId: event.data.referralId, referralCode: 'REF-7K2Q9' } });
    const signed = { id: header(hook, 'webhook-id'), timestamp: header(hook, 'webhook-timestamp'), signature: header(hook, 'webhook-signature') };
    expect(signed.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyWebhook(mine.secret, signed, hook?.body ?? '')).toBe(true);
    // The Standard Webhooks reference library verifies it too, and reads back the CloudEvent.
    expect(new Webhook(mine.secret).verify(hook?.body ?? '', standardHeaders(hook))).toMatchObject({ id: event.id, type: 'referral.accepted' });
    expect(() => new Webhook(mine.secret).verify((hook?.body ?? '').replace('REF-7K2Q9', 'REF-00000'), standardHeaders(hook))).toThrow(WebhookVerificationError);
    // The whole CloudEvent is the body (structured mode), typed as such for CloudEvents SDKs.
    expect(header(hook, 'content-type')).toBe('application/cloudevents+json; charset=utf-8');
    // A tampered body, or another subscriber's secret, does not verify.
    expect(verifyWebhook(mine.secret, signed, (hook?.body ?? '').replace('REF-7K2Q9', 'REF-00000'))).toBe(false);
    const other = (await call('POST', '/v1/subscriptions', systemOf(randomUUID()), { url: `${receiver.url}/x`, eventTypes: ['referral.closed'] }).then((r) => r.json())) as { secret: string };
    expect(verifyWebhook(other.secret, signed, hook?.body ?? '')).toBe(false);
    // The secret is not stored in clear.
    const stored = await service.db.client.webhookSubscription.findUniqueOrThrow({ where: { id: mine.id } });
    expect(stored.secret).toBeNull();
    expect(Buffer.from(stored.secretCiphertext ?? new Uint8Array()).toString('latin1')).not.toContain(mine.secret.slice('whsec_'.length));

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hooksTo(`/stranger-${stranger}`)).toHaveLength(0);
    const rows = await service.db.client.delivery.findMany({ where: { referralId: event.data.referralId } });
    expect(rows.map((r) => r.subscriberOrganizationId).sort()).toEqual([referring, recipient].sort());
  });

  it('a subscriber failing twice gets the webhook on the third attempt, with the same id each time', async () => {
    const org = randomUUID();
    secretOf.set(org, (await subscribe(org, `/flaky-${org}`, ['referral.accepted'])).secret);
    const event = accepted(org, randomUUID());
    await producer.publish(event);
    await expect.poll(async () => (await service.db.client.delivery.findFirst({ where: { referralId: event.data.referralId } }))?.status, poll).toBe('sent');
    const hooks = hooksTo(`/flaky-${org}`);
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((hook) => header(hook, 'webhook-id'))).size).toBe(1);
    // Each attempt is signed anew, and each verifies with the reference library.
    for (const hook of hooks) expect(new Webhook(secretOf.get(org) ?? '').verify(hook.body, standardHeaders(hook))).toMatchObject({ id: event.id });
    expect(await service.db.client.delivery.findFirst({ where: { referralId: event.data.referralId } })).toMatchObject({ attempts: 3, channel: 'webhook', recipientRole: 'subscriber' });
  });

  it('a subscription stored before secrets were encrypted (clear secret) is still signed with its secret', async () => {
    const org = randomUUID();
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    await service.db.client.webhookSubscription.create({
      data: { id: randomUUID(), organizationId: org, url: `${receiver.url}/legacy-${org}`, eventTypes: ['referral.accepted'], secret, createdBy: 'before-encryption' },
    });
    await producer.publish(accepted(org, randomUUID()));
    await expect.poll(() => hooksTo(`/legacy-${org}`).length, poll).toBe(1);
    const [hook] = hooksTo(`/legacy-${org}`);
    const signed = { id: header(hook, 'webhook-id'), timestamp: header(hook, 'webhook-timestamp'), signature: header(hook, 'webhook-signature') };
    expect(verifyWebhook(secret, signed, hook?.body ?? '')).toBe(true);
  });

  it('410 Gone fails at once, logged', async () => {
    const org = randomUUID();
    await subscribe(org, `/gone-${org}`, ['referral.accepted']);
    const event = accepted(randomUUID(), org);
    await producer.publish(event);
    await expect.poll(async () => (await service.db.client.delivery.findFirst({ where: { referralId: event.data.referralId } }))?.status, poll).toBe('failed');
    expect(await service.db.client.delivery.findFirst({ where: { referralId: event.data.referralId } })).toMatchObject({ attempts: 1, errorCode: 'webhook_http_410' });
  });

  it('the recipient reads its own webhooks in the log; the referring organisation does not see them', async () => {
    const referring = randomUUID();
    const recipient = randomUUID();
    await subscribe(recipient, `/log-${recipient}`, ['referral.accepted']);
    const event = accepted(referring, recipient);
    await producer.publish(event);
    await expect.poll(async () => (await service.db.client.delivery.findFirst({ where: { referralId: event.data.referralId } }))?.status, poll).toBe('sent');
    const read = async (org: string) => ((await (await call('GET', `/v1/referrals/${event.data.referralId}/deliveries`, systemOf(org))).json()) as { items: { channel: string }[] }).items;
    expect((await read(recipient)).map((d) => d.channel)).toEqual(['webhook']);
    expect(await read(referring)).toEqual([]);
  });
});

describe('subscriptions', () => {
  it('are listed for their organisation only, without the secret, and removed by it only', async () => {
    const org = randomUUID();
    const created = await subscribe(org, '/list', ['referral.submitted']);
    const list = (await (await call('GET', '/v1/subscriptions', systemOf(org))).json()) as { items: Record<string, unknown>[] };
    expect(list.items).toEqual([expect.objectContaining({ id: created.id, url: `${receiver.url}/list`, eventTypes: ['referral.submitted'] })]);
    expect(JSON.stringify(list)).not.toContain(created.secret);
    expect(((await (await call('GET', '/v1/subscriptions', systemOf(randomUUID()))).json()) as { items: unknown[] }).items).toEqual([]);

    expect((await call('DELETE', `/v1/subscriptions/${created.id}`, systemOf(randomUUID()))).status).toBe(404);
    expect((await call('DELETE', `/v1/subscriptions/${created.id}`, systemOf(org, ['org_admin']))).status).toBe(204);
    expect((await call('DELETE', `/v1/subscriptions/${created.id}`, systemOf(org))).status).toBe(404);
  });

  it('refuse people without the role, unknown event types, and URLs with credentials', async () => {
    const org = randomUUID();
    expect((await call('POST', '/v1/subscriptions', systemOf(org, ['caseworker']), { url: `${receiver.url}/a`, eventTypes: ['referral.accepted'] })).status).toBe(403);
    expect((await call('POST', '/v1/subscriptions', systemOf(org), { url: `${receiver.url}/a`, eventTypes: ['consent.granted'] })).status).toBe(400);
    expect((await call('POST', '/v1/subscriptions', systemOf(org), { url: 'http://user:pw@127.0.0.1/a', eventTypes: ['referral.accepted'] })).status).toBe(400);
    expect((await call('GET', '/v1/subscriptions', null)).status).toBe(401);
  });
});

describe('a subscription test', () => {
  it("sends the subscription a signed notification.test CloudEvent through the delivery path, logged without a referral", async () => {
    const org = randomUUID();
    const subscription = await subscribe(org, `/test-${org}`, ['referral.accepted']);
    const response = await call('POST', `/v1/subscriptions/${subscription.id}/test`, systemOf(org, ['org_admin']));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { deliveryId: string; status: string; event: { id: string; type: string; subject: string; data: unknown } };
    expect(body).toMatchObject({ status: 'queued', event: { type: 'notification.test', subject: subscription.id, data: { subscriptionId: subscription.id } } });

    await expect.poll(() => hooksTo(`/test-${org}`).length, poll).toBe(1);
    const [hook] = hooksTo(`/test-${org}`);
    expect(header(hook, 'webhook-id')).toBe(body.deliveryId);
    expect(header(hook, 'content-type')).toBe('application/cloudevents+json; charset=utf-8');
    // What a subscriber does with the reference library: verify, then read the event.
    expect(new Webhook(subscription.secret).verify(hook?.body ?? '', standardHeaders(hook))).toEqual(body.event);
    expect(() => new Webhook(subscription.secret).verify(`${hook?.body ?? ''} `, standardHeaders(hook))).toThrow(WebhookVerificationError);

    await expect.poll(async () => (await service.db.client.delivery.findUnique({ where: { id: body.deliveryId } }))?.status, poll).toBe('sent');
    expect(await service.db.client.delivery.findUnique({ where: { id: body.deliveryId } })).toMatchObject({
      eventId: body.event.id,
      eventType: 'notification.test',
      referralId: null,
      channel: 'webhook',
      recipientKey: `subscription:${subscription.id}`,
      subscriberOrganizationId: org,
      attempts: 1,
    });
    // Not a notification about a referral: nothing is published for it.
    const published = await service.db.client.outboxMessage.findMany({ where: { eventType: { startsWith: 'notification.' } } });
    expect(published.filter((m) => JSON.stringify(m.payload).includes(body.deliveryId))).toEqual([]);
  });

  it('is for those who manage the subscription only', async () => {
    const org = randomUUID();
    const subscription = await subscribe(org, `/test-refused-${org}`, ['referral.accepted']);
    expect((await call('POST', `/v1/subscriptions/${subscription.id}/test`, systemOf(org, ['caseworker']))).status).toBe(403);
    expect((await call('POST', `/v1/subscriptions/${subscription.id}/test`, systemOf(randomUUID()))).status).toBe(404);
    expect((await call('POST', `/v1/subscriptions/${randomUUID()}/test`, systemOf(org))).status).toBe(404);
    expect((await call('POST', `/v1/subscriptions/${subscription.id}/test`, null)).status).toBe(401);
    // A system client of the organisation may, as an administrator may.
    expect((await call('POST', `/v1/subscriptions/${subscription.id}/test`, systemOf(org))).status).toBe(202);
    await expect.poll(() => hooksTo(`/test-refused-${org}`).length, poll).toBe(1);
  });
});

describe('Standard Webhooks signatures', () => {
  it('match the specification’s published example', () => {
    // From the Standard Webhooks reference test vectors.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, id, 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(verifyWebhook(secret, { id, timestamp: '1614265330', signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }, body, { nowS: 1614265330 })).toBe(true);
    // Too old: a replay.
    expect(verifyWebhook(secret, { id, timestamp: '1614265330', signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }, body, { nowS: 1614265330 + 600 })).toBe(false);
  });

  it('are those of the reference library', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = randomUUID();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"type":"notification.test"}';
    expect(signWebhook(secret, id, timestamp, body)).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
  });
});
