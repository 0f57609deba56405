import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildEvent } from '@referral-hub/contracts';
import type { Producer } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotificationsConfig } from '../src/config.js';
import { DeliveryError } from '../src/domain/channels.js';
import { createAfricasTalkingSender, createHttpSmsSender } from '../src/delivery/sms.js';
import { gsm7Length, isGsm7 } from '../src/domain/messages/gsm7.js';
import type { ReferralContext } from '../src/domain/recipients.js';
import type { RunningNotifications } from '../src/start.js';
import { startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

const API_KEY = 'at-test-key';

type SentSms = { to: string; message: string; from: string | null; username: string | null };
type GatewayCall = { headers: IncomingMessage['headers']; body: unknown };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local stand-in for Africa's Talking's `POST /version1/messaging`, speaking its protocol:
 * form body, `apiKey` header, `SMSMessageData.Recipients[].statusCode`. Numbers ending in
 * 0403 are invalid (403); numbers ending in 0500 get HTTP 500 twice, then go through.
 */
function startFakeAfricasTalking(): Promise<{ server: Server; url: string; sent: SentSms[]; calls: Map<string, number> }> {
  const sent: SentSms[] = [];
  const calls = new Map<string, number>();
  let next = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const form = new URLSearchParams(await readBody(req));
      const to = form.get('to') ?? '';
      calls.set(to, (calls.get(to) ?? 0) + 1);
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method !== 'POST' || req.url !== '/version1/messaging') return json(404, {});
      if (req.headers.apikey !== API_KEY) return res.writeHead(401, { 'content-type': 'text/plain' }).end('The supplied authentication is invalid');
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return json(415, {});
      if (to.endsWith('0500') && (calls.get(to) ?? 0) <= 2) return res.writeHead(500).end('Internal Server Error');
      if (to.endsWith('0403')) {
        return json(201, { SMSMessageData: { Message: 'Sent to 0/1 Total Cost: 0', Recipients: [{ statusCode: 403, number: to, status: 'InvalidPhoneNumber', cost: '0', messageId: 'None' }] } });
      }
      next += 1;
      sent.push({ to, message: form.get('message') ?? '', from: form.get('from'), username: form.get('username') });
      json(201, { SMSMessageData: { Message: 'Sent to 1/1 Total Cost: XOF 20', Recipients: [{ statusCode: 101, number: to, status: 'Success', cost: 'XOF 20', messageId: `ATXid_${next}` }] } });
    })();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent, calls })));
}

/** A generic JSON gateway: answers with the status in `?status=` of its URL path segment, else 202 `{id}`. */
function startFakeGateway(): Promise<{ server: Server; url: string; calls: GatewayCall[] }> {
  const calls: GatewayCall[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      calls.push({ headers: req.headers, body: JSON.parse(await readBody(req)) as unknown });
      const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 202);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status < 300 ? { id: `gw-${calls.length}` } : { error: 'no' }));
    })();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls })));
}

let at: Awaited<ReturnType<typeof startFakeAfricasTalking>>;
let gateway: Awaited<ReturnType<typeof startFakeGateway>>;

beforeAll(async () => {
  at = await startFakeAfricasTalking();
  gateway = await startFakeGateway();
});

afterAll(async () => {
  await new Promise((resolve) => (at ? at.server.close(resolve) : resolve(undefined)));
  await new Promise((resolve) => (gateway ? gateway.server.close(resolve) : resolve(undefined)));
});

const sms = (to: string) => ({ channel: 'sms' as const, to, text: 'Referral REF-7K2Q9 (case CASE-2027-0042) was accepted. https://hub.example.org/r/REF-7K2Q9' });
const ctx = { deliveryId: randomUUID() };

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof DeliveryError)) throw new Error('expected a DeliveryError');
  return error;
}

describe("the Africa's Talking adapter", () => {
  it('sends a form with the username, number, text and sender id, and returns the message id', async () => {
    const sender = createAfricasTalkingSender({ baseUrl: at.url, username: 'sandbox', apiKey: API_KEY, senderId: 'HUB' });
    const to = `+2250701${Math.floor(Math.random() * 1e6).toString().padStart(6, '0')}`;
    const result = await sender.send(sms(to), ctx);
    expect(result.providerMessageId).toMatch(/^ATXid_\d+$/);
    expect(at.sent.find((s) => s.to === to)).toEqual({ to, message: sms(to).text, from: 'HUB', username: 'sandbox' });
  });

  it('an invalid number is a permanent failure with the provider code', async () => {
    const sender = createAfricasTalkingSender({ baseUrl: at.url, username: 'sandbox', apiKey: API_KEY });
    const error = await failure(sender.send(sms('+22500000403'), ctx));
    expect(error).toMatchObject({ code: 'africastalking_403', permanent: true });
  });

  it('a server error is retried; bad credentials are not', async () => {
    const to = `+22607${Math.floor(Math.random() * 1e4).toString().padStart(4, '0')}0500`;
    const error = await failure(createAfricasTalkingSender({ baseUrl: at.url, username: 'sandbox', apiKey: API_KEY }).send(sms(to), ctx));
    expect(error).toMatchObject({ code: 'africastalking_http_500', permanent: false });
    const denied = await failure(createAfricasTalkingSender({ baseUrl: at.url, username: 'sandbox', apiKey: 'wrong' }).send(sms('+22670000001'), ctx));
    expect(denied).toMatchObject({ code: 'africastalking_http_401', permanent: true });
  });

  it('an unreachable provider is retried', async () => {
    const error = await failure(createAfricasTalkingSender({ baseUrl: 'http://127.0.0.1:1', username: 'sandbox', apiKey: API_KEY }).send(sms('+22670000001'), ctx));
    expect(error).toMatchObject({ code: 'africastalking_unavailable', permanent: false });
  });
});

