/**
 * Issue 11, point 4: a delivery is handed to the provider by one worker only,
 * however often its job is handed out; the one window left (a worker gone
 * between the relay's acceptance and the log's update) re-sends the same
 * message, with the same Message-ID, once the lease has run out.
 *
 * Real PostgreSQL, RabbitMQ, Redis and SMTP server; a second worker (its own
 * BullMQ queue, the same database) plays another instance handed the same
 * delivery.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildEvent } from '@referral-hub/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailSender } from '../src/delivery/email.js';
import { startDeliveryWorker } from '../src/delivery/queue.js';
import type { DeliveryJobData } from '../src/domain/delivery-jobs.js';
import type { ReferralContextSource } from '../src/domain/notify-referral-event.js';
import type { Contact, ReferralContext } from '../src/domain/recipients.js';
import { redisUrl, startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

const poll = { timeout: 20_000, interval: 50 };
const LEASE_MS = 1_500;
const MESSAGE_ID_DOMAIN = 'hub.example.org';

type Received = { to: string; messageId: string | undefined; at: number };
/** Called when the relay has the whole message of `to`, before it answers: how long to wait, what to do. */
type Hook = (to: string) => Promise<void>;

/** A real SMTP server: `slow-` addresses are answered after 1.5 s; hooks run before the answer. */
function startSmtp(hooks: Map<string, Hook>): Promise<{ server: SMTPServer; port: number; received: Received[]; rcpt: string[] }> {
  const received: Received[] = [];
  const rcpt: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      rcpt.push(address.address);
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          const to = (Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text) ?? '';
          if (to.startsWith('slow-')) await new Promise((resolve) => setTimeout(resolve, 1_500));
          await hooks.get(to)?.(to);
          received.push({ to, messageId: mail.messageId, at: Date.now() });
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error('unreadable')));
    },
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.server.address() as AddressInfo).port, received, rcpt }));
  });
}

const hooks = new Map<string, Hook>();
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let running: NotificationsUnderTest | undefined;
const contexts = new Map<string, ReferralContext>();
const source: ReferralContextSource = {
  load(event) {
    const context = contexts.get(event.referralId);
    return context === undefined ? Promise.reject(new Error('unknown referral')) : Promise.resolve(context);
  },
};

beforeAll(async () => {
  smtp = await startSmtp(hooks);
  running = await startNotificationsUnderTest('notifications-no-second-send', {
    extraEnv: {
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_MESSAGE_ID_DOMAIN: MESSAGE_ID_DOMAIN,
      DELIVERY_ATTEMPTS: '3',
      DELIVERY_BACKOFF_MS: '50',
      DELIVERY_LEASE_MS: String(LEASE_MS),
      // The sweep looks at once and often: it must never queue again a delivery being sent.
      DELIVERY_SWEEP_INTERVAL_MS: '100',
      DELIVERY_SWEEP_AFTER_MS: '0',
    },
    contexts: source,
  });
});

afterAll(async () => {
  await running?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
});

const up = (): NotificationsUnderTest => {
  if (running === undefined) throw new Error('not started');
  return running;
};

