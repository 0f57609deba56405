/**
 * End-to-end delivery throughput of the notifications service: referral events published to the
 * exchange as the referrals service would, consumed (inbox, `referral_event`, planned deliveries,
 * BullMQ jobs), then sent by the delivery workers to a real SMTP server and an SMS gateway, both
 * in this process on loopback. A second run publishes every event twice and counts what arrives.
 *
 *   node --conditions=@referral-hub/source --import tsx services/notifications/bench/deliveries.ts
 *
 * Needs PostgreSQL, RabbitMQ and Redis on localhost (as the tests do); creates a scratch database,
 * exchange, queues and Redis key prefix, all removed at the end. Loopback only; bounded in time.
 *
 * Recipients come from memory (the `contexts` option of `start`), not from the referrals service,
 * so that what is measured is this service: consumer, planning, queue, workers, providers' calls.
 *
 * Options (flag or variable):
 *   --events=N         BENCH_EVENTS            events in the first run (default 2000)
 *   --dup-events=N     BENCH_DUP_EVENTS        distinct events of the duplicated run, each sent twice (default events / 4)
 *   --concurrency=N    DELIVERY_CONCURRENCY    deliveries sent at once by the service (its variable; default
 *                                              the service's, 10)
 *   --smtp-pool=N      SMTP_POOL_CONNECTIONS   SMTP connections the service keeps open and reuses (its variable;
 *                                              default the service's, 5)
 *   --prefetch=N       BENCH_PREFETCH          events handled at once by the consumer (`AMQP_PREFETCH`, default 20)
 *   --rate=N           BENCH_RATE              events published per second (default 0: all at once)
 *   --timeout=S        BENCH_TIMEOUT_S         give up waiting for a run after S seconds (default 120)
 *
 * The first two go to the service as its own variables, so it is measured as it would be deployed with them;
 * the service's configuration checks them (out of bounds, it does not start).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildEvent } from '@referral-hub/contracts';
import type { CloudEvent, EventType } from '@referral-hub/contracts';
import { createServiceTestEnv } from '@referral-hub/testkit';
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import type { ChannelSender } from '../src/domain/channels.js';
import { createEmailSender } from '../src/delivery/email.js';
import { createHttpSmsSender } from '../src/delivery/sms.js';
import type { ReferralContextSource } from '../src/domain/notify-referral-event.js';
import type { Contact, ReferralContext } from '../src/domain/recipients.js';
import { start } from '../src/start.js';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string' },
    'dup-events': { type: 'string' },
    concurrency: { type: 'string' },
    prefetch: { type: 'string' },
    'smtp-pool': { type: 'string' },
    rate: { type: 'string' },
    timeout: { type: 'string' },
  },
});
const option = (flag: string | undefined, variable: string, fallback: number): number => {
  const value = Number(flag ?? process.env[variable] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${variable} must be a number ≥ 0`);
  return Math.floor(value);
};
const EVENTS = option(flags.events, 'BENCH_EVENTS', 2000);
const DUP_EVENTS = option(flags['dup-events'], 'BENCH_DUP_EVENTS', Math.ceil(EVENTS / 4));
const PREFETCH = Math.max(1, option(flags.prefetch, 'BENCH_PREFETCH', 20));
/** The service's own variables, passed on as given (its configuration checks them); unset, its defaults. */
const serviceOption = (flag: string | undefined, variable: string): Record<string, string> => {
  const value = flag ?? process.env[variable];
  return value === undefined ? {} : { [variable]: value };
};
const SERVICE_OPTIONS = {
  ...serviceOption(flags.concurrency, 'DELIVERY_CONCURRENCY'),
  ...serviceOption(flags['smtp-pool'], 'SMTP_POOL_CONNECTIONS'),
};
const RATE = option(flags.rate, 'BENCH_RATE', 0);
const TIMEOUT_S = option(flags.timeout, 'BENCH_TIMEOUT_S', 120);
const TEAMS = 20;
const FROM = 'Referral hub <no-reply@referral-hub.invalid>';
// A full collection before each memory reading, so that "after" is what is retained, not garbage not yet collected.
v8.setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

// ---------------------------------------------------------------- the providers (in this process)

