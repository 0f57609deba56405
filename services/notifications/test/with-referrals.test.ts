import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildEvent } from '@referral-hub/contracts';
import { openProducer } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startConsent } from '../../consent/src/start.js';
import type { RunningConsent } from '../../consent/src/start.js';
import { start as startReferrals } from '../../referrals/src/start.js';
import type { RunningReferrals } from '../../referrals/src/start.js';
import { createDevOutboxSender, startDevOutboxServer } from '../src/delivery/dev-outbox.js';
import { gsm7Length } from '../src/domain/messages/gsm7.js';
import { receiveSms } from '../src/domain/receive-sms.js';
import { start } from '../src/start.js';
import type { RunningNotifications } from '../src/start.js';
import { createNotificationsTestEnv } from './support.js';

/**
 * The notifications service with the real referrals service (and the consent
 * service it needs), in-process, on one exchange and one token issuer; a real
 * SMTP server and a local SMS gateway stand for the providers. Referrals are
 * made and moved through their lifecycle by the referrals API, as people
 * would; who is told what is read where it arrives.
 */

const referralsMigrations = fileURLToPath(new URL('../../referrals/prisma/migrations', import.meta.url));
const consentMigrations = fileURLToPath(new URL('../../consent/prisma/migrations', import.meta.url));
const poll = { timeout: 20_000, interval: 50 };
const HUB_ORG = randomUUID();

type Message = { channel: 'email' | 'sms'; to: string; subject: string; text: string; html: string; language: string | undefined };

function startSmtp(messages: Message[]): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
          const language = mail.headers.get('content-language');
          messages.push({ channel: 'email', to: to ?? '', subject: mail.subject ?? '', text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '', language: typeof language === 'string' ? language : undefined });
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error('unreadable')));
    },
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.server.address() as AddressInfo).port })));
}

/** A generic SMS gateway (`POST {"to","text"}`), keeping what it is given. */
function startSmsGateway(messages: Message[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string };
      messages.push({ channel: 'sms', to: body.to, subject: '', text: body.text, html: '', language: undefined });
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${messages.length}` }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms` })));
}

const messages: Message[] = [];
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let sms: Awaited<ReturnType<typeof startSmsGateway>>;
let testEnv: ServiceTestEnv;
let consent: RunningConsent;
let referrals: RunningReferrals;
let notifications: RunningNotifications;

beforeAll(async () => {
  smtp = await startSmtp(messages);
  sms = await startSmsGateway(messages);
  testEnv = await createNotificationsTestEnv('notifications-with-referrals', {
    DELIVERY_BACKOFF_MS: '50',
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: sms.url,
    REFERRAL_LINK_TEMPLATE: 'https://hub.example.org/r/{referralCode}',
  });
  consent = await startConsent({ env: await testEnv.envForAnotherService(consentMigrations) });
  referrals = await startReferrals({
    env: {
      ...(await testEnv.envForAnotherService(referralsMigrations)),
      CONSENT_URL: consent.url,
      // The directory is not needed: its details are put in the read model below, as if fetched.
      DIRECTORY_URL: 'http://127.0.0.1:9',
      DIRECTORY_REFRESH_INTERVAL_MS: '3600000',
      AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:9/token',
      AUTH_CLIENT_ID: 'referrals-service',
      AUTH_CLIENT_SECRET: 'not-used-in-tests',
      REFERRAL_PAYLOAD_KEYS: `test1:${Buffer.alloc(32, 3).toString('base64')}`,
      NOTIFICATION_CLIENT_SUBJECTS: 'notifications-service',
      HUB_ORGANIZATION_ID: HUB_ORG,
    },
    serviceTokens: { getToken: () => testEnv.issuer.sign({ sub: 'referrals-service', org: HUB_ORG, roles: ['system'] }) },
  });
  notifications = await start({
    env: {
      ...testEnv.env,
      REFERRALS_URL: referrals.url,
      AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:9/token',
      AUTH_CLIENT_ID: 'notifications-service',
      AUTH_CLIENT_SECRET: 'not-used-in-tests',
    },
    // The token the identity provider would give the notifications-service client.
    serviceTokens: { getToken: () => testEnv.issuer.sign({ sub: 'notifications-service', client_id: 'notifications-service', org: HUB_ORG, roles: ['system'] }) },
  });
  await notifications.consumer?.waitUntilConsuming();
});

