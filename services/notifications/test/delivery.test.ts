import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildEvent } from '@referral-hub/contracts';
import type { Producer, ServiceTestEnv } from '@referral-hub/testkit';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSender, OutgoingMessage } from '../src/domain/channels.js';
import { DeliveryError } from '../src/domain/channels.js';
import { createEmailSender } from '../src/delivery/email.js';
import type { ReferralContextSource } from '../src/domain/notify-referral-event.js';
import type { ReferralEventFacts } from '../src/domain/referral-event-facts.js';
import type { Contact, ReferralContext } from '../src/domain/recipients.js';
import type { RunningNotifications } from '../src/start.js';
import { startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

const poll = { timeout: 15_000, interval: 50 };

type Received = { to: string; subject: string; text: string; html: string; language: string | undefined };

/**
 * A real SMTP server: records what it takes and over which connection each address came; `flaky-`
 * addresses are refused (451) twice, `refused-` ones for good (550), `badseq-` ones with 503 once.
 */
function startSmtp(): Promise<{ server: SMTPServer; port: number; received: Received[]; attempts: Map<string, number>; sessions: Map<string, string[]> }> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const sessions = new Map<string, string[]>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, session, callback) {
      const to = address.address;
      attempts.set(to, (attempts.get(to) ?? 0) + 1);
      sessions.set(to, [...(sessions.get(to) ?? []), session.id]);
      if (to.startsWith('refused-')) return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      if (to.startsWith('flaky-') && (attempts.get(to) ?? 0) <= 2) return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
      if (to.startsWith('badseq-') && (attempts.get(to) ?? 0) <= 1) return callback(Object.assign(new Error('Bad sequence of commands'), { responseCode: 503 }));
      callback();
    },
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
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.server.address() as AddressInfo).port, received, attempts, sessions }));
  });
}

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let running: NotificationsUnderTest | undefined;
let testEnv: ServiceTestEnv;
let service: RunningNotifications;
let producer: Producer;
const contexts = new Map<string, ReferralContext>();
const source: ReferralContextSource = {
  load(event: ReferralEventFacts) {
    const context = contexts.get(event.referralId);
    return context === undefined ? Promise.reject(new Error('unknown referral')) : Promise.resolve(context);
  },
};

beforeAll(async () => {
  smtp = await startSmtp();
  running = await startNotificationsUnderTest('notifications-delivery', {
    extraEnv: {
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      DELIVERY_ATTEMPTS: '3',
      DELIVERY_BACKOFF_MS: '50',
      REFERRAL_LINK_TEMPLATE: 'https://hub.example.org/r/{referralCode}',
    },
    contexts: source,
  });
  ({ testEnv, service, producer } = running);
});

afterAll(async () => {
  await running?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
});

const person = (role: Contact['role'], email: string | null, extra: Partial<Contact> = {}): Contact => ({
  role,
  userId: role === 'focal_point' ? null : `user-${randomUUID()}`,
  focalPointId: role === 'focal_point' ? randomUUID() : null,
  email,
  phone: null,
  language: null,
  ...extra,
});

function referral(context: Omit<ReferralContext, 'names'>) {
  const referralId = randomUUID();
  contexts.set(referralId, {
    names: { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' },
    ...context,
  });
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
    declined: () => buildEvent('referral.declined', { ...data, status: 'declined', reasonCode: 'no_capacity' }, { source: '/services/referrals', subject: referralId }),
  };
}

const mailTo = (address: string) => smtp.received.filter((mail) => mail.to === address);
const deliveries = (referralId: string) => service.db.client.delivery.findMany({ where: { referralId }, orderBy: { recipientKey: 'asc' } });

