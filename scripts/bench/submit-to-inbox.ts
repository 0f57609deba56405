/**
 * Submit → e-mail in the receiving focal point's inbox, end to end, against a raw AMQP baseline.
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/bench/submit-to-inbox.ts
 *
 * The hub side: a whole hub as separate processes (the development identity and the four services,
 * started by the end-to-end harness with scratch databases, exchange, queues and Redis prefix, and the
 * services' own defaults for their pools and polling), with the demo network seeded. Its e-mails go to
 * an SMTP server in this process. Referrals from the demo's lead caseworker to the clinic are created
 * beforehand (creation is not what is measured), then SUBMITTED at a steady rate, open loop (each submit
 * starts on its tick whatever the earlier ones are doing). For each referral the latency runs from the
 * start of its submit request to the moment the SMTP server has taken the whole new-referral e-mail to
 * the clinic's focal point (end of DATA; the 250 answer follows at once).
 *
 * The bare side: raw amqplib on the same broker at the same rate: a confirm channel publishing
 * persistent messages to a scratch quorum queue (the hub's queues are quorum queues), a consumer on its
 * own connection acking each one; latency from just before `publish` to the consumer's callback.
 *
 * Rounds are interleaved: bare, hub, bare, hub… at 50/s, then the same at 10/s; the hub's round waits
 * for its e-mails before the next round starts. Percentiles are over every sample of a side at a rate
 * (all its rounds pooled: a p99 needs hundreds of samples); each round's p99 is printed too.
 * The load generator, the SMTP server and the AMQP baseline run in this process; the hub's services
 * each in their own.
 *
 * Options (variables): BENCH_ROUNDS (3), BENCH_HIGH_RATE (50), BENCH_HIGH_SECONDS (5 per round),
 * BENCH_LOW_RATE (10), BENCH_LOW_SECONDS (6 per round), BENCH_WARMUP_SECONDS (5 at the high rate, then 2 s at the
 * low rate, neither counted), BENCH_DRAIN_TIMEOUT_S (60),
 * BENCH_QUICK=1 (2 rounds of 3 s), BENCH_SERVICE_NODE_OPTIONS (given to the four services as NODE_OPTIONS,
 * e.g. `--require <file>` of a preload that starts a CPU profile with `node:inspector` and writes it on
 * exit, to see where their CPU goes; Node refuses `--cpu-prof` in NODE_OPTIONS). Prints `BENCH_ROW` lines
 * `submit-email-50` and `submit-email-10`.
 * Needs only the local PostgreSQL, RabbitMQ and Redis; removes what it creates.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connectAmqp, createLogger, createPool } from '@referral-hub/platform';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { DEMO_PAYLOAD } from '../demo/case.js';
import { DemoCase } from '../demo/scenario.js';
import { closeE2eHub, startE2eHub } from '../../tests/e2e/harness/hub.js';
import type { E2eHub } from '../../tests/e2e/harness/hub.js';

const quick = process.env.BENCH_QUICK === '1';
const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0`);
  return value;
};
const ROUNDS = Math.round(num('BENCH_ROUNDS', quick ? 2 : 3));
const HIGH_RATE = num('BENCH_HIGH_RATE', 50);
const HIGH_SECONDS = num('BENCH_HIGH_SECONDS', quick ? 3 : 5);
const LOW_RATE = num('BENCH_LOW_RATE', 10);
const LOW_SECONDS = num('BENCH_LOW_SECONDS', quick ? 3 : 6);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', quick ? 2 : 5);
const DRAIN_TIMEOUT_MS = num('BENCH_DRAIN_TIMEOUT_S', 60) * 1000;
const CREATE_CONCURRENCY = 20;
/** The goal of issue 16: the hub's p99 at most ten times the raw broker's. */
const GOAL_FACTOR = 10;

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const log = (line: string) => process.stdout.write(`${line}\n`);

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}
const median = (values: readonly number[]) => percentile(values, 50);
const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`);

/** Calls `fire(i)` for i = 0..count-1 at a steady rate, without waiting for earlier calls; resolves when all have settled. */
async function openLoop(rate: number, count: number, fire: (i: number) => Promise<void>): Promise<void> {
  const start = now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    await sleep(start + (i * 1000) / rate - now());
    running.push(fire(i));
  }
  await Promise.all(running);
}

// ---------------------------------------------------------------- the SMTP server the hub's e-mails reach

type Accepted = { at: number; to: string[]; subject: string };

async function startSmtpTimer(): Promise<{ url: string; onMail(listener: (mail: Accepted) => void): void; close(): Promise<void> }> {
  const listeners: ((mail: Accepted) => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        // Taken: the time is read before anything else, then the server answers 250.
        const at = now();
        callback();
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            for (const listener of listeners) listener({ at, to, subject: mail.subject ?? '' });
          },
          () => undefined,
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    onMail: (listener) => listeners.push(listener),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------- the bare side: raw AMQP publish → consume

/** One referral of a measured round: when its submit started, when its e-mail was taken (bench clock, ms). */
type Sample = { referralId: string; start: number; accepted: number };
type Side = { latencies: number[]; missing: number; perRoundP99: number[]; samples: Sample[]; failed: Map<number, number> };
const emptySide = (): Side => ({ latencies: [], missing: 0, perRoundP99: [], samples: [], failed: new Map() });

async function rawAmqpRound(url: string, rate: number, count: number, side: Side): Promise<void> {
  const queue = `bench.raw-amqp.${randomUUID()}`;
  // Plain amqplib channels on the platform's connection (the root package does not depend on amqplib itself).
  const logger = createLogger({ service: 'bench', version: '0', level: 'silent' });
  const publisher = await connectAmqp({ url, logger, name: 'bench-raw-publisher' });
  const consumer = await connectAmqp({ url, logger, name: 'bench-raw-consumer' });
  try {
    const channel = await publisher.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const received = await consumer.createChannel();
    await received.prefetch(50);
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    let done: () => void = () => undefined;
    const allIn = new Promise<void>((resolve) => (done = resolve));
    await received.consume(queue, (message) => {
      if (message === null) return;
      const at = now();
      const n = Number(message.content.toString('utf8'));
      const sent = sentAt.get(n);
      received.ack(message);
      if (sent !== undefined) latencies.push(at - sent);
      if (latencies.length >= count) done();
    });
    await openLoop(rate, count, async (i) => {
      sentAt.set(i, now());
      await new Promise<void>((resolve, reject) => {
        channel.publish('', queue, Buffer.from(String(i)), { persistent: true, contentType: 'text/plain' }, (error: unknown) => (error ? reject(new Error('nack')) : resolve()));
      });
    });
    await Promise.race([allIn, sleep(DRAIN_TIMEOUT_MS)]);
    side.latencies.push(...latencies);
    side.missing += count - latencies.length;
    side.perRoundP99.push(percentile(latencies, 99));
    await channel.deleteQueue(queue).catch(() => undefined);
  } finally {
    await consumer.close().catch(() => undefined);
    await publisher.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- the hub side

type Draft = { id: string; code: string };

/** The hub of this run, for the signal handlers' cleanup. */
let current: E2eHub | undefined;

async function main(): Promise<void> {
  const started = now();
  const loadAtStart = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const smtp = await startSmtpTimer();
  let hub: E2eHub | undefined;
  try {
    log(`submit → inbox bench: ${ROUNDS} rounds, ${HIGH_RATE}/s × ${HIGH_SECONDS} s and ${LOW_RATE}/s × ${LOW_SECONDS} s per round; load average at start ${loadAtStart}`);
    // The services' own defaults, as deployed, not the tests' smaller pools and faster polling. The per-person
    // rate limit stays on (its check costs the same) but is raised out of reach: all the load comes from the
    // demo's one lead caseworker here, where a network's comes from many people.
    const nodeOptions = process.env.BENCH_SERVICE_NODE_OPTIONS;
    const defaults = {
      DATABASE_POOL_MAX: undefined,
      OUTBOX_POLL_INTERVAL_MS: undefined,
      RATE_LIMIT_REQUESTS: '1000000',
      ...(nodeOptions === undefined || nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }),
    };
    hub = await startE2eHub('inbox-bench', {
      serviceEnv: {
        directory: defaults,
        consent: defaults,
        referrals: defaults,
        notifications: { ...defaults, SMTP_URL: smtp.url },
      },
    });
    const running = hub;
    current = hub;
    log(`hub started in ${((now() - started) / 1000).toFixed(1)} s`);

    const demo = await DemoCase.open({ hub: running.endpoints, token: running.token, mailbox: running.mailbox });
    await demo.recordConsents();
    await demo.findServices();
    const service = demo.services.clinic?.chosen;
    if (service === undefined) throw new Error('the clinic service was not found');
    // One referral made and submitted the demo's way: it waits until referrals knows the clinic.
    await demo.refer('clinic');

    // A submit tells the receiving service's focal points only: its e-mail is known by the referral code
    // its subject names (the first to arrive, if the service has several focal points).
    const waiting = new Map<string, (at: number) => void>();
    smtp.onMail((mail) => {
      const code = /REF-[0-9A-Z]{5}/.exec(mail.subject)?.[0];
      if (code !== undefined) waiting.get(code)?.(mail.at);
    });

    const leadAuth = `Bearer ${await running.token(demo.claimsOf('lead'))}`;
    const body = JSON.stringify({
      caseCode: demo.caseCode,
      recipientOrganizationId: service.organizationId,
      recipientServiceId: service.id,
      ...(service.types[0] === undefined ? {} : { recipientServiceType: service.types[0] }),
      urgency: 'high',
      need: { category: 'unaccompanied_or_separated', text: 'Bilan de santé pédiatrique demandé.' },
      caseCategories: ['psychosocial_distress'],
      payload: DEMO_PAYLOAD,
    });
    const post = (path: string, content: string) =>
      fetch(new URL(path, running.endpoints.referralsUrl), { method: 'POST', headers: { authorization: leadAuth, 'content-type': 'application/json' }, body: content });

    const warmup = Math.round(LOW_RATE * 2);
    const warmupHigh = Math.round(HIGH_RATE * WARMUP_SECONDS);
    const needed = warmupHigh + warmup + ROUNDS * (Math.round(HIGH_RATE * HIGH_SECONDS) + Math.round(LOW_RATE * LOW_SECONDS));
    const createStart = now();
    const drafts: Draft[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < needed) {
          next += 1;
          const response = await post('/v1/referrals', body);
          const created = (await response.json()) as { id?: string; code?: string };
          if (response.status !== 201 || created.id === undefined || created.code === undefined) throw new Error(`create answered ${response.status}`);
          drafts.push({ id: created.id, code: created.code });
        }
      }),
    );
    log(`${drafts.length} draft referrals created beforehand in ${((now() - createStart) / 1000).toFixed(1)} s (not measured)`);

    const submitLatencies: number[] = [];
    const hubRound = async (rate: number, count: number, side: Side | undefined): Promise<void> => {
      const batch = drafts.splice(0, count);
      const results: number[] = [];
      const arrivals = batch.map(
        (draft) =>
          new Promise<number | undefined>((resolve) => {
            waiting.set(draft.code, (at) => resolve(at));
            setTimeout(() => resolve(undefined), DRAIN_TIMEOUT_MS + (count / rate) * 1000).unref();
          }),
      );
      const startedAt: number[] = [];
      await openLoop(rate, batch.length, async (i) => {
        const draft = batch[i];
        if (draft === undefined) return;
        startedAt[i] = now();
        const response = await post(`/v1/referrals/${draft.id}/submit`, '{}');
        await response.arrayBuffer();
        if (side === undefined) return;
        if (response.status === 200) submitLatencies.push(now() - (startedAt[i] ?? 0));
        else side.failed.set(response.status, (side.failed.get(response.status) ?? 0) + 1);
      });
      const arrived = await Promise.all(arrivals);
      let missing = 0;
      const samples: Sample[] = [];
      arrived.forEach((at, i) => {
        const begin = startedAt[i];
        const draft = batch[i];
        if (at === undefined || begin === undefined || draft === undefined) missing += 1;
        else {
          results.push(at - begin);
          samples.push({ referralId: draft.id, start: begin, accepted: at });
        }
      });
      for (const draft of batch) waiting.delete(draft.code);
      if (side !== undefined) {
        side.latencies.push(...results);
        side.missing += missing;
        side.perRoundP99.push(percentile(results, 99));
        side.samples.push(...samples);
      }
    };

    // Warm-up of both sides (JIT, pools, connections, queues), not counted: first at the high rate, so
    // that the first measured round is not the one where V8 compiles the hot paths of four services.
    await hubRound(HIGH_RATE, warmupHigh, undefined);
    await rawAmqpRound(running.amqpUrl, HIGH_RATE, warmupHigh, emptySide());
    await hubRound(LOW_RATE, warmup, undefined);
    await rawAmqpRound(running.amqpUrl, LOW_RATE, warmup, emptySide());

    const measure = async (rate: number, seconds: number) => {
      const count = Math.round(rate * seconds);
      const hubSide = emptySide();
      const bareSide = emptySide();
      for (let round = 1; round <= ROUNDS; round += 1) {
        await rawAmqpRound(running.amqpUrl, rate, count, bareSide);
        await hubRound(rate, count, hubSide);
        log(`  ${rate}/s round ${round}: hub p99 ${ms(hubSide.perRoundP99.at(-1) ?? Number.NaN)}, raw AMQP p99 ${ms(bareSide.perRoundP99.at(-1) ?? Number.NaN)}`);
      }
      return { rate, count, hubSide, bareSide };
    };
    const high = await measure(HIGH_RATE, HIGH_SECONDS);
    const low = await measure(LOW_RATE, LOW_SECONDS);

    log('');
    log(`| rate | samples (hub / raw) | hub submit → e-mail p50 / p95 / p99 | raw AMQP p50 / p99 | ratio of p99 | missing e-mails |`);
    log(`|---|---|---|---|---|---|`);
    for (const r of [high, low]) {
      const h = r.hubSide.latencies;
      const b = r.bareSide.latencies;
      const ratio = percentile(h, 99) / percentile(b, 99);
      log(`| ${r.rate}/s | ${h.length} / ${b.length} | ${ms(percentile(h, 50))} / ${ms(percentile(h, 95))} / ${ms(percentile(h, 99))} | ${ms(percentile(b, 50))} / ${ms(percentile(b, 99))} | ${ratio.toFixed(1)}x | ${r.hubSide.missing} |`);
    }
    const failures = (side: Side) => [...side.failed].map(([status, n]) => `${n} × ${status}`).join(', ') || 'none';
    log(`submit request alone (all measured rounds): p50 ${ms(median(submitLatencies))}, p99 ${ms(percentile(submitLatencies, 99))}; failed submits at ${HIGH_RATE}/s: ${failures(high.hubSide)}, at ${LOW_RATE}/s: ${failures(low.hubSide)}`);
    log(`per-round p99s, 50/s hub: ${high.hubSide.perRoundP99.map(ms).join(', ')}; raw: ${high.bareSide.perRoundP99.map(ms).join(', ')}`);
    log(`per-round p99s, 10/s hub: ${low.hubSide.perRoundP99.map(ms).join(', ')}; raw: ${low.bareSide.perRoundP99.map(ms).join(', ')}`);
    for (const r of [high, low]) log(`where the time goes at ${r.rate}/s (p50 / p99 of each step, ms):\n${await stages(running, r.hubSide.samples)}`);
    log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; total ${((now() - started) / 1000).toFixed(0)} s`);
    for (const [id, r] of [
      ['submit-email-50', high],
      ['submit-email-10', low],
    ] as const) {
      const hubP99 = percentile(r.hubSide.latencies, 99);
      const bareP99 = percentile(r.bareSide.latencies, 99);
      const complete = r.hubSide.missing === 0 && r.bareSide.missing === 0 && r.hubSide.failed.size === 0;
      const ratio = complete && bareP99 > 0 ? Math.round((hubP99 / bareP99) * 10) / 10 : null;
      log(
        `BENCH_ROW ${JSON.stringify({
          id,
          path: `submit -> email accepted by SMTP, p99 at ${r.rate} referrals/s`,
          hub: `p99 ${ms(hubP99)} (p50 ${ms(percentile(r.hubSide.latencies, 50))})${r.hubSide.missing > 0 ? `, ${r.hubSide.missing} e-mails missing` : ''}${r.hubSide.failed.size > 0 ? `, submits failed: ${failures(r.hubSide)}` : ''}`,
          bare: `raw AMQP p99 ${ms(bareP99)}`,
          ratio,
          ratioText: ratio === null ? 'n/a' : `${ratio.toFixed(1)}x`,
          goal: `<= ${GOAL_FACTOR}x`,
          met: ratio !== null && ratio <= GOAL_FACTOR,
        })}`,
      );
    }
  } finally {
    current = undefined;
    await closeE2eHub(hub);
    await smtp.close();
  }
}