afterAll(async () => {
  await notifications?.deliveries.queue.obliterate({ force: true }).catch(() => undefined);
  await notifications?.stop();
  await referrals?.stop();
  await consent?.stop();
  await testEnv?.cleanup();
  await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (sms ? sms.server.close(() => resolve()) : resolve()));
});

/** A payload full of a child's personal data: none of it may reach a message. */
const PAYLOAD = {
  'child.firstName': 'Amani',
  'child.lastName': 'Kabongo',
  'child.age': 12,
  'protection.riskLevel': 'high',
  'health.conditions': ['asthma'],
  'case.summary': 'Needs psychosocial support after displacement from Kalehe.',
};
const PERSONAL = ['Amani', 'Kabongo', 'asthma', 'Kalehe', 'displacement', 'Besoin confidentiel'];

async function call(service: { url: string }, method: string, path: string, claims: TestClaims, body?: unknown): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: await testEnv.authorization(claims), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function ok<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** Two organisations, the recipient's service and its focal points in the referrals read model, and the people of both sides. */
async function givenNetwork() {
  const id = randomUUID().slice(0, 8);
  const owner = randomUUID();
  const recipient = randomUUID();
  const serviceId = randomUUID();
  const now = new Date();
  const db = referrals.db.client;
  await db.knownOrganization.createMany({
    data: [
      { id: owner, name: 'Terre des Enfants', type: 'ngo', version: 1, detailsVersion: 1, updatedAt: now },
      { id: recipient, name: 'Aide Nord', type: 'ngo', version: 1, detailsVersion: 1, updatedAt: now },
    ],
  });
  await db.knownService.create({
    data: { id: serviceId, organizationId: recipient, organizationType: 'ngo', version: 1, detailsVersion: 1, updatedAt: now, name: { fr: 'Soutien psychosocial', en: 'Psychosocial support' } },
  });
  const fp = (name: string, language: 'fr' | 'en', scope: 'service' | 'organization') => ({
    id: randomUUID(),
    organizationId: recipient,
    serviceId: scope === 'service' ? serviceId : null,
    name,
    email: `${name.toLowerCase()}-${id}@aide-nord.example`,
    phone: `+2237${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
    preferredLanguage: language,
    version: 1,
    fetchedAt: now,
  });
  // Mariam: no preferences (e-mail in English); Ibrahim: chose nothing; Oumou: e-mail and SMS in French;
  // Kadi: the organisation's own, not told while the service has focal points.
  const focal = { mariam: fp('Mariam', 'en', 'service'), ibrahim: fp('Ibrahim', 'fr', 'service'), oumou: fp('Oumou', 'en', 'service'), kadi: fp('Kadi', 'fr', 'organization') };
  await db.knownFocalPoint.createMany({ data: Object.values(focal) });

  const supervisor: TestClaims = { sub: `sup-${id}`, org: owner, roles: ['supervisor'], name: 'Fatou Sow', email: `fatou-${id}@tde.example`, phone_number: '+22670000101', locale: 'fr' };
  const lead: TestClaims = {
    sub: `lead-${id}`,
    org: owner,
    roles: ['caseworker'],
    name: 'Awa Diallo',
    email: `awa-${id}@tde.example`,
    phone_number: '+22670000102',
    locale: 'en',
    supervisor_sub: supervisor.sub,
  };
  const asFocalPoint = (person: typeof focal.mariam): TestClaims => ({ sub: `fp-${person.id}`, org: recipient, roles: ['focal_point'], email: person.email.toUpperCase(), name: person.name });
  // Preferences, set by each person with their own token: the supervisor's stores their contact.
  await ok(await call(notifications, 'PUT', '/v1/me/preferences', lead, { channels: ['email', 'sms'], language: 'en' }));
  await ok(await call(notifications, 'PUT', '/v1/me/preferences', supervisor, { channels: ['sms'], language: 'fr' }));
  await ok(await call(notifications, 'PUT', '/v1/me/preferences', asFocalPoint(focal.ibrahim), { channels: [], language: 'fr' }));
  await ok(await call(notifications, 'PUT', '/v1/me/preferences', asFocalPoint(focal.oumou), { channels: ['email', 'sms'], language: 'fr' }));
  return { owner, recipient, serviceId, focal, lead, supervisor, receiver: asFocalPoint(focal.mariam) };
}

type Network = Awaited<ReturnType<typeof givenNetwork>>;

async function submittedReferral(n: Network): Promise<{ id: string; code: string }> {
  const draft = await ok<{ id: string; code: string }>(
    await call(referrals, 'POST', '/v1/referrals', n.lead, {
      caseCode: `CASE-${randomUUID().slice(0, 8).toUpperCase()}`,
      recipientOrganizationId: n.recipient,
      recipientServiceId: n.serviceId,
      urgency: 'high',
      need: { category: 'psychosocial_distress', text: 'Besoin confidentiel' },
      payload: PAYLOAD,
    }),
    201,
  );
  // No consent was recorded for the case: the envelope alone goes (codes and names, as notifications carry).
  await ok(await call(referrals, 'POST', `/v1/referrals/${draft.id}/submit`, n.lead, { envelopeOnly: true }));
  return draft;
}

const sentTo = (address: string) => messages.filter((m) => m.to.toLowerCase() === address.toLowerCase());
const phoneOf = (claims: TestClaims) => String(claims.phone_number);
const emailOf = (claims: TestClaims) => String(claims.email);
const deliveriesOf = (referralId: string) => notifications.db.client.delivery.findMany({ where: { referralId } });
// Sent or failed: a delivery still `queued` or being sent (`sending`) is not done yet.
const settled = async (referralId: string, count: number) => {
  await expect.poll(async () => (await deliveriesOf(referralId)).filter((d) => d.status === 'sent' || d.status === 'failed').length, poll).toBe(count);
};

describe('notifications of a referral, with the real referrals service', () => {
  let n: Network;
  beforeAll(async () => {
    n = await givenNetwork();
  });

  it('a submitted referral reaches the receiving focal points on the channels and in the language each chose, and nobody else', async () => {
    const r = await submittedReferral(n);
    await settled(r.id, 3);
    const { mariam, ibrahim, oumou, kadi } = n.focal;
    expect(sentTo(mariam.email)).toEqual([expect.objectContaining({ channel: 'email', subject: `New referral ${r.code} for Psychosocial support`, language: 'en' })]);
    expect(sentTo(mariam.email)[0]?.text).toContain(`https://hub.example.org/r/${r.code}`);
    expect(sentTo(mariam.email)[0]?.text).toContain('Terre des Enfants');
    // Oumou chose e-mail and SMS in French (matched by her work e-mail, whatever its case).
    expect(sentTo(oumou.email)).toEqual([expect.objectContaining({ channel: 'email', subject: `Nouveau référencement ${r.code} pour Soutien psychosocial`, language: 'fr' })]);
    expect(sentTo(oumou.phone)).toHaveLength(1);
    expect(sentTo(oumou.phone)[0]?.text).toContain(r.code);
    // Ibrahim chose no channel; Kadi is the organisation's, and the service has its own; the lead submitted it.
    for (const address of [ibrahim.email, ibrahim.phone, kadi.email, kadi.phone, emailOf(n.lead), phoneOf(n.lead), phoneOf(n.supervisor)]) expect(sentTo(address)).toEqual([]);
    const log = (await deliveriesOf(r.id)).map((d) => `${d.recipientRole} ${d.channel} ${d.language} ${d.status}`).sort();
    expect(log).toEqual(['focal_point email en sent', 'focal_point email fr sent', 'focal_point sms fr sent']);
  });

  it('each step the receiver takes reaches the lead (e-mail and SMS, in English) and the supervisor (SMS in French, at the phone of their own token); closing reaches nobody', async () => {
    const r = await submittedReferral(n);
    await settled(r.id, 3);
    const steps = [
      ['acknowledge', `Referral ${r.code} acknowledged`],
      ['accept', `Referral ${r.code} accepted`],
      ['start', `Referral ${r.code}: service started`],
      ['complete', `Referral ${r.code}: service delivered`],
    ] as const;
    let expected = 3;
    for (const [step, subject] of steps) {
      await ok(await call(referrals, 'POST', `/v1/referrals/${r.id}/${step}`, n.receiver, {}));
      expected += 3;
      await settled(r.id, expected);
      expect(sentTo(emailOf(n.lead)).filter((m) => m.text.includes(r.code)).map((m) => m.subject)).toContain(subject);
    }
    const mine = (address: string) => sentTo(address).filter((m) => m.text.includes(r.code));
    expect(mine(emailOf(n.lead))).toHaveLength(4);
    expect(mine(emailOf(n.lead)).every((m) => m.language === 'en')).toBe(true);
    expect(mine(phoneOf(n.lead))).toHaveLength(4);
    // The supervisor is known to referrals by id only: their SMS goes to the phone their token gave notifications.
    expect(mine(phoneOf(n.supervisor))).toHaveLength(4);
    // In French, with the service's French name, in GSM-7 (ç written c).
    expect(mine(phoneOf(n.supervisor))[0]?.text).toContain(`Référencement ${r.code} (dossier `);
    expect(mine(phoneOf(n.supervisor))[0]?.text).toContain('bien recu par Aide Nord (Soutien psychosocial)');
    expect(mine(phoneOf(n.lead))[0]?.text).toContain('Psychosocial support');
    expect(mine(emailOf(n.supervisor))).toEqual([]);

    await ok(await call(referrals, 'POST', `/v1/referrals/${r.id}/close`, n.lead, {}));
    await expect.poll(() => notifications.db.client.referralEvent.count({ where: { referralId: r.id, eventType: 'referral.closed' } }), poll).toBe(1);
    expect(await deliveriesOf(r.id)).toHaveLength(expected);
  });

  it('a withdrawn referral reaches the receiving focal points; a declined one the lead and the supervisor', async () => {
    const withdrawn = await submittedReferral(n);
    await ok(await call(referrals, 'POST', `/v1/referrals/${withdrawn.id}/withdraw`, n.lead, {}));
    await settled(withdrawn.id, 6);
    const kinds = (await deliveriesOf(withdrawn.id)).filter((d) => d.messageKind === 'withdrawn').map((d) => `${d.recipientRole} ${d.channel}`).sort();
    expect(kinds).toEqual(['focal_point email', 'focal_point email', 'focal_point sms']);
    expect(sentTo(n.focal.mariam.email).some((m) => m.subject === `Referral ${withdrawn.code} withdrawn`)).toBe(true);

    const declined = await submittedReferral(n);
    await ok(await call(referrals, 'POST', `/v1/referrals/${declined.id}/decline`, n.receiver, { reasonCode: 'no_capacity' }));
    await settled(declined.id, 6);
    const told = (await deliveriesOf(declined.id)).filter((d) => d.messageKind === 'declined').map((d) => `${d.recipientRole} ${d.channel} ${d.language}`).sort();
    expect(told).toEqual(['lead email en', 'lead sms en', 'supervisor sms fr']);
  });

  it('no message carries anything of the payload or the need', async () => {
    await expect.poll(() => messages.length, poll).toBeGreaterThan(20);
    for (const message of messages) {
      for (const value of PERSONAL) expect(`${message.subject}\n${message.text}\n${message.html}`).not.toContain(value);
    }
  });

  it('an event whose recipients the referrals service cannot give is retried, then dead-lettered, and nobody is told', async () => {
    const before = notifications.consumer?.stats() ?? { retried: 0, deadLettered: 0 };
    // Referrals knows no such referral (404): the context cannot be had, so the event fails.
    const referralId = randomUUID();
    const event = buildEvent(
      'referral.accepted',
      {
        referralId,
        referralCode: 'REF-00000',
        caseCode: 'CASE-UNKNOWN',
        kind: 'referral',
        status: 'accepted',
        previousStatus: 'acknowledged',
        urgency: 'high',
        referringOrganizationId: n.owner,
        recipientOrganizationId: n.recipient,
        recipientServiceId: n.serviceId,
        actor: null,
        occurredAt: new Date().toISOString(),
      },
      { source: '/services/referrals', subject: referralId },
    );
    const producer = await openProducer({ url: testEnv.amqpUrl, exchange: testEnv.exchange });
    await producer.publish(event);
    await producer.close();
    await expect.poll(() => notifications.consumer?.stats().deadLettered ?? 0, poll).toBe(before.deadLettered + 1);
    // AMQP_MAX_ATTEMPTS is 3 in tests: two retries, then the dead-letter queue.
    expect((notifications.consumer?.stats().retried ?? 0) - before.retried).toBe(2);
    expect(await deliveriesOf(referralId)).toEqual([]);
    expect(await notifications.db.client.referralEvent.count({ where: { referralId } })).toBe(0);
  });
});