describe('e-mail delivery', () => {
  it('a submitted referral is e-mailed to each receiving focal point, in their language, and logged sent', async () => {
    const fr = `fp-${randomUUID()}@aide-nord.example`;
    const en = `fp-${randomUUID()}@aide-nord.example`;
    const lead = `lead-${randomUUID()}@tde.example`;
    const r = referral({ lead: person('lead', lead), supervisor: null, focalPoints: [person('focal_point', fr), person('focal_point', en, { language: 'en' })] });
    await producer.publish(r.submitted());

    await expect.poll(() => mailTo(fr).length + mailTo(en).length, poll).toBe(2);
    expect(mailTo(fr)[0]).toMatchObject({ subject: 'Nouveau référencement REF-7K2Q9 pour Soutien psychosocial', language: 'fr' });
    expect(mailTo(en)[0]).toMatchObject({ subject: 'New referral REF-7K2Q9 for Soutien psychosocial', language: 'en' });
    expect(mailTo(en)[0]?.text).toContain('https://hub.example.org/r/REF-7K2Q9');
    expect(mailTo(en)[0]?.html).toContain('CASE-2027-0042');
    // The lead is not told of their own submission.
    expect(mailTo(lead)).toHaveLength(0);

    await expect.poll(async () => (await deliveries(r.referralId)).map((d) => d.status), poll).toEqual(['sent', 'sent']);
    const rows = await deliveries(r.referralId);
    expect(rows.every((d) => d.attempts === 1 && d.providerMessageId !== null && d.channel === 'email' && d.recipientRole === 'focal_point')).toBe(true);
  });

  it('an outcome goes to the lead and the supervisor in the language they chose, on the channels they chose', async () => {
    const lead = person('lead', `lead-${randomUUID()}@tde.example`);
    const supervisor = person('supervisor', `sup-${randomUUID()}@tde.example`);
    await service.db.client.preference.create({ data: { userId: lead.userId ?? '', organizationId: randomUUID(), channels: ['email'], language: 'en' } });
    // The supervisor wants SMS only but has no phone: nothing is e-mailed, and the log says why.
    await service.db.client.preference.create({ data: { userId: supervisor.userId ?? '', organizationId: randomUUID(), channels: ['sms'], language: 'fr' } });
    const r = referral({ lead, supervisor, focalPoints: [person('focal_point', `fp-${randomUUID()}@aide-nord.example`)] });
    await producer.publish(r.declined());

    await expect.poll(() => mailTo(lead.email ?? '').length, poll).toBe(1);
    expect(mailTo(lead.email ?? '')[0]?.subject).toBe('Referral REF-7K2Q9 declined');
    expect(mailTo(supervisor.email ?? '')).toHaveLength(0);
    const log = async () => (await deliveries(r.referralId)).map((d) => `${d.recipientRole} ${d.channel} ${d.status} ${d.errorCode ?? '-'}`).sort();
    await expect.poll(log, poll).toEqual(['lead email sent -', 'supervisor sms failed no_address']);
  });

  it('an event delivered twice sends each message once', async () => {
    const address = `fp-${randomUUID()}@aide-nord.example`;
    const r = referral({ lead: null, supervisor: null, focalPoints: [person('focal_point', address)] });
    const event = r.submitted();
    const duplicatesBefore = service.consumer?.stats().duplicates ?? 0;
    await producer.publish(event);
    await expect.poll(() => mailTo(address).length, poll).toBe(1);
    await producer.publish(event);
    await expect.poll(() => service.consumer?.stats().duplicates ?? 0, poll).toBe(duplicatesBefore + 1);
    // Planning the same event again (as after a crash before the inbox committed) queues nothing new either.
    await service.deliveries.enqueue(
      (await deliveries(r.referralId)).map((d) => ({ deliveryId: d.id, eventId: d.eventId, referralId: d.referralId, message: { channel: 'email', to: address, subject: 's', text: 't', html: 'h', language: 'fr' } })),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailTo(address)).toHaveLength(1);
    expect(await deliveries(r.referralId)).toHaveLength(1);
  });

  it('a relay refusing twice then accepting ends sent after three attempts', async () => {
    const address = `flaky-${randomUUID()}@aide-nord.example`;
    const r = referral({ lead: null, supervisor: null, focalPoints: [person('focal_point', address)] });
    await producer.publish(r.submitted());
    await expect.poll(async () => (await deliveries(r.referralId))[0]?.status, poll).toBe('sent');
    expect((await deliveries(r.referralId))[0]).toMatchObject({ attempts: 3, errorCode: null });
    expect(smtp.attempts.get(address)).toBe(3);
    expect(mailTo(address)).toHaveLength(1);
  });

  it('a relay refusing the address for good ends failed after one attempt, logged and announced', async () => {
    const address = `refused-${randomUUID()}@aide-nord.example`;
    const r = referral({ lead: null, supervisor: null, focalPoints: [person('focal_point', address)] });
    await producer.publish(r.submitted());
    await expect.poll(async () => (await deliveries(r.referralId))[0]?.status, poll).toBe('failed');
    const [row] = await deliveries(r.referralId);
    expect(row).toMatchObject({ attempts: 1, errorCode: 'smtp_rejected' });
    expect(smtp.attempts.get(address)).toBe(1);
    const failed = await service.db.client.outboxMessage.findMany({ where: { eventType: 'notification.failed', subject: r.referralId } });
    expect(failed).toHaveLength(1);
    expect(failed[0]?.payload).toMatchObject({ data: { notificationId: row?.id, channel: 'email', attempts: 1, errorCode: 'smtp_rejected' } });
  });
});

