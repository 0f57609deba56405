/**
 * Two processes of every service on one machine, as two replicas of each
 * Deployment would run on a cluster: separate processes and ports, the same
 * databases, the same broker exchange and queues, the same Redis prefix, both
 * running their outbox relay, their consumer and their periodic jobs (the
 * referrals deadline job, the notifications sweep). An HTTP balancer in front
 * of each service (what a Service does) hands requests to the two instances in
 * turn, the test's own and the services' calls to one another alike.
 *
 * Referrals are created, submitted and acknowledged by clients in a closed
 * loop, each request under an `Idempotency-Key` and retried with it when it
 * fails. The test asserts that every event is handled once, every e-mail and
 * SMS sent once (a real SMTP server and the fake SMS gateway keep them by
 * delivery id), every deadline reminded and escalated once, every outbox row
 * published once with both relays active, a sweep of jobs Redis lost sending
 * each once, and that nothing is lost when one instance of each service is
 * killed (SIGKILL) while traffic flows. It prints the throughput with one and
 * with two instances and the time to recover after the kill (the figures of
 * docs/deploy/scaling-figures.md); `REPLICAS_ROUND_SECONDS` and
 * `REPLICAS_CLIENTS` lengthen the rounds and change the load for a measure.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPool } from '@referral-hub/platform';
import { Redis } from 'ioredis';
import { tapEvents } from '@referral-hub/testkit';
import type { EventTap } from '@referral-hub/testkit';
import { median, percentile } from '@referral-hub/testkit/bench';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD } from '../../scripts/demo/case.js';
import { DemoCase, LEAD_OUTCOMES } from '../../scripts/demo/scenario.js';
import type { Service } from '../../scripts/demo/scenario.js';
import { startBalancer } from './harness/balancer.js';
import type { Balancer } from './harness/balancer.js';
import { closeE2eHub, SERVICE_NAMES, startE2eHub } from './harness/hub.js';
import type { E2eHub, HubReplica, HubServiceName } from './harness/hub.js';
import { deleteRedisKeys } from './harness/redis-keys.js';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0`);
  return value;
};
/** Length of each measured round (one instance, two instances), and of the round with the kill. */
const ROUND_MS = num('REPLICAS_ROUND_SECONDS', 4) * 1000;
const KILL_ROUND_MS = Math.max(6_000, ROUND_MS * 1.6);
/** Load before each measured round, not counted: a process's first requests are where V8 compiles its hot paths. */
const WARMUP_MS = num('REPLICAS_WARMUP_SECONDS', 1) * 1000;
/** Concurrent clients of the closed loop. */
const CLIENTS = Math.round(num('REPLICAS_CLIENTS', 6));
/** Referrals left unanswered with a 2 s acknowledgement deadline. */
const DEADLINE_REFERRALS = 4;
/** The longest a request is retried, with its key, before it counts as lost. */
const RETRY_FOR_MS = 60_000;
/** How long one try may take: a second instance's first requests, on a loaded machine, took 30 s. */
const REQUEST_TIMEOUT_MS = 40_000;
/** Longer than BullMQ's lock (30 s) and stalled check (30 s): a job a killed worker held is handed out again within it. */
const RECOVERY_TIMEOUT_MS = 80_000;

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

let hub: E2eHub;
let tap: EventTap;
let demo: DemoCase;
let clinicService: Service;
/** The lead's directory search that finds it (the demo's). */
let clinicSearch = '';
const balancers = {} as Record<HubServiceName, Balancer>;
const replicas = {} as Partial<Record<HubServiceName, HubReplica>>;
const pools = {} as Record<HubServiceName, ReturnType<typeof createPool>>;
/** Outbox rows that existed before the tap listened (the demo network's seeding). */
const before = new Set<string>();
const auth = { lead: '', focalPoint: '' };
const figures: string[] = [];

/** One referral of the load: made, submitted and acknowledged, each step under its own key. */
type Done = { id: string; code: string; submittedAt: number; finishedAt: number; round: string };
const done: Done[] = [];
/** Requests that needed another try (their instance died with them in hand, or answered 5xx). */
let retried = 0;
/** When the second instances were killed. */
let killedAt = 0;