/** Publishes a `referral.submitted` whose one focal point is e-mailed at `address`; resolves to the referral id. */
async function submitTo(address: string): Promise<string> {
  const referralId = randomUUID();
  const focalPoint: Contact = { role: 'focal_point', userId: null, focalPointId: randomUUID(), email: address, phone: null, language: null };
  contexts.set(referralId, { names: { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' }, lead: null, supervisor: null, focalPoints: [focalPoint] });
  const data = {
    referralId,
    referralCode: 'REF-7K2Q9',
    caseCode: 'CASE-2027-0042',
    kind: 'referral' as const,
    status: 'submitted' as const,
    previousStatus: null,
    urgency: 'high' as const,
    referringOrganizationId: randomUUID(),
    recipientOrganizationId: randomUUID(),
    recipientServiceId: randomUUID(),
    actor: null,
    occurredAt: '2027-03-01T08:30:00.000Z',
  };
  await up().producer.publish(buildEvent('referral.submitted', data, { source: '/services/referrals', subject: referralId }));
  return referralId;
}

const mailTo = (address: string) => smtp.received.filter((mail) => mail.to === address);
const rowOf = async (referralId: string) => {
  const [row] = await up().service.db.client.delivery.findMany({ where: { referralId } });
  return row;
};
const until = async (check: () => boolean) => expect.poll(check, poll).toBe(true);

describe('one worker sends a delivery', () => {
  it('a delivery handed to a second worker while the first is sending it is sent once, with a Message-ID made of its id', async () => {
    const { service } = up();
    const address = `slow-${randomUUID()}@aide-nord.example`;
    // Another instance's worker, on a queue of its own, over the same database and relay.
    const prefix = `test-${randomUUID()}`;
    const other = await startDeliveryWorker({
      redisUrl,
      prefix,
      attempts: 3,
      backoffMs: 50,
      leaseMs: LEASE_MS,
      db: service.db,
      pool: service.pool,
      outbox: service.outbox,
      senders: { email: createEmailSender({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: 'Referral hub <no-reply@referral-hub.invalid>', messageIdDomain: MESSAGE_ID_DOMAIN }) },
      logger: service.logger,
    });
    const otherQueue = new Queue<DeliveryJobData>('deliveries', { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix });
    try {
      const referralId = await submitTo(address);
      // The first worker is in the middle of the send (the relay has the recipient, and answers in 1.5 s)…
      await until(() => smtp.rcpt.includes(address));
      const row = await rowOf(referralId);
      expect(row?.status).toBe('sending');
      const job = await service.deliveries.queue.getJob(row?.id ?? '');
      if (job === undefined) throw new Error('no job');
      // …when the same delivery is handed to the other worker (as BullMQ re-hands a job whose lock it lost).
      await otherQueue.add('email', job.data, { jobId: job.data.deliveryId });

      await expect.poll(async () => (await rowOf(referralId))?.status, poll).toBe('sent');
      // The other worker looked, found it held, waited for the lease, then found it sent: its job completes.
      await expect.poll(async () => otherQueue.getJobState(job.data.deliveryId), poll).toBe('completed');
      expect(mailTo(address)).toHaveLength(1);
      expect(smtp.rcpt.filter((to) => to === address)).toHaveLength(1);
      expect(mailTo(address)[0]?.messageId).toBe(`<${job.data.deliveryId}@${MESSAGE_ID_DOMAIN}>`);
      expect(await rowOf(referralId)).toMatchObject({ status: 'sent', attempts: 1, leaseUntil: null, providerMessageId: `<${job.data.deliveryId}@${MESSAGE_ID_DOMAIN}>` });
    } finally {
      await otherQueue.obliterate({ force: true }).catch(() => undefined);
      await otherQueue.close();
      await other.stop();
    }
  });

  it('the sweep does not queue again a delivery being sent whose job Redis lost', async () => {
    const { service } = up();
    const address = `slow-${randomUUID()}@aide-nord.example`;
    const referralId = await submitTo(address);
    await until(() => smtp.rcpt.includes(address));
    const row = await rowOf(referralId);
    // Redis loses the job while the relay is taking the message (a flush, a failover without persistence).
    const redis = new Redis(redisUrl);
    try {
      const prefix = up().testEnv.env.NOTIFICATIONS_QUEUE_PREFIX ?? '';
      await redis.del(`${prefix}:deliveries:${row?.id ?? ''}`, `${prefix}:deliveries:${row?.id ?? ''}:lock`);
      expect(await service.deliveries.queue.getJob(row?.id ?? '')).toBeUndefined();
    } finally {
      redis.disconnect();
    }
    // The sweep runs every 100 ms with no minimum age: it sees the row `sending`, under its lease, and leaves it.
    await expect.poll(async () => (await rowOf(referralId))?.status, poll).toBe('sent');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailTo(address)).toHaveLength(1);
    expect(smtp.rcpt.filter((to) => to === address)).toHaveLength(1);
    expect(await rowOf(referralId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('a log update failing just after the relay accepted is tried again, not taken for a failed send', async () => {
    const { testEnv } = up();
    const address = `dbblip-${randomUUID()}@aide-nord.example`;
    const admin = new pg.Client({ connectionString: testEnv.env.DATABASE_URL });
    await admin.connect();
    let back: Promise<unknown> = Promise.resolve();
    // While the relay holds the message (before its 250), the table the outcome is written with goes away
    // for a second: the worker's first tries to log `sent` fail.
    hooks.set(address, async () => {
      hooks.delete(address);
      await admin.query('ALTER TABLE outbox_message RENAME TO outbox_message_away');
      back = new Promise((resolve) => setTimeout(resolve, 1_000)).then(() => admin.query('ALTER TABLE outbox_message_away RENAME TO outbox_message'));
    });
    try {
      const referralId = await submitTo(address);
      await expect.poll(async () => (await rowOf(referralId))?.status, poll).toBe('sent');
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
      expect(mailTo(address)).toHaveLength(1);
      expect(await rowOf(referralId)).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      await back;
      await admin.end();
    }
  });
});

describe('the window that cannot be closed', () => {
  it('a delivery left sending by a worker that died after the relay took it is sent again once its lease is over, with the same Message-ID', async () => {
    const { service } = up();
    const address = `fp-${randomUUID()}@aide-nord.example`;
    const referralId = await submitTo(address);
    await expect.poll(async () => (await rowOf(referralId))?.status, poll).toBe('sent');
    const row = await rowOf(referralId);
    const id = row?.id ?? '';
    const first = mailTo(address)[0];
    expect(first?.messageId).toBe(`<${id}@${MESSAGE_ID_DOMAIN}>`);

    // What a worker killed between the relay's 250 and its log update leaves behind: the row still `sending`
    // under the dead worker's lease, and the job handed out again by BullMQ's stalled-job check.
    const leaseEnd = Date.now() + LEASE_MS;
    await service.db.client.delivery.update({ where: { id }, data: { status: 'sending', sentAt: null, providerMessageId: null, leaseUntil: new Date(leaseEnd) } });
    const job = await service.deliveries.queue.getJob(id);
    if (job === undefined) throw new Error('no job');
    const data = job.data;
    await job.remove();
    await service.deliveries.enqueue([data]);

    // Not before the lease is over…
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 2));
    expect(mailTo(address)).toHaveLength(1);
    // …then once more, the same message to mail systems.
    await expect.poll(() => mailTo(address).length, poll).toBe(2);
    const second = mailTo(address)[1];
    expect(second?.at).toBeGreaterThanOrEqual(leaseEnd);
    expect(second?.messageId).toBe(first?.messageId);
    await expect.poll(async () => (await rowOf(referralId))?.status, poll).toBe('sent');
    // The crashed attempt counts: the log says the relay was tried twice.
    expect(await rowOf(referralId)).toMatchObject({ status: 'sent', attempts: 2, leaseUntil: null });
  });

  it('a delivery left sending whose job BullMQ has ended (as after stalling twice) is queued again by the sweep, and sent once more', async () => {
    const { service } = up();
    const address = `fp-${randomUUID()}@aide-nord.example`;
    const referralId = await submitTo(address);
    await expect.poll(async () => (await rowOf(referralId))?.status, poll).toBe('sent');
    const id = (await rowOf(referralId))?.id ?? '';
    await expect.poll(async () => service.deliveries.queue.getJobState(id), poll).toBe('completed');
    // The dead worker's claim, its lease over; its job ended in BullMQ (it fails a job that stalled twice).
    await service.db.client.delivery.update({ where: { id }, data: { status: 'sending', sentAt: null, leaseUntil: new Date(Date.now() - 1_000) } });

    await expect.poll(() => mailTo(address).length, poll).toBe(2);
    expect(mailTo(address)[1]?.messageId).toBe(`<${id}@${MESSAGE_ID_DOMAIN}>`);
    await expect.poll(async () => (await rowOf(referralId))?.status, poll).toBe('sent');
    expect(await rowOf(referralId)).toMatchObject({ attempts: 2 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailTo(address)).toHaveLength(2);
  });
});