describe('messages go to the people who held each role when it happened', () => {
  let n: Network;
  beforeAll(async () => {
    n = await givenNetwork();
  });

  async function draftOf(kind: 'referral' | 'transfer'): Promise<{ id: string; code: string }> {
    const draft = await ok<{ id: string; code: string }>(
      await call(referrals, 'POST', '/v1/referrals', n.lead, {
        kind,
        caseCode: `CASE-${randomUUID().slice(0, 8).toUpperCase()}`,
        recipientOrganizationId: n.recipient,
        recipientServiceId: n.serviceId,
        urgency: 'high',
        need: { category: 'psychosocial_distress', text: 'Besoin confidentiel' },
        payload: PAYLOAD,
      }),
      201,
    );
    await ok(await call(referrals, 'POST', `/v1/referrals/${draft.id}/submit`, n.lead, { envelopeOnly: true }));
    return draft;
  }


  const told = async (referralId: string) =>
    (await deliveriesOf(referralId))
      .filter((d) => d.channel !== 'webhook' && d.eventType !== 'referral.submitted')
      .map((d) => `${d.messageKind} ${d.recipientKey} ${d.channel}`)
      .sort();

  it('a referral acknowledged and accepted back to back tells the lead and supervisor of each, and the focal point nothing of her own steps', async () => {
    const r = await draftOf('referral');
    await settled(r.id, 3);
    // No wait between the two steps: both events are processed after the second has happened.
    await ok(await call(referrals, 'POST', `/v1/referrals/${r.id}/acknowledge`, n.receiver, {}));
    await ok(await call(referrals, 'POST', `/v1/referrals/${r.id}/accept`, n.receiver, {}));
    await settled(r.id, 9);
    const lead = `user:${n.lead.sub}`;
    const supervisor = `user:${n.supervisor.sub}`;
    expect(await told(r.id)).toEqual(
      [`acknowledged ${lead} email`, `acknowledged ${lead} sms`, `acknowledged ${supervisor} sms`, `accepted ${lead} email`, `accepted ${lead} sms`, `accepted ${supervisor} sms`].sort(),
    );
  });

  it('a transfer acknowledged and accepted back to back tells the sending lead and supervisor of both, and the new lead that the case is now theirs', async () => {
    const r = await draftOf('transfer');
    await settled(r.id, 3);
    await ok(await call(referrals, 'POST', `/v1/referrals/${r.id}/acknowledge`, n.receiver, {}));
    await ok(await call(referrals, 'POST', `/v1/referrals/${r.id}/accept`, n.receiver, {}));
    const lead = `user:${n.lead.sub}`;
    const supervisor = `user:${n.supervisor.sub}`;
    const newLead = `user:${n.receiver.sub}`;
    // The new lead (Mariam, a focal point with no stored preferences) is told by e-mail at the address her token gave.
    await settled(r.id, 10);
    expect(await told(r.id)).toEqual(
      [
        `acknowledged ${lead} email`,
        `acknowledged ${lead} sms`,
        `acknowledged ${supervisor} sms`,
        `accepted ${lead} email`,
        `accepted ${lead} sms`,
        `accepted ${supervisor} sms`,
        `transfer_received ${newLead} email`,
      ].sort(),
    );
    expect(sentTo(emailOf(n.lead)).filter((m) => m.text.includes(r.code)).map((m) => m.subject).sort()).toEqual(
      [`Referral ${r.code} accepted`, `Referral ${r.code} acknowledged`].sort(),
    );
    const mariam = sentTo(n.focal.mariam.email).filter((m) => m.text.includes(r.code)).map((m) => m.subject);
    // Her token named no language and she chose none: French, the network's working language.
    expect(mariam).toContain(`Transfert de dossier ${r.code} : vous en êtes responsable`);
    expect(mariam.some((subject) => subject.includes('acknowledged') || subject.includes(' accepted'))).toBe(false);

    // After the hand-over, the new lead is told of the case's next steps; the sending side no longer is.
    await ok(await call(referrals, 'POST', `/v1/referrals/${r.id}/start`, n.receiver, {}));
    await settled(r.id, 11);
    const started = (await deliveriesOf(r.id)).filter((d) => d.eventType === 'referral.started').map((d) => d.recipientKey);
    expect(started).toEqual([newLead]);

    // The delivery log follows responsibility: the new lead's organisation reads what was sent from the hand-over on,
    // the sender what was sent in its time (the acceptance is both sides').
    type Logged = { eventType: string; messageKind: string };
    const logOf = async (claims: TestClaims) => (await ok<{ items: Logged[] }>(await call(notifications, 'GET', `/v1/referrals/${r.id}/deliveries`, claims))).items.map((d) => `${d.eventType} ${d.messageKind}`);
    const receiving = await logOf({ sub: `sup-r-${randomUUID()}`, org: n.recipient, roles: ['supervisor'] });
    expect(receiving).toContain('referral.started started');
    expect(receiving).toContain('referral.accepted transfer_received');
    expect(receiving.some((d) => d.startsWith('referral.acknowledged') || d.startsWith('referral.submitted'))).toBe(false);
    const sending = await logOf(n.supervisor);
    expect(sending).toContain('referral.acknowledged acknowledged');
    expect(sending).toContain('referral.accepted accepted');
    expect(sending.some((d) => d.startsWith('referral.started'))).toBe(false);
  });
});

