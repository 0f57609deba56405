import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildEvent } from '@referral-hub/contracts';
import type { Producer, ServiceTestEnv } from '@referral-hub/testkit';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gsm7Length, isGsm7 } from '../src/domain/messages/gsm7.js';
import type { ReferralContextSource } from '../src/domain/notify-referral-event.js';
import type { Contact, ReferralContext } from '../src/domain/recipients.js';
import { insertFallbackDelivery } from '../src/data-access/delivery-reports.js';
import { planFallbackEmail, recordDeliveryReport } from '../src/domain/record-delivery-report.js';
import { sweepLostDeliveries } from '../src/domain/sweep-lost-deliveries.js';
import type { DeliveryReportDeps } from '../src/domain/record-delivery-report.js';
import type { RunningNotifications } from '../src/start.js';
import { startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

/**
 * Focal points answer from the message itself, and the SMS provider's delivery reports reach the log:
 * the service in-process over real PostgreSQL, RabbitMQ and Redis, a real SMTP server and a local
 * stand-in for the generic SMS gateway (the one outside thing).
 */

type Mail = { to: string; subject: string; text: string; html: string; language: string | undefined };
type Sms = { to: string; text: string; id: string };
const poll = { timeout: 15_000, interval: 50 };

function startSmtp(received: Mail[]): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
          const language = mail.headers.get('content-language');
          received.push({ to: to ?? '', subject: mail.subject ?? '', text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '', language: typeof language === 'string' ? language : undefined });
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error('unreadable')));
    },
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.server.address() as AddressInfo).port })));
}

/** Numbers the gateway refuses for good (400), as a provider refuses an invalid or blacklisted number. */
const refusedNumbers = new Set<string>();