beforeAll(async () => {
  const started = now();
  for (const service of SERVICE_NAMES) balancers[service] = await startBalancer();
  const everyService = { RATE_LIMIT_REQUESTS: '1000000', IDEMPOTENCY_LEASE_MS: '2000' };
  // Debug: their relays' and consumers' own counts (`Outbox events published`, `Event handled`) are read from their logs.
  const counted = { ...everyService, LOG_LEVEL: 'debug' };
  hub = await startE2eHub('replicas', {
    serviceEnv: {
      directory: everyService,
      consent: everyService,
      referrals: {
        ...counted,
        CONSENT_URL: balancers.consent.url,
        DIRECTORY_URL: balancers.directory.url,
        // High urgency: overdue 2 s after submit, escalated 2 s later; the load's referrals are of low urgency.
        REFERRAL_ACKNOWLEDGE_WITHIN: 'high=2s,medium=72h,low=7d',
        REFERRAL_ESCALATE_AFTER: 'high=2s,medium=72h,low=7d',
        REFERRAL_DEADLINE_INTERVAL_MS: '100',
      },
      notifications: {
        ...counted,
        REFERRALS_URL: balancers.referrals.url,
        DELIVERY_SWEEP_INTERVAL_MS: '250',
        DELIVERY_SWEEP_AFTER_MS: '1000',
        // A refused e-mail waits a minute for its retry: only the sweep sends it sooner, once Redis has lost its job.
        DELIVERY_BACKOFF_MS: '60000',
        // A delivery claimed by a killed worker may be claimed again 10 s later (BullMQ hands its job out after 30 to 60 s).
        DELIVERY_LEASE_MS: '10000',
      },
    },
  });
  for (const service of SERVICE_NAMES) {
    balancers[service].setBackends([{ directory: hub.endpoints.directoryUrl, consent: hub.endpoints.consentUrl, referrals: hub.endpoints.referralsUrl, notifications: hub.endpoints.notificationsUrl }[service]]);
    pools[service] = createPool({ connectionString: hub.databaseUrls[service], max: 2 });
  }
  tap = await tapEvents({ url: hub.amqpUrl, exchange: hub.exchange });
  // What the seeding wrote is left out of the counts: the tap may have missed it.
  const giveUpAt = now() + 30_000;
  for (;;) {
    const pending = await Promise.all(SERVICE_NAMES.map(async (service) => (await pools[service].query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_message WHERE published_at IS NULL')).rows[0]?.n ?? 0));
    if (pending.every((n) => n === 0) || now() > giveUpAt) break;
    await sleep(200);
  }
  for (const service of SERVICE_NAMES) {
    const { rows } = await pools[service].query<{ id: string }>('SELECT id FROM outbox_message');
    for (const row of rows) before.add(row.id);
  }
  const endpoints = { directoryUrl: balancers.directory.url, consentUrl: balancers.consent.url, referralsUrl: balancers.referrals.url, notificationsUrl: balancers.notifications.url };
  demo = await DemoCase.open({ hub: endpoints, token: hub.token, mailbox: hub.mailbox, timeoutMs: 45_000 });
  await demo.chooseChannels();
  await demo.recordConsents();
  await demo.findServices();
  // One referral the demo's way: it waits until referrals knows the clinic and its service.
  await demo.refer('clinic');
  const chosen = demo.services.clinic?.chosen;
  if (chosen === undefined) throw new Error('the clinic service was not found');
  clinicService = chosen;
  clinicSearch = demo.services.clinic?.query ?? '';
  auth.lead = `Bearer ${await hub.token(demo.claimsOf('lead'))}`;
  auth.focalPoint = `Bearer ${await hub.token(demo.claimsOf('clinicFocalPoint'))}`;
  figures.push(`hub of one instance each started, seeded and the demo case opened in ${((now() - started) / 1000).toFixed(1)} s`);
}, 240_000);

afterAll(async () => {
  // `REPLICAS_KEEP_LOGS=<dir>`: the processes' whole logs are copied there (the harness removes its own).
  const keep = process.env.REPLICAS_KEEP_LOGS;
  if (keep !== undefined && keep !== '' && hub !== undefined) {
    await mkdir(keep, { recursive: true });
    for (const name of ['identity', ...SERVICE_NAMES, ...Object.values(replicas).map((r) => r.name)]) {
      await copyFile(hub.logFile(name), join(keep, basename(hub.logFile(name)))).catch(() => undefined);
    }
  }
  await tap?.close();
  for (const pool of Object.values(pools)) await pool.end().catch(() => undefined);
  await closeE2eHub(hub);
  for (const balancer of Object.values(balancers)) await balancer.close();
  if (figures.length > 0) process.stdout.write(`\nReplica figures (${CLIENTS} clients):\n${figures.map((f) => `  ${f}`).join('\n')}\n`);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nProcess logs:\n${await hub.logs()}\n`);
  });
});

// ---------------------------------------------------------------- the load

/**
 * A POST through the balancer under `key`, tried again with the same key while it fails for a reason a
 * retry can cure (the instance died with it: 502; a dependency did: 5xx; the first try's claim still
 * holds: 409), for up to {@link RETRY_FOR_MS}.
 */
async function post<T>(path: string, authorization: string, body: unknown, key: string): Promise<T> {
  const giveUpAt = now() + RETRY_FOR_MS;
  for (let attempt = 0; ; attempt += 1) {
    if (attempt === 1) retried += 1;
    let status = 0;
    let text = '';
    try {
      const response = await fetch(new URL(path, balancers.referrals.url), {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      text = await response.text();
    } catch {
      status = 0;
    }
    if (status === 200 || status === 201) return JSON.parse(text) as T;
    if (status !== 0 && status !== 409 && status < 500) throw new Error(`POST ${path} answered ${status}: ${text}`);
    if (now() > giveUpAt) throw new Error(`POST ${path} still failing after ${RETRY_FOR_MS} ms (last ${status}: ${text})`);
    await sleep(status === 409 ? 250 : 100);
  }
}

function referralBody(urgency: 'high' | 'low'): Record<string, unknown> {
  return {
    caseCode: demo.caseCode,
    recipientOrganizationId: clinicService.organizationId,
    recipientServiceId: clinicService.id,
    ...(clinicService.types[0] === undefined ? {} : { recipientServiceType: clinicService.types[0] }),
    urgency,
    need: { category: 'unaccompanied_or_separated', text: 'Bilan de santé pédiatrique demandé.' },
    caseCategories: ['psychosocial_distress'],
    payload: DEMO_PAYLOAD,
  };
}

/** A GET through a balancer, tried again while it fails for a reason a retry can cure. */
async function get(balancer: Balancer, path: string, authorization: string): Promise<void> {
  const giveUpAt = now() + RETRY_FOR_MS;
  for (let attempt = 0; ; attempt += 1) {
    if (attempt === 1) retried += 1;
    const status = await fetch(new URL(path, balancer.url), { headers: { authorization, accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      () => 0,
    );
    if (status === 200) return;
    if (status !== 0 && status < 500) throw new Error(`GET ${path} answered ${status}`);
    if (now() > giveUpAt) throw new Error(`GET ${path} still failing after ${RETRY_FOR_MS} ms (last ${status})`);
    await sleep(100);
  }
}

/**
 * The lead finds the clinic's service in the directory, creates and submits a referral to it, then the
 * clinic's focal point acknowledges it (unless told not to), and the lead looks at its delivery log.
 */
async function oneReferral(round: string, options: { urgency?: 'high' | 'low'; acknowledge?: boolean } = {}): Promise<Done> {
  await get(balancers.directory, clinicSearch, auth.lead);
  const created = await post<{ id: string; code: string }>('/v1/referrals', auth.lead, referralBody(options.urgency ?? 'low'), randomUUID());
  await post(`/v1/referrals/${created.id}/submit`, auth.lead, {}, randomUUID());
  const submittedAt = now();
  if (options.acknowledge !== false) await post(`/v1/referrals/${created.id}/acknowledge`, auth.focalPoint, {}, randomUUID());
  await get(balancers.notifications, `/v1/referrals/${created.id}/deliveries`, auth.lead);
  const result = { id: created.id, code: created.code, submittedAt, finishedAt: now(), round };
  done.push(result);
  return result;
}

/**
 * `CLIENTS` clients in a closed loop for `ms` (and for as long as `more()` says); `during` runs alongside
 * (e.g. the kill).
 */
async function closedLoop(round: string, ms: number, during?: () => Promise<void>, more: () => boolean = () => false): Promise<{ referrals: Done[]; seconds: number }> {
  const started = now();
  const stopAt = started + ms;
  const made: Done[] = [];
  await Promise.all([
    ...Array.from({ length: CLIENTS }, async () => {
      while (now() < stopAt || more()) made.push(await oneReferral(round));
    }),
    during?.() ?? Promise.resolve(),
  ]);
  return { referrals: made, seconds: (now() - started) / 1000 };
}

// ---------------------------------------------------------------- what reached the SMTP server and the SMS gateway

const leadEmail = () => demo.people.lead.email;
const leadPhone = () => demo.people.lead.phone ?? '';
const focalPointEmail = () => demo.people.clinicFocalPoint.email;

/** When the referral's e-mails of the load had all arrived (the focal point's new referral, the lead's acknowledgement and its SMS), else undefined. */
function arrivedAt(referral: Done, acknowledged = true): number | undefined {
  const newReferral = hub.smtp.received.find((m) => m.to === focalPointEmail() && (m.subject ?? '').includes(referral.code));
  if (newReferral === undefined) return undefined;
  if (!acknowledged) return newReferral.receivedAt.getTime();
  const subject = LEAD_OUTCOMES.acknowledged.subject(referral.code);
  const email = hub.smtp.received.find((m) => m.to === leadEmail() && m.subject === subject);
  const sms = hub.sms.received.find((m) => m.to === leadPhone() && m.text.includes(referral.code) && LEAD_OUTCOMES.acknowledged.sms.test(m.text));
  if (email === undefined || sms === undefined) return undefined;
  return Math.max(newReferral.receivedAt.getTime(), email.receivedAt.getTime(), sms.receivedAt.getTime());
}

/** Waits until every referral's messages have arrived; resolves with when the last one did. */
async function waitForMessages(referrals: readonly Done[], timeoutMs: number): Promise<number> {
  const giveUpAt = now() + timeoutMs;
  for (;;) {
    const times = referrals.map((r) => arrivedAt(r));
    if (times.every((t) => t !== undefined)) return Math.max(...times.map((t) => t ?? 0));
    if (now() > giveUpAt) {
      const missing = referrals.filter((_, i) => times[i] === undefined).map((r) => r.code);
      throw new Error(`${missing.length} of ${referrals.length} referrals still lack an e-mail or SMS after ${timeoutMs} ms: ${missing.slice(0, 10).join(', ')}`);
    }
    await sleep(100);
  }
}

/** Messages of the round's referrals per second, from the round's start to the last one's arrival; the submit → focal point e-mail latencies. */
function roundFigures(name: string, round: { referrals: Done[]; seconds: number }, startedAt: number, lastAt: number): string {
  const codes = new Set(round.referrals.map((r) => r.code));
  const emails = hub.smtp.received.filter((m) => [...codes].some((code) => (m.subject ?? '').includes(code))).length;
  const latencies = round.referrals
    .map((r) => (hub.smtp.received.find((m) => m.to === focalPointEmail() && (m.subject ?? '').includes(r.code))?.receivedAt.getTime() ?? Number.NaN) - r.submittedAt)
    .filter((v) => !Number.isNaN(v))
    .sort((a, b) => a - b);
  const line = `${name}: ${round.referrals.length} referrals in ${round.seconds.toFixed(1)} s = ${(round.referrals.length / round.seconds).toFixed(1)} referrals/s (create + submit + acknowledge), ${emails} e-mails at ${(emails / ((lastAt - startedAt) / 1000)).toFixed(1)}/s until the last arrived; submit -> focal point e-mail p50 ${Math.round(median(latencies))} ms, p95 ${Math.round(percentile(latencies, 0.95))} ms`;
  figures.push(line);
  return line;
}

// ---------------------------------------------------------------- the processes' own accounts (their debug logs)

type LogLine = { msg?: string; eventId?: string; published?: number; requeued?: number };

async function logLines(name: string): Promise<LogLine[]> {
  const text = await readFile(hub.logFile(name), 'utf8').catch(() => '');
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // A line cut by a kill.
    }
  }
  return lines;
}

/** Outbox rows published by a process's relay, by its own count. */
async function publishedBy(name: string): Promise<number> {
  return (await logLines(name)).filter((l) => l.msg === 'Outbox events published').reduce((sum, l) => sum + (l.published ?? 0), 0);
}

/** How many times each event was handled (its handler's transaction committed) by the instances of a service. */
async function handledCounts(service: HubServiceName): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const name of [service, replicas[service]?.name].filter((n): n is string => n !== undefined)) {
    for (const line of await logLines(name)) {
      if (line.msg === 'Event handled' && line.eventId !== undefined) counts.set(line.eventId, (counts.get(line.eventId) ?? 0) + 1);
    }
  }
  return counts;
}

async function outboxRows(service: HubServiceName): Promise<{ id: string; eventId: string; type: string; subject: string | null; published: boolean }[]> {
  const { rows } = await pools[service].query<{ id: string; event_id: string; event_type: string; subject: string | null; published: boolean }>(
    `SELECT id, payload->>'id' AS event_id, event_type, subject, published_at IS NOT NULL AS published FROM outbox_message`,
  );
  return rows.filter((r) => !before.has(r.id)).map((r) => ({ id: r.id, eventId: r.event_id, type: r.event_type, subject: r.subject, published: r.published }));
}

/** Waits until every service's outbox is drained and the tap has seen each row's event; the tap's count per event id. */
async function drainedAndTapped(): Promise<Map<string, number>> {
  const giveUpAt = now() + 30_000;
  for (;;) {
    const rows = (await Promise.all(SERVICE_NAMES.map((s) => outboxRows(s)))).flat();
    const seen = new Map<string, number>();
    for (const event of tap.events()) seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
    if (rows.every((r) => r.published && seen.has(r.eventId))) return seen;
    if (now() > giveUpAt) throw new Error(`outbox rows unpublished or unseen: ${rows.filter((r) => !r.published || !seen.has(r.eventId)).length}`);
    await sleep(200);
  }
}

async function deliveries(): Promise<{ id: string; eventType: string; referralId: string | null; channel: string; status: string; attempts: number; errorCode: string | null }[]> {
  const { rows } = await pools.notifications.query<{ id: string; event_type: string; referral_id: string | null; channel: string; status: string; attempts: number; error_code: string | null }>(
    'SELECT id, event_type, referral_id, channel, status, attempts, error_code FROM delivery',
  );
  return rows.map((r) => ({ id: r.id, eventType: r.event_type, referralId: r.referral_id, channel: r.channel, status: r.status, attempts: r.attempts, errorCode: r.error_code }));
}

/** The delivery id of a caught e-mail: its Message-ID is `<delivery id@domain>`. */
const deliveryIdOf = (messageId: string | undefined): string | undefined => /^<([0-9a-f-]{36})@/.exec(messageId ?? '')?.[1];

function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

// ---------------------------------------------------------------- the rounds

describe('two instances of every service on one machine', () => {
  it('one instance of each: the scenario under load, as a baseline', async () => {
    await waitForMessages((await closedLoop('warmup', WARMUP_MS)).referrals, 60_000);
    const startedAt = now();
    const round = await closedLoop('one', ROUND_MS);
    const lastAt = await waitForMessages(round.referrals, 60_000);
    expect(round.referrals.length).toBeGreaterThan(0);
    process.stdout.write(`${roundFigures('one instance of each service', round, startedAt, lastAt)}\n`);
  });

  it('two instances of each: both serve requests, consume events, publish their outbox; every event published and handled once', async () => {
    const started = now();
    await Promise.all(
      SERVICE_NAMES.map(async (service) => {
        replicas[service] = await hub.startReplica(service);
      }),
    );
    figures.push(`four more processes (second instances) ready in ${((now() - started) / 1000).toFixed(1)} s`);
    for (const service of SERVICE_NAMES) {
      const replica = replicas[service];
      if (replica === undefined) throw new Error(`no second ${service}`);
      balancers[service].setBackends([{ directory: hub.endpoints.directoryUrl, consent: hub.endpoints.consentUrl, referrals: hub.endpoints.referralsUrl, notifications: hub.endpoints.notificationsUrl }[service], replica.url]);
    }
    await waitForMessages((await closedLoop('warmup', WARMUP_MS)).referrals, 60_000);

    const startedAt = now();
    // Left unanswered: their acknowledgement deadline (2 s) passes while the load runs.
    const overdue = Promise.all(Array.from({ length: DEADLINE_REFERRALS }, () => oneReferral('deadline', { urgency: 'high', acknowledge: false })));
    const round = await closedLoop('two', ROUND_MS);
    await overdue;
    const lastAt = await waitForMessages(round.referrals, 60_000);
    process.stdout.write(`${roundFigures('two instances of each service', round, startedAt, lastAt)}\n`);

    // Both instances answered requests, through the balancers.
    for (const service of SERVICE_NAMES) {
      const answered = balancers[service].answered();
      expect(answered[new URL(replicas[service]?.url ?? '').origin] ?? 0, `${service}-2 answered requests`).toBeGreaterThan(0);
    }

    // Every outbox row of the four services published exactly once: both relays of each publishing service took rows, none twice.
    const seen = await drainedAndTapped();
    const rows = (await Promise.all(SERVICE_NAMES.map((s) => outboxRows(s)))).flat();
    const twice = rows.filter((r) => (seen.get(r.eventId) ?? 0) !== 1);
    expect(twice.map((r) => `${r.type} ${r.eventId} x${seen.get(r.eventId) ?? 0}`)).toEqual([]);
    for (const service of ['referrals', 'notifications'] as const) {
      const ownRows = (await outboxRows(service)).length;
      const [first, second] = await Promise.all([publishedBy(service), publishedBy(replicas[service]?.name ?? '')]);
      figures.push(`${service} relays: ${first} and ${second} rows published (${ownRows} rows in its outbox)`);
      expect(second, `${service}-2's relay published`).toBeGreaterThan(0);
      // Each relay counts what the broker confirmed and it marked published: together, each row of the table once.
      expect(first + second).toBeGreaterThanOrEqual(ownRows);
      await expect
        .poll(async () => {
          const marked = (await pools[service].query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_message WHERE published_at IS NOT NULL')).rows[0]?.n;
          const counted = (await publishedBy(service)) + (await publishedBy(replicas[service]?.name ?? ''));
          return `${counted} published by the relays, ${marked ?? 0} marked`;
        }, { timeout: 5_000, interval: 200 })
        .toMatch(/^(\d+) published by the relays, \1 marked$/);
    }

    // Every referral event reached notifications' inbox once, and was handled by one of its instances once; both instances took some.
    const referralEvents = tap.events().filter((e) => e.type.startsWith('referral.'));
    const inbox = await pools.notifications.query<{ event_id: string }>('SELECT event_id FROM inbox_message WHERE event_id = ANY($1::text[])', [referralEvents.map((e) => e.id)]);
    expect(new Set(inbox.rows.map((r) => r.event_id)).size).toBe(new Set(referralEvents.map((e) => e.id)).size);
    await expect
      .poll(async () => {
        const handled = await handledCounts('notifications');
        return referralEvents.filter((e) => handled.get(e.id) !== 1).map((e) => `${e.type} ${e.id} x${handled.get(e.id) ?? 0}`);
      }, { timeout: 5_000, interval: 200 })
      .toEqual([]);
    const bySecond = new Set((await logLines(replicas.notifications?.name ?? '')).filter((l) => l.msg === 'Event handled').map((l) => l.eventId));
    expect(referralEvents.filter((e) => bySecond.has(e.id)).length, 'events handled by notifications-2').toBeGreaterThan(0);
  }, 300_000);

  it('deadlines: each unanswered referral is reminded once and escalated once, with both deadline jobs running every 100 ms', async () => {
    const deadline = done.filter((d) => d.round === 'deadline');
    expect(deadline).toHaveLength(DEADLINE_REFERRALS);
    const ids = deadline.map((d) => d.id);
    await expect
      .poll(async () => (await pools.referrals.query<{ n: number }>(`SELECT count(*)::int AS n FROM referral_history WHERE action = 'escalated' AND referral_id = ANY($1::uuid[])`, [ids])).rows[0]?.n, { timeout: 30_000, interval: 200 })
      .toBeGreaterThanOrEqual(DEADLINE_REFERRALS);
    // A few more runs of both jobs: none may announce anything again.
    await sleep(1_000);
    const { rows: history } = await pools.referrals.query<{ referral_id: string; action: string; reason_code: string | null }>(
      `SELECT referral_id, action, reason_code FROM referral_history WHERE action IN ('overdue', 'escalated') AND referral_id = ANY($1::uuid[])`,
      [ids],
    );
    const events = (await outboxRows('referrals')).filter((r) => (r.type === 'referral.overdue' || r.type === 'referral.escalated') && ids.includes(r.subject ?? ''));
    for (const id of ids) {
      expect(history.filter((h) => h.referral_id === id).map((h) => `${h.action}:${h.reason_code ?? ''}`).sort(), id).toEqual(['escalated:acknowledgement', 'overdue:acknowledgement']);
      expect(events.filter((e) => e.subject === id).map((e) => e.type).sort(), id).toEqual(['referral.escalated', 'referral.overdue']);
    }
    // The reminders and escalations reach people: every one of their deliveries ends sent, and its e-mail arrived once.
    await expect
      .poll(async () => (await deliveries()).filter((d) => ids.includes(d.referralId ?? '') && (d.eventType === 'referral.overdue' || d.eventType === 'referral.escalated') && d.status !== 'sent').length, { timeout: 30_000, interval: 200 })
      .toBe(0);
    const reminders = (await deliveries()).filter((d) => ids.includes(d.referralId ?? '') && d.channel === 'email' && (d.eventType === 'referral.overdue' || d.eventType === 'referral.escalated'));
    // Per referral: the focal point's reminder, the lead's, then the escalation to the focal point, the lead and her supervisor (and any administrator).
    expect(reminders.length).toBeGreaterThanOrEqual(DEADLINE_REFERRALS * 4);
    const caught = countBy(hub.smtp.received, (m) => deliveryIdOf(m.messageId));
    expect(reminders.filter((d) => caught.get(d.id) !== 1).map((d) => `${d.eventType} ${d.id} x${caught.get(d.id) ?? 0}`)).toEqual([]);
  });

  it('the sweep: e-mails whose jobs Redis lost are queued again by the sweeps of both instances and each sent once', async () => {
    const accepted = done.filter((d) => d.round === 'two').slice(0, 3);
    expect(accepted).toHaveLength(3);
    hub.smtp.refuseTemporarily(true);
    try {
      for (const referral of accepted) await post(`/v1/referrals/${referral.id}/accept`, auth.focalPoint, {}, randomUUID());
      const ids = accepted.map((r) => r.id);
      const refused = () => deliveries().then((all) => all.filter((d) => ids.includes(d.referralId ?? '') && d.eventType === 'referral.accepted' && d.channel === 'email'));
      // Each e-mail tried once, refused, and queued for a retry a minute later.
      await expect.poll(async () => (await refused()).filter((d) => d.status === 'queued' && d.attempts === 1 && d.errorCode !== null).length, { timeout: 20_000, interval: 100 }).toBe(accepted.length * 2);
      // Redis loses every job (a flush, a failover without persistence).
      await deleteRedisKeys(hub.redisUrl, hub.redisPrefix);
      hub.smtp.refuseTemporarily(false);
      await expect.poll(async () => (await refused()).filter((d) => d.status === 'sent').length, { timeout: 20_000, interval: 100 }).toBe(accepted.length * 2);
      const lost = await refused();
      const caught = countBy(hub.smtp.received, (m) => deliveryIdOf(m.messageId));
      expect(lost.map((d) => `${d.id} x${caught.get(d.id) ?? 0} after ${d.attempts} attempts`)).toEqual(lost.map((d) => `${d.id} x1 after 2 attempts`));
      const requeued = async (name: string) => (await logLines(name)).filter((l) => l.msg === 'Queued deliveries had lost their job: queued again').reduce((sum, l) => sum + (l.requeued ?? 0), 0);
      const byInstance = [await requeued('notifications'), await requeued(replicas.notifications?.name ?? '')];
      figures.push(`sweep: ${lost.length} lost e-mails queued again ${byInstance[0] ?? 0} + ${byInstance[1] ?? 0} times by the two instances, each sent once`);
      expect((byInstance[0] ?? 0) + (byInstance[1] ?? 0)).toBeGreaterThanOrEqual(lost.length);
    } finally {
      hub.smtp.refuseTemporarily(false);
    }
  });

  it('one instance of each service killed (SIGKILL) while traffic flows: every request completes (retried with its key), every referral reaches its e-mails', async () => {
    const retriedBefore = retried;
    let notificationsBusy = false;
    const kill = async (): Promise<void> => {
      // Mid-way: once the round has submitted referrals (some of them still on their way to the inboxes).
      await sleep(KILL_ROUND_MS * 0.4);
      while (done.filter((d) => d.round === 'kill').length < 2) await sleep(20);
      killedAt = now();
      for (const service of ['directory', 'consent', 'referrals'] as const) {
        await replicas[service]?.stop({ crash: true });
        await sleep(100);
      }
      // Notifications when no delivery is being sent, if that comes within 2 s: a job a killed worker holds is
      // handed out again only by BullMQ's stalled check (its lock, 30 s, then a check every 30 s), which
      // would make this test a minute longer; its consumer's unacknowledged events come back at once.
      const redis = new Redis(hub.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        const until = now() + 2_000;
        while (now() < until && (await redis.llen(`${hub.redisPrefix}:deliveries:active`)) > 0) await sleep(5);
        notificationsBusy = (await redis.llen(`${hub.redisPrefix}:deliveries:active`)) > 0;
        await replicas.notifications?.stop({ crash: true });
      } finally {
        redis.disconnect();
      }
    };
    const startedAt = now();
    // The load goes on for at least 3 s after the kills, on the instances left.
    const round = await closedLoop('kill', KILL_ROUND_MS, kill, () => killedAt === 0 || now() < killedAt + 3_000);
    for (const service of SERVICE_NAMES) expect(replicas[service]?.process().hasExited(), `${service}-2 killed`).toBe(true);
    const lastAt = await waitForMessages(round.referrals, RECOVERY_TIMEOUT_MS);
    const beforeKill = round.referrals.filter((r) => r.submittedAt < killedAt);
    const afterKill = round.referrals.filter((r) => r.submittedAt >= killedAt);
    const firstAfter = Math.min(...afterKill.map((r) => r.finishedAt));
    const lastDue = Math.max(...beforeKill.map((r) => arrivedAt(r) ?? 0));
    const rate = (list: Done[], from: number, to: number) => (list.length / ((to - from) / 1000)).toFixed(1);
    figures.push(
      `kill round${notificationsBusy ? ' (notifications killed with deliveries in hand)' : ''}: ${round.referrals.length} referrals in ${round.seconds.toFixed(1)} s (${rate(beforeKill, startedAt, killedAt)}/s before the kill, ${rate(afterKill, killedAt, startedAt + round.seconds * 1000)}/s after), ${retried - retriedBefore} requests retried with their key, none lost; first referral completed ${Math.round(firstAfter - killedAt)} ms after the kill; every e-mail due for referrals submitted before it arrived ${((lastDue - killedAt) / 1000).toFixed(1)} s after it; last e-mail of the round ${((lastAt - killedAt) / 1000).toFixed(1)} s after it`,
    );
    expect(afterKill.length).toBeGreaterThan(0);
  }, 240_000);

  it('in the end: every outbox row published, every referral event in the inbox, every delivery sent once (a second copy only after a lease ran out, same Message-ID)', async () => {
    const seen = await drainedAndTapped();
    const referralRows = await outboxRows('referrals');
    // Announced once each: one submitted and one acknowledged event per referral of the load.
    const perReferral = countBy(referralRows.filter((r) => r.type === 'referral.submitted' || r.type === 'referral.acknowledged'), (r) => `${r.subject ?? ''} ${r.type}`);
    for (const referral of done.filter((d) => d.round !== 'deadline')) {
      expect(perReferral.get(`${referral.id} referral.submitted`), referral.code).toBe(1);
      expect(perReferral.get(`${referral.id} referral.acknowledged`), referral.code).toBe(1);
    }
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    figures.push(`broker: ${seen.size} events, ${duplicates} published twice (after the kill: a relay killed between the broker's confirm and its commit)`);

    const referralEvents = [...new Set(tap.events().filter((e) => e.type.startsWith('referral.')).map((e) => e.id))];
    const { rows: inbox } = await pools.notifications.query<{ event_id: string }>('SELECT event_id FROM inbox_message WHERE event_id = ANY($1::text[])', [referralEvents]);
    expect(inbox).toHaveLength(referralEvents.length);
    const handled = await handledCounts('notifications');
    expect(referralEvents.filter((id) => (handled.get(id) ?? 0) > 1)).toEqual([]);

    // Deliveries the killed worker held (the supervisor's e-mails too, which the load does not wait for) come back with BullMQ's stalled check.
    await expect.poll(async () => (await deliveries()).filter((d) => d.status === 'queued' || d.status === 'sending').length, { timeout: RECOVERY_TIMEOUT_MS, interval: 200 }).toBe(0);
    figures.push(`every delivery of the run (supervisors' e-mails included) sent ${((now() - killedAt) / 1000).toFixed(1)} s after the kill (at most; looked at every 200 ms once the rest was checked)`);
    const all = await deliveries();
    const emails = countBy(hub.smtp.received, (m) => deliveryIdOf(m.messageId));
    const texts = countBy(hub.sms.received, (m) => m.idempotencyKey);
    const sent = all.filter((d) => d.status === 'sent' && (d.channel === 'email' || d.channel === 'sms'));
    const count = (d: { id: string; channel: string }) => (d.channel === 'email' ? emails : texts).get(d.id) ?? 0;
    expect(sent.filter((d) => count(d) === 0).map((d) => d.id), 'sent but never received').toEqual([]);
    expect(sent.filter((d) => count(d) > 1 && d.attempts < 2).map((d) => `${d.channel} ${d.id} x${count(d)}`), 'received twice from one attempt').toEqual([]);
    const known = new Set(all.map((d) => d.id));
    expect([...emails.keys(), ...texts.keys()].filter((id) => !known.has(id)), 'received without a delivery').toEqual([]);
    expect(hub.smtp.received.filter((m) => deliveryIdOf(m.messageId) === undefined).map((m) => m.subject)).toEqual([]);
    const resent = sent.filter((d) => count(d) > 1).length;
    figures.push(`messages: ${hub.smtp.received.length} e-mails and ${hub.sms.received.length} SMS for ${sent.length} deliveries sent; ${resent} sent twice, by a second attempt after the first one's lease ran out (its worker killed, or starved past it), with the same Message-ID / Idempotency-Key`);
    expect(all.filter((d) => d.status === 'failed').map((d) => `${d.channel} ${d.eventType} ${d.errorCode ?? ''}`)).toEqual([]);
  }, 180_000);
});
