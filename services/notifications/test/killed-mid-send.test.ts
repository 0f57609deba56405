/**
 * Issue 11, point 4: the service killed (SIGKILL) while webhooks are being
 * sent loses nothing, and sends again only what the receiver had taken when the
 * process died and the log could not say so (the window of ADR 0013), with the
 * same `webhook-id` and the same body.
 *
 * The service runs as a child process (as in production) against real
 * PostgreSQL, RabbitMQ and Redis; the receiver is a local fake subscriber that
 * takes each webhook and answers 200 ms later, so that deliveries are in that
 * window when the process dies.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openProducer } from '@referral-hub/testkit';
import type { Producer, ServiceTestEnv } from '@referral-hub/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationsTestEnv, redisUrl, referralAccepted } from './support.js';

const EVENTS = 300;
const CONCURRENCY = 10;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const serviceRoot = fileURLToPath(new URL('..', import.meta.url));

type Received = { id: string; body: string; headers: IncomingHttpHeaders };

function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      received.push({ id: typeof id === 'string' ? id : '', body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      setTimeout(() => res.writeHead(204).end(), 200);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received })));
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let testEnv: ServiceTestEnv | undefined;
let producer: Producer | undefined;
let child: ChildProcess | undefined;
let db: pg.Client | undefined;
let log = '';

/** Starts the service as a process, as `npm start` does, and resolves once it answers `/readyz`. */
async function startService(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const started = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', 'src/start.ts'], {
    cwd: serviceRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  started.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (started.exitCode !== null) throw new Error(`the service exited at start:\n${log.slice(-3000)}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) return started;
    if (Date.now() > deadline) throw new Error(`the service did not become ready:\n${log.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function kill(process: ChildProcess): Promise<void> {
  if (process.exitCode !== null || process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    process.once('exit', () => resolve());
    process.kill('SIGKILL');
  });
}

beforeAll(async () => {
  receiver = await startReceiver();
  testEnv = await createNotificationsTestEnv('notifications-killed', {
    WEBHOOK_ALLOW_HTTP: 'true',
    DELIVERY_CONCURRENCY: String(CONCURRENCY),
    DELIVERY_ATTEMPTS: '5',
    DELIVERY_BACKOFF_MS: '50',
    DELIVERY_LEASE_MS: '1000',
    LOG_LEVEL: 'warn',
  });
  db = new pg.Client({ connectionString: testEnv.env.DATABASE_URL });
  await db.connect();
  producer = await openProducer({ url: testEnv.amqpUrl, exchange: testEnv.exchange });
});

afterAll(async () => {
  if (child !== undefined) await kill(child);
  if (testEnv !== undefined) {
    const queue = new Queue('deliveries', { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: testEnv.env.NOTIFICATIONS_QUEUE_PREFIX ?? '' });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  await producer?.close();
  await db?.end();
  await testEnv?.cleanup();
  await new Promise((resolve) => (receiver ? receiver.server.close(resolve) : resolve(undefined)));
});

describe('the service killed while sending', () => {
  it(`loses no webhook, and sends again only those the receiver had taken when it died, with the same webhook-id and body`, async () => {
    if (testEnv === undefined || db === undefined || producer === undefined) throw new Error('not set up');
    const env = testEnv.env;
    const org = randomUUID();
    // A subscription as stored before secrets were encrypted (still read): no HTTP call needed to make it.
    await db.query('INSERT INTO webhook_subscription (id, organization_id, url, event_types, secret, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [
      randomUUID(),
      org,
      receiver.url,
      ['referral.accepted'],
      SECRET,
      'test',
    ]);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    child = await startService(env, port);
    for (let i = 0; i < EVENTS; i += 1) await producer.publish(referralAccepted(org, randomUUID()));

    // Killed in the middle: some delivered, some taken by the receiver and not yet answered, most waiting.
    await expect.poll(() => receiver.received.length, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(EVENTS / 3);
    await kill(child);
    const atKill = receiver.received.length;
    child = await startService(env, port);

    // Everything arrives: BullMQ hands the dead worker's jobs out again, the claims' leases run out.
    const distinct = () => new Set(receiver.received.map((r) => r.id)).size;
    await expect.poll(distinct, { timeout: 120_000, interval: 200 }).toBe(EVENTS);
    const settled = async () => Number((await db?.query("SELECT count(*) AS n FROM delivery WHERE status = 'sent'"))?.rows[0]?.n ?? 0);
    // The rows the dead worker held stay `sending` until BullMQ's stalled-job check (every 30 s) hands their
    // jobs out again and their lease is over: allow for a whole check period and a loaded machine.
    await expect.poll(settled, { timeout: 120_000, interval: 200 }).toBe(EVENTS);

    const byId = new Map<string, Received[]>();
    for (const r of receiver.received) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    const twice = [...byId.values()].filter((copies) => copies.length > 1);
    process.stdout.write(`killed after ${atKill} of ${EVENTS} webhooks were taken; ${receiver.received.length} received in all, ${twice.length} twice\n`);
    // At most what was in the window when the process died: one per delivery being sent at once, and never three.
    expect(twice.length).toBeLessThanOrEqual(CONCURRENCY);
    expect(twice.every((copies) => copies.length === 2)).toBe(true);
    // Each copy is the same message: same webhook-id and body, each signed validly, for the receiver to drop.
    for (const copies of twice) {
      expect(new Set(copies.map((c) => c.body)).size).toBe(1);
      for (const copy of copies) {
        const headers = { 'webhook-id': copy.id, 'webhook-timestamp': String(copy.headers['webhook-timestamp']), 'webhook-signature': String(copy.headers['webhook-signature']) };
        expect(() => new Webhook(SECRET).verify(copy.body, headers)).not.toThrow();
      }
    }
    // The log counts the attempt that died.
    const again = await db.query<{ attempts: number }>('SELECT attempts FROM delivery WHERE id = ANY($1::uuid[])', [twice.map((copies) => copies[0]?.id ?? '')]);
    expect(again.rows.every((row) => row.attempts >= 2)).toBe(true);
  }, 330_000);
});