describe('a focal point answers from the message itself', () => {
  let n: Network;
  beforeAll(async () => {
    n = await givenNetwork();
  });

  const replyCodeOf = async (id: string) => (await ok<{ replyCode: string | null; status: string }>(await call(referrals, 'GET', `/v1/referrals/${id}`, n.lead)));

  it("each focal point's new-referral e-mail carries their own three links; the SMS names the referral's reply code", async () => {
    const r = await submittedReferral(n);
    await settled(r.id, 3);
    const { replyCode } = await replyCodeOf(r.id);
    expect(replyCode).toMatch(/^\d{4,6}$/);
    const { mariam, oumou } = n.focal;
    const linksIn = (text: string | undefined) => [...(text ?? '').matchAll(/http:\/\/127\.0\.0\.1:4300\/a\/([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
    const mariamMail = sentTo(mariam.email).find((m) => m.text.includes(r.code));
    const oumouMail = sentTo(oumou.email).find((m) => m.text.includes(r.code));
    expect(linksIn(mariamMail?.text)).toHaveLength(3);
    expect(linksIn(oumouMail?.text)).toHaveLength(3);
    // Bound to each person: nobody's link is in the other's e-mail.
    expect(linksIn(mariamMail?.text).some((token) => linksIn(oumouMail?.text).includes(token))).toBe(false);
    expect(mariamMail?.text).toMatch(/Each link works once, until \w+, \d{1,2} \w+ \d{4} at \d{2}:\d{2} UTC/);
    expect(oumouMail?.text).toMatch(/Chaque lien ne sert qu’une fois, jusqu’au \w+ \d{1,2} \S+ \d{4} à \d{2}:\d{2} UTC/);
    // The console shows a valid link for Mariam's acknowledge token (GET changes nothing).
    const [ackToken] = linksIn(mariamMail?.text);
    const shown = await ok<{ state: string; action: string; language: string }>(await fetch(`${referrals.url}/v1/action-links/${ackToken ?? ''}`));
    expect(shown).toMatchObject({ state: 'valid', action: 'acknowledge', language: 'en' });
    const text = sentTo(oumou.phone).find((m) => m.text.includes(r.code))?.text ?? '';
    expect(text).toContain(`Répondez OK ${replyCode ?? ''} (recu), ACCEPTE ${replyCode ?? ''} ou NON ${replyCode ?? ''} motif. AIDE pour l'aide.`);
    expect(gsm7Length(text)).toBeLessThanOrEqual(160);
    // The lead, told of nothing yet, gets no link when told later.
    expect(sentTo(emailOf(n.lead)).filter((m) => m.text.includes(r.code))).toEqual([]);
  });

  it("the development outbox's reply form acknowledges the referral as the focal point's SMS would, and she is answered", async () => {
    const r = await submittedReferral(n);
    await settled(r.id, 3);
    const { replyCode } = await replyCodeOf(r.id);
    const { oumou } = n.focal;
    const inbound = notifications.phoneInbound;
    if (inbound === undefined) throw new Error('the phone channels need the referrals service');
    // The SMS she got, kept by the development catcher as it would be without an SMS provider.
    const got = sentTo(oumou.phone).find((m) => m.text.includes(r.code))?.text ?? '';
    await createDevOutboxSender(notifications.db, 'sms').send({ channel: 'sms', to: oumou.phone, text: got }, { deliveryId: randomUUID() });
    const outbox = await startDevOutboxServer(notifications.db, 0, notifications.logger, { receiveSms: (msg) => receiveSms(inbound, msg) });
    try {
      const origin = outbox.url.replace(/\/$/, '');
      const caught = await notifications.db.client.devOutbox.findFirstOrThrow({ where: { recipient: oumou.phone, bodyText: got } });
      const answered = await fetch(`${origin}/sms/${caught.id}/reply`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ text: `ok ${replyCode ?? ''}` }).toString(),
      });
      expect(answered.status).toBe(303);
      expect(answered.headers.get('location')).toBe(`/?replied=done#m-${caught.id}`);
      expect((await replyCodeOf(r.id)).status).toBe('acknowledged');
      // The lead is told, as for a step taken in the console; Oumou gets her confirmation by SMS.
      await expect.poll(() => sentTo(emailOf(n.lead)).filter((m) => m.subject === `Referral ${r.code} acknowledged`).length, poll).toBe(1);
      await expect.poll(() => sentTo(oumou.phone).filter((m) => !m.text.includes('Nouveau')).length, poll).toBeGreaterThan(0);
    } finally {
      await outbox.close();
    }
  });
});