describe('the generic HTTP adapter', () => {
  it('posts JSON with a bearer token and the delivery id as idempotency key, and returns the gateway id', async () => {
    const deliveryId = randomUUID();
    const result = await createHttpSmsSender({ url: `${gateway.url}/sms`, token: 'gw-secret' }).send(sms('+22670000002'), { deliveryId });
    expect(result.providerMessageId).toMatch(/^gw-\d+$/);
    const call = gateway.calls.at(-1);
    expect(call?.body).toEqual({ to: '+22670000002', text: sms('+22670000002').text });
    expect(call?.headers.authorization).toBe('Bearer gw-secret');
    expect(call?.headers['idempotency-key']).toBe(deliveryId);
  });

  it('429 and 5xx are retried, other 4xx are not', async () => {
    const send = (status: number) => failure(createHttpSmsSender({ url: `${gateway.url}/status/${status}` }).send(sms('+22670000003'), ctx));
    expect(await send(429)).toMatchObject({ code: 'sms_http_http_429', permanent: false });
    expect(await send(503)).toMatchObject({ code: 'sms_http_http_503', permanent: false });
    expect(await send(400)).toMatchObject({ code: 'sms_http_http_400', permanent: true });
  });
});

describe('SMS configuration', () => {
  const base = {
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub_notifications',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    AUTH_ISSUER: 'http://127.0.0.1:4400',
    AUTH_AUDIENCE: 'referral-hub',
    AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
    REDIS_URL: 'redis://127.0.0.1:6379',
  };

  it("choosing Africa's Talking without its credentials stops start-up naming them, never a value", () => {
    const attempt = () => loadNotificationsConfig({ ...base, SMS_PROVIDER: 'africastalking', AFRICASTALKING_USERNAME: 'secret-user' });
    expect(attempt).toThrow(/AFRICASTALKING_API_KEY is required with SMS_PROVIDER=africastalking/);
    expect(attempt).not.toThrow(/secret-user/);
    expect(() => loadNotificationsConfig({ ...base, SMS_PROVIDER: 'http' })).toThrow(/SMS_HTTP_URL/);
    expect(loadNotificationsConfig(base).SMS_PROVIDER).toBe('none');
  });
});

describe('SMS through the service', () => {
  let running: NotificationsUnderTest | undefined;
  let service: RunningNotifications;
  let producer: Producer;
  const contexts = new Map<string, ReferralContext>();

  beforeAll(async () => {
    running = await startNotificationsUnderTest('notifications-sms', {
      extraEnv: {
        DELIVERY_ATTEMPTS: '3',
        DELIVERY_BACKOFF_MS: '50',
        SMS_PROVIDER: 'africastalking',
        AFRICASTALKING_BASE_URL: at.url,
        AFRICASTALKING_USERNAME: 'sandbox',
        AFRICASTALKING_API_KEY: API_KEY,
        REFERRAL_LINK_TEMPLATE: 'https://hub.example.org/r/{referralCode}',
      },
      contexts: { load: (event) => Promise.resolve(contexts.get(event.referralId) ?? { names: { serviceName: '', referringOrganizationName: '', recipientOrganizationName: '' }, lead: null, supervisor: null, focalPoints: [] }) },
    });
    ({ service, producer } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('a lead who chose SMS in French gets one GSM-7 text, after the provider failed twice, logged sent after three attempts', async () => {
    const referralId = randomUUID();
    const phone = `+22507${Math.floor(Math.random() * 1e4).toString().padStart(4, '0')}0500`;
    const userId = `user-${randomUUID()}`;
    await service.db.client.preference.create({ data: { userId, organizationId: randomUUID(), channels: ['sms'], language: 'fr' } });
    contexts.set(referralId, {
      names: { serviceName: 'Réunification familiale', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide à l’Enfance Côte-d’Ivoire' },
      lead: { role: 'lead', userId, focalPointId: null, email: null, phone, language: null },
      supervisor: null,
      focalPoints: [],
    });
    const event = buildEvent(
      'referral.accepted',
      {
        referralId,
        referralCode: 'REF-7K2Q9',
        caseCode: 'CASE-2027-0042',
        kind: 'referral',
        status: 'accepted',
        previousStatus: 'acknowledged',
        urgency: 'medium',
        referringOrganizationId: randomUUID(),
        recipientOrganizationId: randomUUID(),
        recipientServiceId: randomUUID(),
        actor: null,
        occurredAt: '2027-03-02T10:00:00.000Z',
      },
      { source: '/services/referrals', subject: referralId },
    );
    await producer.publish(event);

    await expect.poll(async () => (await service.db.client.delivery.findFirst({ where: { referralId } }))?.status, { timeout: 15_000, interval: 50 }).toBe('sent');
    const row = await service.db.client.delivery.findFirst({ where: { referralId } });
    expect(row).toMatchObject({ channel: 'sms', language: 'fr', attempts: 3, recipientRole: 'lead' });
    expect(row?.providerMessageId).toMatch(/^ATXid_/);
    expect(at.calls.get(phone)).toBe(3);
    const texts = at.sent.filter((s) => s.to === phone);
    expect(texts).toHaveLength(1);
    const text = texts[0]?.message ?? '';
    expect(text).toBe("Référencement REF-7K2Q9 (dossier CASE-2027-0042) accepté par Aide à l'Enfance Cote-d'Ivoire (Réunification familiale). https://hub.example.org/r/REF-7K2Q9");
    expect(isGsm7(text)).toBe(true);
    expect(gsm7Length(text)).toBeLessThanOrEqual(160);
  });
});