describe('the e-mail sender over a pooled connection', () => {
  const message = (to: string): OutgoingMessage => ({ channel: 'email', to, subject: 'Referral REF-7K2Q9', text: 'text', html: '<p>html</p>', language: 'en' });
  const outcome = (sender: ChannelSender, to: string) =>
    sender.send(message(to), { deliveryId: randomUUID() }).then(
      () => 'sent',
      (error: unknown) => (error instanceof DeliveryError ? `${error.code} ${error.permanent ? 'permanent' : 'retried'}` : 'unexpected'),
    );

  it('keeps classifying refusals after one, and sends the next message over the same connection', async () => {
    const sender = createEmailSender({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: 'Referral hub <no-reply@referral-hub.invalid>', messageIdDomain: 'referral-hub.invalid', poolConnections: 1 });
    try {
      const id = randomUUID();
      const [refused, flaky, badseq, ok] = ['refused', 'flaky', 'badseq', 'ok'].map((kind) => `${kind}-${id}@aide-nord.example`) as [string, string, string, string];
      // One after another: each refusal leaves the session reset and the connection in the pool.
      expect(await outcome(sender, refused)).toBe('smtp_rejected permanent');
      expect(await outcome(sender, flaky)).toBe('smtp_451 retried');
      // 503 is the session's state, not the message: retried, and accepted the next time.
      expect(await outcome(sender, badseq)).toBe('smtp_503 retried');
      expect(await outcome(sender, badseq)).toBe('sent');
      expect(await outcome(sender, flaky)).toBe('smtp_451 retried');
      expect(await outcome(sender, flaky)).toBe('sent');
      expect(await outcome(sender, ok)).toBe('sent');
      await expect.poll(() => mailTo(ok).length + mailTo(flaky).length + mailTo(badseq).length, poll).toBe(3);
      expect(mailTo(refused)).toHaveLength(0);
      const used = new Set([refused, flaky, badseq, ok].flatMap((address) => smtp.sessions.get(address) ?? []));
      expect(used.size).toBe(1);
    } finally {
      await sender.close();
    }
  });
});

describe('the delivery log', () => {
  const readLog = async (referralId: string, claims: { sub: string; org: string; roles: string[] } | null) =>
    fetch(`${service.url}/v1/referrals/${referralId}/deliveries`, claims === null ? {} : { headers: { authorization: await testEnv.authorization(claims) } });

  it('the referring organisation reads what was sent about its referral; anyone else reads nothing', async () => {
    const address = `fp-${randomUUID()}@aide-nord.example`;
    const r = referral({ lead: null, supervisor: null, focalPoints: [person('focal_point', address)] });
    await producer.publish(r.submitted());
    await expect.poll(async () => (await deliveries(r.referralId))[0]?.status, poll).toBe('sent');

    const mine = await readLog(r.referralId, { sub: 'amina', org: r.referringOrganizationId, roles: ['caseworker'] });
    expect(mine.status).toBe(200);
    const body = (await mine.json()) as { items: Record<string, unknown>[] };
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ eventType: 'referral.submitted', messageKind: 'submitted', recipientRole: 'focal_point', channel: 'email', language: 'fr', status: 'sent', attempts: 1, errorCode: null });
    expect(typeof body.items[0]?.providerMessageId).toBe('string');
    // Never the address or the message.
    expect(JSON.stringify(body)).not.toContain(address);

    const theirs = await readLog(r.referralId, { sub: 'bob', org: randomUUID(), roles: ['caseworker'] });
    expect(await theirs.json()).toEqual({ items: [] });
    expect((await readLog(r.referralId, { sub: 'fp', org: r.referringOrganizationId, roles: ['focal_point'] })).status).toBe(403);
    expect((await readLog(r.referralId, null)).status).toBe(401);
  });
});