// Stopped by hand: still remove the hub's processes, databases, queues and keys.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`submit-to-inbox bench: ${signal}, cleaning up\n`);
    void closeE2eHub(current).finally(() => process.exit(130));
  });
}

/**
 * The hub's latency split by what its databases recorded (PostgreSQL's clock, the same machine's; each
 * `now()` is its transaction's start): the submit's transaction (outbox row created), the relay's batch
 * that published it, the notifications consumer's transaction (inbox row), the SMTP server taking the e-mail.
 */
async function stages(hub: E2eHub, samples: readonly Sample[]): Promise<string> {
  const logger = createLogger({ service: 'bench', version: '0', level: 'silent' });
  const referrals = createPool({ connectionString: hub.databaseUrls.referrals, max: 1, logger });
  const notifications = createPool({ connectionString: hub.databaseUrls.notifications, max: 1, logger });
  try {
    const ids = samples.map((s) => s.referralId);
    const outbox = await referrals.query<{ subject: string; id: string; created: number; published: number | null }>(
      `SELECT subject, id::text, extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM published_at) * 1000 AS published
         FROM outbox_message WHERE event_type = 'referral.submitted' AND subject = ANY($1::text[])`,
      [ids],
    );
    const inbox = await notifications.query<{ event_id: string; received: number }>(
      `SELECT event_id, extract(epoch FROM received_at) * 1000 AS received FROM inbox_message WHERE event_type = 'referral.submitted' AND event_id = ANY($1::text[])`,
      [outbox.rows.map((r) => r.id)],
    );
    const byReferral = new Map(outbox.rows.map((r) => [r.subject, r]));
    const received = new Map(inbox.rows.map((r) => [r.event_id, Number(r.received)]));
    const steps: Record<string, number[]> = {
      'submit start → its transaction began': [],
      'its transaction began → relay batch that published it': [],
      'relay batch → notifications inbox transaction': [],
      'inbox transaction → e-mail taken by SMTP': [],
    };
    for (const sample of samples) {
      const row = byReferral.get(sample.referralId);
      const inboxAt = row === undefined ? undefined : received.get(row.id);
      if (row === undefined || row.published === null || inboxAt === undefined) continue;
      const created = Number(row.created);
      const published = Number(row.published);
      steps['submit start → its transaction began']?.push(created - sample.start);
      steps['its transaction began → relay batch that published it']?.push(published - created);
      steps['relay batch → notifications inbox transaction']?.push(inboxAt - published);
      steps['inbox transaction → e-mail taken by SMTP']?.push(sample.accepted - inboxAt);
    }
    return Object.entries(steps)
      .map(([step, values]) => `  ${step}: ${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`)
      .join('\n');
  } finally {
    await referrals.end();
    await notifications.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`submit-to-inbox bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