/** The generic SMS gateway (`POST {"to","text"}` answered `{"id"}`), keeping what it is given. */
function startGateway(sent: Sms[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string };
      if (refusedNumbers.has(body.to)) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid number' }));
        return;
      }
      const id = `gw-${randomUUID()}`;
      sent.push({ to: body.to, text: body.text, id });
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms` })));
}

const mails: Mail[] = [];
const texts: Sms[] = [];
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let running: NotificationsUnderTest | undefined;
let testEnv: ServiceTestEnv;
let service: RunningNotifications;
let producer: Producer;
const contexts = new Map<string, ReferralContext>();
const source: ReferralContextSource = {
  load: (event) => {
    const context = contexts.get(event.referralId);
    return context === undefined ? Promise.reject(new Error('unknown referral')) : Promise.resolve(context);
  },
};
let deps: DeliveryReportDeps;

beforeAll(async () => {
  smtp = await startSmtp(mails);
  gateway = await startGateway(texts);
  running = await startNotificationsUnderTest('notifications-delivery-reports', {
    extraEnv: {
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMS_PROVIDER: 'http',
      SMS_HTTP_URL: gateway.url,
      DELIVERY_ATTEMPTS: '3',
      DELIVERY_BACKOFF_MS: '50',
      REFERRAL_LINK_TEMPLATE: 'https://hub.example.org/r/{referralCode}',
      ACTION_LINK_URL_TEMPLATE: 'https://console.hub.example.org/a/{token}',
    },
    contexts: source,
  });
  ({ testEnv, service, producer } = running);
  deps = {
    db: service.db,
    notify: { contexts: source, linkTemplate: 'https://hub.example.org/r/{referralCode}', actionLinkTemplate: 'https://console.hub.example.org/a/{token}', enqueue: (jobs) => service.deliveries.enqueue(jobs) },
  };
});

afterAll(async () => {
  await running?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (gateway ? gateway.server.close(() => resolve()) : resolve()));
});

const unique = () => randomUUID().slice(0, 8);
const phone = () => `+2257${Math.floor(Math.random() * 1e9).toString().padStart(9, '0')}`;
const tokens = () => ({ acknowledge: `ack_${unique()}`, accept: `acc_${unique()}`, decline: `dec_${unique()}`, expiresAt: '2027-03-04T08:30:00.000Z' });

/** A receiving focal point with an e-mail and a phone, who chose `channels` (stored by their work e-mail). */
async function focalPoint(language: 'fr' | 'en', channels: string[], email: string | null = `fp-${unique()}@aide-nord.example`): Promise<Contact & { focalPointId: string }> {
  const contact = { role: 'focal_point' as const, userId: null, focalPointId: randomUUID(), email, phone: phone(), language, actionLinks: tokens() };
  if (email !== null) {
    await service.db.client.preference.create({ data: { userId: `user-${randomUUID()}`, organizationId: randomUUID(), channels, language, email, chosen: true } });
  }
  return contact;
}

function referral(context: Omit<ReferralContext, 'names'>) {
  const referralId = randomUUID();
  contexts.set(referralId, { names: { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' }, ...context });
  const data = {
    referralId,
    referralCode: 'REF-7K2Q9',
    caseCode: 'CASE-2027-0042',
    kind: 'referral' as const,
    previousStatus: null,
    urgency: 'high' as const,
    referringOrganizationId: randomUUID(),
    recipientOrganizationId: randomUUID(),
    recipientServiceId: randomUUID(),
    actor: null,
    occurredAt: '2027-03-01T08:30:00.000Z',
  };
  return {
    referralId,
    referringOrganizationId: data.referringOrganizationId,
    submitted: () => buildEvent('referral.submitted', { ...data, status: 'submitted' }, { source: '/services/referrals', subject: referralId }),
    accepted: () => buildEvent('referral.accepted', { ...data, status: 'accepted', previousStatus: 'acknowledged' }, { source: '/services/referrals', subject: referralId }),
  };
}

const rows = (referralId: string) => service.db.client.delivery.findMany({ where: { referralId }, orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }] });
const row = async (referralId: string, recipientKey: string, channel: string) => (await rows(referralId)).find((r) => r.recipientKey === recipientKey && r.channel === channel);
const readLog = async (referralId: string, org: string) =>
  (await (await fetch(`${service.url}/v1/referrals/${referralId}/deliveries`, { headers: { authorization: await testEnv.authorization({ sub: 'amina', org, roles: ['caseworker'] }) } })).json()) as {
    items: Record<string, unknown>[];
  };

describe('what focal points receive', () => {
  it("a new referral's e-mail to each focal point carries its own three links, in its language; its SMS names the reply code", async () => {
    const fr = await focalPoint('fr', ['email', 'sms']);
    const en = await focalPoint('en', ['email', 'sms']);
    const r = referral({ replyCode: '4821', lead: null, supervisor: null, focalPoints: [fr, en] });
    await producer.publish(r.submitted());
    await expect.poll(async () => (await rows(r.referralId)).map((d) => d.status), poll).toEqual(['sent', 'sent', 'sent', 'sent']);
    await expect.poll(() => mails.filter((m) => m.to === fr.email || m.to === en.email).length, poll).toBe(2);

    for (const person of [fr, en]) {
      const mail = mails.find((m) => m.to === person.email);
      const links = person.actionLinks ?? tokens();
      expect(mail?.language).toBe(person.language);
      for (const token of [links.acknowledge, links.accept, links.decline]) {
        expect(mail?.text).toContain(`https://console.hub.example.org/a/${token}`);
        expect(mail?.html).toContain(`href="https://console.hub.example.org/a/${token}"`);
      }
      expect(mail?.text).toContain(person.language === 'fr' ? 'jusqu’au jeudi 4 mars 2027 à 08:30 UTC' : 'until Thursday, 4 March 2027 at 08:30 UTC');
      const sms = texts.find((t) => t.to === person.phone)?.text ?? '';
      expect(sms).toContain(person.language === 'fr' ? 'Répondez OK 4821 (recu), ACCEPTE 4821 ou NON 4821 motif. AIDE pour l\'aide.' : 'Reply OK 4821 (received), ACCEPT 4821 or NO 4821 reason. HELP for help.');
      expect(isGsm7(sms)).toBe(true);
      expect(gsm7Length(sms)).toBeLessThanOrEqual(160);
    }
    // One focal point's links are not in the other's e-mail.
    expect(mails.find((m) => m.to === fr.email)?.text).not.toContain(en.actionLinks?.accept ?? '-');
  });

  it("the lead's e-mail carries no one-click link and their SMS no reply code", async () => {
    const lead = { role: 'lead' as const, userId: `user-${randomUUID()}`, focalPointId: null, email: `lead-${unique()}@tde.example`, phone: phone(), language: 'en' as const };
    await service.db.client.preference.create({ data: { userId: lead.userId, organizationId: randomUUID(), channels: ['email', 'sms'], language: 'en' } });
    const fp = await focalPoint('fr', ['email']);
    const r = referral({ replyCode: '4821', lead, supervisor: null, focalPoints: [fp] });
    await producer.publish(r.accepted());
    await expect.poll(async () => (await rows(r.referralId)).map((d) => d.status), poll).toEqual(['sent', 'sent']);
    await expect.poll(() => mails.filter((m) => m.to === lead.email).length, poll).toBe(1);
    const mail = mails.find((m) => m.to === lead.email);
    expect(mail?.text).not.toContain('console.hub.example.org/a/');
    expect(mail?.html).not.toContain('console.hub.example.org/a/');
    expect(texts.find((t) => t.to === lead.phone)?.text).not.toContain('4821');
  });
});