/** What the SMTP server and the SMS gateway took: a count, and the distinct (recipient, subject or text). */
type Inbox = { count: number; distinct: Set<string> };
const mail: Inbox = { count: 0, distinct: new Set() };
const texts: Inbox = { count: 0, distinct: new Set() };

/** A real SMTP server accepting everything; it keeps only the recipient and the raw Subject header. */
function startSmtp(): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // Its reverse DNS lookup of each client has nobody to ask here and costs ~100 ms a connection.
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const head = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n', 1)[0] ?? '';
        const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(head)?.[1] ?? '';
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        mail.count += 1;
        mail.distinct.add(`${to}\u0000${subject}`);
        callback();
      });
    },
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.server.address() as AddressInfo).port })));
}

/** A generic SMS gateway (`SMS_PROVIDER=http`) answering 200 with an id. */
function startSmsGateway(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string };
      texts.count += 1;
      texts.distinct.add(`${body.to}\u0000${body.text}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${texts.count}` }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms` })));
}

// ---------------------------------------------------------------- who is told (from memory)

/**
 * One team per referring/recipient pair: a lead (e-mail + SMS chosen), a supervisor (e-mail, the address
 * stored from their token), a focal point with e-mail + SMS chosen and one with the defaults (e-mail).
 */
type Team = { referring: string; recipient: string; lead: Contact; supervisor: Contact; focalPoints: Contact[] };
const phone = () => `+2267${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const teams: Team[] = Array.from({ length: TEAMS }, (_, i) => ({
  referring: randomUUID(),
  recipient: randomUUID(),
  lead: { role: 'lead', userId: `lead-${i}-${randomUUID()}`, focalPointId: null, email: `lead-${i}@tde.example`, phone: phone(), language: 'fr' },
  supervisor: { role: 'supervisor', userId: `supervisor-${i}-${randomUUID()}`, focalPointId: null, email: null, phone: null, language: null },
  focalPoints: [
    { role: 'focal_point', userId: null, focalPointId: randomUUID(), email: `fp-a-${i}@aide-nord.example`, phone: phone(), language: 'fr' },
    { role: 'focal_point', userId: null, focalPointId: randomUUID(), email: `fp-b-${i}@aide-nord.example`, phone: null, language: 'en' },
  ],
}));
const contexts = new Map<string, ReferralContext>();
const source: ReferralContextSource = {
  load(event) {
    const context = contexts.get(event.referralId);
    return context === undefined ? Promise.reject(new Error('unknown referral')) : Promise.resolve(context);
  },
};

/** E-mails and SMS each event type should give with the teams above (written out, not computed by the service's code). */
const EXPECTED: Record<string, { email: number; sms: number }> = {
  'referral.submitted': { email: 2, sms: 1 }, // both focal points; the first also by SMS
  'referral.acknowledged': { email: 2, sms: 1 }, // lead (e-mail + SMS) and supervisor (e-mail)
  'referral.accepted': { email: 2, sms: 1 },
  'referral.declined': { email: 2, sms: 1 },
  'referral.started': { email: 2, sms: 1 },
  'referral.completed': { email: 2, sms: 1 },
  'referral.overdue': { email: 3, sms: 2 }, // both focal points (reminder) and the lead
  'referral.withdrawn': { email: 2, sms: 1 },
  'referral.closed': { email: 0, sms: 0 },
};

// ---------------------------------------------------------------- events, as the referrals service publishes them

type Step = { type: EventType & `referral.${string}`; status: string; previousStatus: string | null; extra?: Record<string, unknown> };
const FLOWS: Step[][] = [
  [
    { type: 'referral.submitted', status: 'submitted', previousStatus: 'draft' },
    { type: 'referral.acknowledged', status: 'acknowledged', previousStatus: 'submitted' },
    { type: 'referral.accepted', status: 'accepted', previousStatus: 'acknowledged' },
    { type: 'referral.started', status: 'in_progress', previousStatus: 'accepted' },
    { type: 'referral.completed', status: 'completed', previousStatus: 'in_progress' },
    { type: 'referral.closed', status: 'closed', previousStatus: 'completed' },
  ],
  [
    { type: 'referral.submitted', status: 'submitted', previousStatus: 'draft' },
    { type: 'referral.overdue', status: 'submitted', previousStatus: 'submitted', extra: { stage: 'acknowledgement', dueAt: new Date(Date.now() - 3_600_000).toISOString() } },
    { type: 'referral.acknowledged', status: 'acknowledged', previousStatus: 'submitted' },
    { type: 'referral.declined', status: 'declined', previousStatus: 'acknowledged', extra: { reasonCode: 'no_capacity' } },
    { type: 'referral.closed', status: 'closed', previousStatus: 'declined' },
  ],
  [
    { type: 'referral.submitted', status: 'submitted', previousStatus: 'draft' },
    { type: 'referral.withdrawn', status: 'withdrawn', previousStatus: 'submitted' },
  ],
];
const CODE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const code = (length: number) => Array.from(randomBytes(length), (b) => CODE_ALPHABET[b % 36]).join('');

/**
 * `count` valid CloudEvents over new referrals (flows cycled: full lifecycle, overdue then declined,
 * withdrawn), each referral's events in order, referrals interleaved as they would be in a day's traffic.
 */
function makeEvents(count: number): CloudEvent<EventType>[] {
  const referrals: CloudEvent<EventType>[][] = [];
  let total = 0;
  for (let r = 0; total < count; r += 1) {
    const team = teams[r % TEAMS] as Team;
    const flow = (FLOWS[r % 4 === 3 ? 2 : r % 4 === 2 ? 1 : 0] as Step[]).slice(0, count - total);
    const referralId = randomUUID();
    contexts.set(referralId, {
      names: { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' },
      lead: team.lead,
      supervisor: team.supervisor,
      focalPoints: team.focalPoints,
    });
    const base = {
      referralId,
      referralCode: `REF-${code(5)}`,
      caseCode: `CASE-${code(8)}`,
      kind: 'referral',
      urgency: 'high',
      referringOrganizationId: team.referring,
      recipientOrganizationId: team.recipient,
      recipientServiceId: randomUUID(),
      actor: null,
      occurredAt: new Date().toISOString(),
    };
    referrals.push(
      flow.map((step) => {
        const data = { ...base, status: step.status, previousStatus: step.previousStatus, ...step.extra };
        // The catalogue's validator (run by buildEvent) checks the data; the cast only names its type.
        return buildEvent(step.type, data as never, { source: '/services/referrals', subject: referralId });
      }),
    );
    total += flow.length;
  }
  // Round-robin by step: every referral's first event, then every second one, ...
  const ordered: CloudEvent<EventType>[] = [];
  for (let step = 0; ordered.length < count; step += 1) for (const events of referrals) if (events[step] !== undefined) ordered.push(events[step] as CloudEvent<EventType>);
  return ordered;
}

const expectedOf = (events: CloudEvent<EventType>[]) =>
  events.reduce((sum, e) => ({ email: sum.email + (EXPECTED[e.type]?.email ?? 0), sms: sum.sms + (EXPECTED[e.type]?.sms ?? 0) }), { email: 0, sms: 0 });

// ---------------------------------------------------------------- the run

// Other work on the machine shares its cores: said with the figures.
const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
const smtp = await startSmtp();
const sms = await startSmsGateway();
const queuePrefix = `bench-${randomBytes(4).toString('hex')}`;
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const env = await createServiceTestEnv({
  name: 'notifications-bench',
  migrationsDir: fileURLToPath(new URL('../prisma/migrations', import.meta.url)),
  extraEnv: {
    // The service's defaults for the pool and the consumer, not the tests' smaller ones.
    DATABASE_POOL_MAX: '10',
    AMQP_PREFETCH: String(PREFETCH),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    REDIS_URL: redisUrl,
    NOTIFICATIONS_QUEUE_PREFIX: queuePrefix,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: sms.url,
    REFERRAL_LINK_TEMPLATE: 'https://hub.example.org/r/{referralCode}',
    ...SERVICE_OPTIONS,
  },
});
const db = new pg.Pool({ connectionString: env.database.url, max: 2 });
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

try {
  const service = await start({ env: env.env, contexts: source });
  const { DELIVERY_CONCURRENCY: concurrency, SMTP_POOL_CONNECTIONS: smtpPool } = service.config;
  await service.consumer?.waitUntilConsuming();

  // Preferences as people set them (PUT /v1/me/preferences, the work contact from their token).
  const setPreferences = async (claims: Parameters<typeof env.authorization>[0], body: { channels: string[]; language: string }) => {
    const response = await fetch(`${service.url}/v1/me/preferences`, {
      method: 'PUT',
      headers: { authorization: await env.authorization(claims), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`PUT /v1/me/preferences: ${response.status}`);
  };
  for (const team of teams) {
    const [fpA] = team.focalPoints as [Contact];
    await setPreferences({ sub: team.lead.userId as string, org: team.referring, roles: ['caseworker'], email: team.lead.email as string, phone_number: team.lead.phone as string }, { channels: ['email', 'sms'], language: 'fr' });
    await setPreferences({ sub: team.supervisor.userId as string, org: team.referring, roles: ['supervisor'], email: `supervisor-${team.referring}@tde.example` }, { channels: ['email'], language: 'en' });
    await setPreferences({ sub: `fp-${randomUUID()}`, org: team.recipient, roles: ['focal_point'], email: fpA.email as string, phone_number: fpA.phone as string }, { channels: ['email', 'sms'], language: 'fr' });
  }

  const connection = await connect(env.amqpUrl);
  const channel = await connection.createConfirmChannel();
  const queue = service.deliveries.queue;

  type RunResult = {
    name: string; published: number; distinct: number; seconds: number; consumedPerS: number; sentPerS: number;
    p50: number; p95: number; p99: number; consumeP50: number; consumeP95: number; sendP50: number; sendP95: number;
    rssBefore: number; rssAfter: number; rssPeak: number; heapBefore: number; heapAfter: number; heapPeak: number;
    backlogPeak: number; cpu: number; expected: { email: number; sms: number }; smtp: number; smtpDistinct: number; smsSent: number; smsDistinct: number;
    sent: number; failed: number; queued: number; inbox: number; complete: boolean;
  };

  const run = async (name: string, events: CloudEvent<EventType>[], copies: number): Promise<RunResult> => {
    const expected = expectedOf(events);
    const ids = events.map((e) => e.id);
    const mailBefore = { count: mail.count, distinct: mail.distinct.size };
    const smsBefore = { count: texts.count, distinct: texts.distinct.size };
    collect();
    const memBefore = process.memoryUsage();
    const peak = { rss: memBefore.rss, heap: memBefore.heapUsed, backlog: 0 };
    const publishedAt = new Map<string, number>();
    const cpuBefore = process.cpuUsage();
    const t0 = Date.now();

    // Publishing in the background, one confirm wait per 100 messages (the referrals relay confirms too).
    const publishing = (async () => {
      let sent = 0;
      for (const event of events) {
        if (RATE > 0) {
          const due = t0 + (sent / copies / RATE) * 1000;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        }
        if (!publishedAt.has(event.id)) publishedAt.set(event.id, Date.now());
        for (let c = 0; c < copies; c += 1) {
          channel.publish(env.exchange, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/cloudevents+json', messageId: event.id, type: event.type });
          sent += 1;
          if (sent % 100 === 0) await channel.waitForConfirms();
        }
      }
      await channel.waitForConfirms();
    })();

    // Sample until every planned delivery is final and the queue is empty (or the time is up).
    const total = expected.email + expected.sms;
    let complete = false;
    while (Date.now() - t0 < TIMEOUT_S * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const mem = process.memoryUsage();
      peak.rss = Math.max(peak.rss, mem.rss);
      peak.heap = Math.max(peak.heap, mem.heapUsed);
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const backlog = Object.values(counts).reduce((a, b) => a + b, 0);
      peak.backlog = Math.max(peak.backlog, backlog);
      const { rows } = await db.query<{ events: string; final: string }>(
        `SELECT (SELECT count(*) FROM referral_event WHERE event_id = ANY($1)) AS events,
                (SELECT count(*) FROM delivery WHERE event_id = ANY($1) AND status IN ('sent', 'failed')) AS final`,
        [ids],
      );
      if (Number(rows[0]?.events) === events.length && Number(rows[0]?.final) >= total && backlog === 0) {
        complete = true;
        break;
      }
    }
    await publishing;
    const cpu = process.cpuUsage(cpuBefore);
    // A moment more, for anything that would still arrive twice.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    collect();
    const memAfter = process.memoryUsage();

    const { rows: deliveries } = await db.query<{ event_id: string; status: string; queued_at: Date; sent_at: Date | null }>(
      'SELECT event_id, status, queued_at, sent_at FROM delivery WHERE event_id = ANY($1)',
      [ids],
    );
    const { rows: received } = await db.query<{ last: Date | null }>('SELECT max(received_at) AS last FROM referral_event WHERE event_id = ANY($1)', [ids]);
    const { rows: inbox } = await db.query<{ n: string }>('SELECT count(*) AS n FROM inbox_message WHERE event_id = ANY($1)', [ids]);
    const sentRows = deliveries.filter((d) => d.status === 'sent' && d.sent_at !== null);
    const endToEnd: number[] = [];
    const consume: number[] = [];
    const send: number[] = [];
    let lastSent = t0;
    for (const d of sentRows) {
      const published = publishedAt.get(d.event_id) ?? t0;
      const sentAt = (d.sent_at as Date).getTime();
      lastSent = Math.max(lastSent, sentAt);
      endToEnd.push(sentAt - published);
      consume.push(d.queued_at.getTime() - published);
      send.push(sentAt - d.queued_at.getTime());
    }
    const at = (values: number[], q: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    };
    const lastReceived = received[0]?.last?.getTime() ?? t0;
    return {
      name,
      published: events.length * copies,
      distinct: events.length,
      seconds: (lastSent - t0) / 1000,
      consumedPerS: (events.length * 1000) / Math.max(1, lastReceived - t0),
      sentPerS: (sentRows.length * 1000) / Math.max(1, lastSent - t0),
      p50: at(endToEnd, 0.5), p95: at(endToEnd, 0.95), p99: at(endToEnd, 0.99),
      consumeP50: at(consume, 0.5), consumeP95: at(consume, 0.95), sendP50: at(send, 0.5), sendP95: at(send, 0.95),
      rssBefore: memBefore.rss, rssAfter: memAfter.rss, rssPeak: peak.rss,
      heapBefore: memBefore.heapUsed, heapAfter: memAfter.heapUsed, heapPeak: peak.heap,
      backlogPeak: peak.backlog,
      cpu: (cpu.user + cpu.system) / 1000 / Math.max(1, lastSent - t0),
      expected,
      smtp: mail.count - mailBefore.count, smtpDistinct: mail.distinct.size - mailBefore.distinct,
      smsSent: texts.count - smsBefore.count, smsDistinct: texts.distinct.size - smsBefore.distinct,
      sent: sentRows.length,
      failed: deliveries.filter((d) => d.status === 'failed').length,
      queued: deliveries.filter((d) => d.status === 'queued' || d.status === 'sending').length,
      inbox: Number(inbox[0]?.n ?? 0),
      complete,
    };
  };

  // What one provider call costs alone, the median of 30 one after another (the senders the service builds,
  // same servers): e-mail over a connection of the pool (the first call opens it), and over a new connection
  // each time (a new sender per call: the handshake and the relay's greeting that the pool saves).
  const median = async (call: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const t = performance.now();
      await call();
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[15] ?? Number.NaN;
  };
  const smtpUrl = env.env.SMTP_URL as string;
  const probeMail = { channel: 'email', to: 'probe@tde.example', language: 'fr', subject: 'Probe', text: 'Probe', html: '<p>Probe</p>' } as const;
  const pooled = createEmailSender({ smtpUrl, from: FROM, messageIdDomain: 'referral-hub.invalid', poolConnections: smtpPool });
  const emailPooled = await median(() => pooled.send(probeMail, { deliveryId: randomUUID() }));
  await pooled.close();
  const fresh: ChannelSender[] = [];
  const emailNewConnection = await median(() => {
    const sender = createEmailSender({ smtpUrl, from: FROM, messageIdDomain: 'referral-hub.invalid', poolConnections: 1 });
    fresh.push(sender);
    return sender.send(probeMail, { deliveryId: randomUUID() });
  });
  await Promise.all(fresh.map((sender) => sender.close()));
  const smsSender = createHttpSmsSender({ url: sms.url });
  const smsAlone = await median(() => smsSender.send({ channel: 'sms', to: '+22670000000', text: 'Probe' }, { deliveryId: randomUUID() }));
  await smsSender.close();

  // A short warm-up (connections, compiled validators, JIT), not counted.
  await run('warm-up', makeEvents(50), 1);
  const single = await run('each event once', makeEvents(EVENTS), 1);
  const doubled = await run('each event twice', makeEvents(DUP_EVENTS), 2);

  await channel.close();
  await connection.close();

  const cpus = os.cpus();
  console.log(`\nmachine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${loadAtStart}`);
  console.log(`DELIVERY_CONCURRENCY ${concurrency}, SMTP_POOL_CONNECTIONS ${smtpPool}, consumer prefetch ${PREFETCH}, publish ${RATE > 0 ? `${RATE} events/s` : 'all at once'}`);
  const ms = (value: number) => (Number.isNaN(value) ? '—' : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`);
  console.log(`one provider call alone (median of 30): e-mail ${emailPooled.toFixed(1)} ms pooled, ${emailNewConnection.toFixed(1)} ms on a new connection; SMS ${smsAlone.toFixed(1)} ms`);
  const columns: [string, (r: RunResult) => string][] = [
    ['messages published (distinct events)', (r) => `${r.published} (${r.distinct})`],
    ['distinct events consumed / s', (r) => r.consumedPerS.toFixed(0)],
    ['deliveries sent / s (e-mail + SMS)', (r) => r.sentPerS.toFixed(0)],
    ['first publish → last sent', (r) => `${r.seconds.toFixed(1)} s`],
    ['publish → sent p50 / p95 / p99', (r) => `${ms(r.p50)} / ${ms(r.p95)} / ${ms(r.p99)}`],
    ['  publish → queued (consumer) p50 / p95', (r) => `${ms(r.consumeP50)} / ${ms(r.consumeP95)}`],
    ['  queued → sent (queue + send) p50 / p95', (r) => `${ms(r.sendP50)} / ${ms(r.sendP95)}`],
    ['BullMQ backlog peak (jobs)', (r) => String(r.backlogPeak)],
    ['process CPU (cores busy)', (r) => r.cpu.toFixed(2)],
    ['RSS before / peak / after', (r) => `${mb(r.rssBefore)} / ${mb(r.rssPeak)} / ${mb(r.rssAfter)}`],
    ['heap used before / peak / after (after a full GC)', (r) => `${mb(r.heapBefore)} / ${mb(r.heapPeak)} / ${mb(r.heapAfter)}`],
    ['inbox rows', (r) => String(r.inbox)],
    ['log: sent / failed / still queued', (r) => `${r.sent} / ${r.failed} / ${r.queued}`],
    ['SMTP messages (distinct) / expected', (r) => `${r.smtp} (${r.smtpDistinct}) / ${r.expected.email}`],
    ['SMS (distinct) / expected', (r) => `${r.smsSent} (${r.smsDistinct}) / ${r.expected.sms}`],
  ];
  const width = Math.max(...columns.map(([label]) => label.length)) + 2;
  const cell = 30;
  console.log(`\n${''.padEnd(width)}${single.name.padStart(cell)}${doubled.name.padStart(cell)}`);
  for (const [label, value] of columns) console.log(`${label.padEnd(width)}${value(single).padStart(cell)}${value(doubled).padStart(cell)}`);
  const exact = (r: RunResult) => r.complete && r.smtp === r.expected.email && r.smtpDistinct === r.smtp && r.smsSent === r.expected.sms && r.smsDistinct === r.smsSent && r.failed === 0;
  for (const r of [single, doubled]) {
    console.log(`${r.name}: ${exact(r) ? 'every expected message sent exactly once' : `MISMATCH (complete ${String(r.complete)}, failed ${r.failed}, e-mail ${r.smtp}/${r.expected.email}, SMS ${r.smsSent}/${r.expected.sms})`}`);
  }
  if (!exact(single) || !exact(doubled)) process.exitCode = 1;

  await queue.obliterate({ force: true }).catch(() => undefined);
  await service.stop();
} finally {
  await db.end();
  // BullMQ's keys under the run's prefix (obliterate leaves a few bookkeeping ones).
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
  await env.cleanup();
  await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
  await new Promise<void>((resolve) => sms.server.close(() => resolve()));
}