describe('delivery reports', () => {
  /** A new referral texted to a focal point who chose `channels`; resolves with the SMS's row once sent. */
  async function textedFocalPoint(channels: string[]) {
    const fp = await focalPoint('en', channels);
    const r = referral({ replyCode: '7305', lead: null, supervisor: null, focalPoints: [fp] });
    await producer.publish(r.submitted());
    const key = `focal_point:${fp.focalPointId}`;
    await expect.poll(async () => (await row(r.referralId, key, 'sms'))?.status, poll).toBe('sent');
    const sms = await row(r.referralId, key, 'sms');
    return { fp, r, key, providerMessageId: sms?.providerMessageId ?? '' };
  }

  it('delivered: the log shows the SMS delivered, once, however often the report comes', async () => {
    const { r, key, providerMessageId } = await textedFocalPoint(['sms']);
    expect(providerMessageId).toMatch(/^gw-/);
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId, status: 'delivered' })).toBe('updated');
    const first = await row(r.referralId, key, 'sms');
    expect(first).toMatchObject({ status: 'sent', errorCode: null });
    expect(first?.deliveredAt).toBeInstanceOf(Date);
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId, status: 'delivered' })).toBe('updated');
    // A late failure report does not undo it.
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId, status: 'failed', reason: 'DeliveryFailure' })).toBe('updated');
    expect(await row(r.referralId, key, 'sms')).toMatchObject({ status: 'sent', deliveredAt: first?.deliveredAt });
    const log = await readLog(r.referralId, r.referringOrganizationId);
    expect(log.items).toEqual([expect.objectContaining({ channel: 'sms', status: 'delivered', deliveredAt: first?.deliveredAt?.toISOString(), fallbackOf: null, providerMessageId })]);
    // No e-mail was sent in its place.
    expect(await row(r.referralId, key, 'email')).toBeUndefined();
  });

  it('a report naming no SMS of the log is unknown and changes nothing', async () => {
    const before = await service.db.client.delivery.count();
    expect(await recordDeliveryReport(deps, { provider: 'africastalking', providerMessageId: `ATXid_${randomUUID()}`, status: 'failed', reason: 'UserInBlackList' })).toBe('unknown');
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId: `gw-${randomUUID()}`, status: 'delivered' })).toBe('unknown');
    expect(await service.db.client.delivery.count()).toBe(before);
  });

  it("failed: the SMS is logged failed with the provider's reason, and the focal point gets the same message by e-mail, once, in the log", async () => {
    const { fp, r, key, providerMessageId } = await textedFocalPoint(['sms']);
    const report = { provider: 'africastalking' as const, providerMessageId, status: 'failed' as const, reason: 'UserInBlackList' };
    expect(await recordDeliveryReport(deps, report)).toBe('updated');
    const sms = await row(r.referralId, key, 'sms');
    expect(sms).toMatchObject({ status: 'failed', errorCode: 'sms_report_user_in_black_list' });
    await expect.poll(async () => (await row(r.referralId, key, 'email'))?.status, poll).toBe('sent');
    const email = await row(r.referralId, key, 'email');
    expect(email).toMatchObject({ recipientRole: 'focal_point', language: 'en', messageKind: 'submitted', fallbackOf: sms?.id, eventId: sms?.eventId });
    await expect.poll(() => mails.filter((m) => m.to === fp.email).length, poll).toBe(1);
    const mail = mails.find((m) => m.to === fp.email);
    expect(mail?.subject).toBe('New referral REF-7K2Q9 for Soutien psychosocial');
    expect(mail?.text).toContain(`https://console.hub.example.org/a/${fp.actionLinks?.accept ?? '-'}`);

    // The same report again (the provider retrying): nothing more.
    expect(await recordDeliveryReport(deps, report)).toBe('updated');
    expect(await recordDeliveryReport(deps, { ...report, status: 'delivered' })).toBe('updated');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mails.filter((m) => m.to === fp.email)).toHaveLength(1);
    expect((await rows(r.referralId)).map((d) => `${d.channel} ${d.status}`)).toEqual(['sms failed', 'email sent']);
    const log = await readLog(r.referralId, r.referringOrganizationId);
    expect(log.items.map((item) => [item.channel, item.status, item.errorCode, item.fallbackOf])).toEqual([
      ['sms', 'failed', 'sms_report_user_in_black_list', null],
      ['email', 'sent', null, sms?.id],
    ]);
  });

  it('an SMS the provider refuses when it is sent (no report to wait for) falls back to e-mail too, once', async () => {
    const fp = await focalPoint('fr', ['sms']);
    refusedNumbers.add(fp.phone ?? '');
    const r = referral({ replyCode: '7306', lead: null, supervisor: null, focalPoints: [fp] });
    await producer.publish(r.submitted());
    const key = `focal_point:${fp.focalPointId}`;
    await expect.poll(async () => (await row(r.referralId, key, 'sms'))?.status, poll).toBe('failed');
    await expect.poll(async () => (await row(r.referralId, key, 'email'))?.status, poll).toBe('sent');
    const sms = await row(r.referralId, key, 'sms');
    expect(sms?.errorCode).toBe('sms_http_http_400');
    expect(await row(r.referralId, key, 'email')).toMatchObject({ language: 'fr', fallbackOf: sms?.id });
    await expect.poll(() => mails.filter((m) => m.to === fp.email).length, poll).toBe(1);
    expect(mails.find((m) => m.to === fp.email)?.subject).toContain('REF-7K2Q9');
  });

  it('no e-mail in place of a failed SMS when the focal point was e-mailed already, or has no address', async () => {
    const both = await textedFocalPoint(['email', 'sms']);
    await expect.poll(async () => (await row(both.r.referralId, both.key, 'email'))?.status, poll).toBe('sent');
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId: both.providerMessageId, status: 'failed' })).toBe('updated');
    expect((await rows(both.r.referralId)).map((d) => `${d.channel} ${d.status} ${d.errorCode ?? '-'} ${d.fallbackOf ?? '-'}`).sort()).toEqual(['email sent - -', 'sms failed sms_report_failed -']);

    // A focal point whose e-mail the directory no longer has when the report comes.
    const gone = await textedFocalPoint(['sms']);
    const context = contexts.get(gone.r.referralId);
    if (context !== undefined) contexts.set(gone.r.referralId, { ...context, focalPoints: context.focalPoints.map((c) => ({ ...c, email: null })) });
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId: gone.providerMessageId, status: 'failed' })).toBe('updated');
    expect((await rows(gone.r.referralId)).map((d) => `${d.channel} ${d.status}`)).toEqual(['sms failed']);
  });

  it('the e-mail in place of a failed SMS is queued once its row is committed: the worker never finds a job without its row', async () => {
    const { r, key, providerMessageId } = await textedFocalPoint(['sms']);
    // What another connection (a worker's) sees of each job's row at the moment the job is queued.
    const seenWhenQueued: (string | undefined)[] = [];
    const watching: DeliveryReportDeps = {
      ...deps,
      notify: {
        ...deps.notify,
        enqueue: async (jobs) => {
          const observer = new pg.Client({ connectionString: testEnv.env.DATABASE_URL });
          await observer.connect();
          try {
            for (const job of jobs) {
              const { rows: found } = await observer.query<{ status: string }>('SELECT status FROM delivery WHERE id = $1', [job.deliveryId]);
              seenWhenQueued.push(found[0]?.status);
            }
          } finally {
            await observer.end();
          }
          await deps.notify.enqueue(jobs);
        },
      },
    };
    expect(await recordDeliveryReport(watching, { provider: 'http', providerMessageId, status: 'failed' })).toBe('updated');
    expect(seenWhenQueued).toEqual(['queued']);
    await expect.poll(async () => (await row(r.referralId, key, 'email'))?.status, poll).toBe('sent');
  });

  it('an e-mail in place of a failed SMS whose job Redis lost is queued again by the sweep, not failed as lost', async () => {
    const { fp, r, key, providerMessageId } = await textedFocalPoint(['sms']);
    // The report's effect without its job, as after Redis lost it: the SMS failed, the fallback logged queued.
    const sms = await row(r.referralId, key, 'sms');
    if (sms === undefined) throw new Error('no SMS');
    await service.db.client.delivery.update({ where: { id: sms.id }, data: { status: 'failed', errorCode: 'sms_report_failed', failedAt: new Date() } });
    const planned = await planFallbackEmail(deps, { ...sms, status: 'failed' });
    if (planned === null) throw new Error('no fallback planned');
    await insertFallbackDelivery(service.db.client, planned.row);
    const result = await sweepLostDeliveries({ db: service.db, pool: service.pool, outbox: service.outbox, notify: deps.notify, jobExists: (id) => service.deliveries.jobWillRun(id), olderThanMs: 0, logger: service.logger });
    expect(result.failed).toBe(0);
    expect(result.requeued).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await row(r.referralId, key, 'email'))?.status, poll).toBe('sent');
    await expect.poll(() => mails.filter((m) => m.to === fp.email).length, poll).toBe(1);
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId, status: 'failed' })).toBe('updated');
    expect((await rows(r.referralId)).map((d) => `${d.channel} ${d.status}`)).toEqual(['sms failed', 'email sent']);
  });

  it("a failed SMS to a lead is only logged failed: only focal points' SMS fall back", async () => {
    const lead = { role: 'lead' as const, userId: `user-${randomUUID()}`, focalPointId: null, email: `lead-${unique()}@tde.example`, phone: phone(), language: 'fr' as const };
    await service.db.client.preference.create({ data: { userId: lead.userId, organizationId: randomUUID(), channels: ['sms'], language: 'fr' } });
    const r = referral({ replyCode: null, lead, supervisor: null, focalPoints: [] });
    await producer.publish(r.accepted());
    await expect.poll(async () => (await rows(r.referralId))[0]?.status, poll).toBe('sent');
    const [sms] = await rows(r.referralId);
    expect(await recordDeliveryReport(deps, { provider: 'http', providerMessageId: sms?.providerMessageId ?? '', status: 'failed', reason: 'absent subscriber' })).toBe('updated');
    expect((await rows(r.referralId)).map((d) => `${d.channel} ${d.status} ${d.errorCode ?? '-'}`)).toEqual(['sms failed sms_report_absent_subscriber']);
  });
});
