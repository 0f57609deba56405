import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deleteTopology, uniqueTopologyNames } from '../../../testkit/src/amqp.js';
import { startTcpProxy, type TcpProxy } from '../../../testkit/src/tcp-proxy.js';
import { runWithContext } from '../../src/context.js';
import {
  connectAmqp,
  enqueueEvent,
  InvalidEventError,
  outboxBacklog,
  outboxRowOf,
  startOutboxRelay,
  topologyFor,
  type AmqpConnection,
  type EventEnvelope,
  type OutboxRelay,
} from '../../src/messaging/index.js';
import { AMQP_URL, buildThingEvent, createTestDatabase, eventually, pgTransaction, sqlClient, sleep, testLogger, testValidator, type TestDatabase } from './helpers.js';

const names = uniqueTopologyNames('outbox');
const sink = names.consumer('sink');
const topology = topologyFor({ exchange: names.exchange, consumers: [{ name: sink, bindings: ['#'] }], retryDelayMs: 1000 });
const sinkQueue = `${sink}.events`;

let db: TestDatabase;
let admin: ChannelModel;
let adminChannel: Channel;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase('CREATE TABLE thing (id uuid PRIMARY KEY);');
  admin = await connect(AMQP_URL);
  adminChannel = await admin.createChannel();
});

afterAll(async () => {
  await admin.close();
  await deleteTopology(AMQP_URL, topology);
  await db.drop();
});

beforeEach(async () => {
  await db.pool.query('TRUNCATE outbox_message');
  // Run cleanups of the previous test in reverse order of creation.
  while (cleanups.length > 0) await cleanups.pop()?.();
});

afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function connectDirect(name: string): Promise<AmqpConnection> {
  const amqp = await connectAmqp({ url: AMQP_URL, logger: testLogger, name, topology, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
  cleanups.push(() => amqp.close());
  return amqp;
}

function relay(amqp: AmqpConnection, extra: { batchSize?: number; pollIntervalMs?: number } = {}): OutboxRelay {
  const started = startOutboxRelay({
    pool: db.pool,
    amqp,
    exchange: names.exchange,
    validator: testValidator,
    logger: testLogger,
    pollIntervalMs: extra.pollIntervalMs ?? 200,
    batchSize: extra.batchSize ?? 10,
    confirmTimeoutMs: 2000,
    retryBackoff: { initialMs: 100, maxMs: 500 },
  });
  cleanups.push(() => started.stop());
  return started;
}

async function enqueue(events: EventEnvelope[]): Promise<void> {
  const transaction = pgTransaction(db.pool);
  for (const event of events) await transaction((tx) => enqueueEvent(tx, event, { validator: testValidator }));
}

/** Takes every message out of the sink queue. */
async function drainSink(): Promise<GetMessage[]> {
  const messages: GetMessage[] = [];
  for (;;) {
    const message = await adminChannel.get(sinkQueue, { noAck: true });
    if (message === false) return messages;
    messages.push(message);
  }
}

async function pending(): Promise<number> {
  return (await outboxBacklog(db.pool)).pending;
}

describe('transactional outbox', () => {
  it('when the broker is unreachable, the outbox keeps the events and publishes each exactly once after it is back', async () => {
    const proxy: TcpProxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: 5672 });
    cleanups.push(() => proxy.close());
    const amqp = await connectAmqp({ url: proxy.url(AMQP_URL), logger: testLogger, name: 'relay-behind-proxy', topology, reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
    cleanups.push(() => amqp.close());
    await adminChannel.purgeQueue(sinkQueue);
    relay(amqp);

    const before = Array.from({ length: 25 }, () => buildThingEvent());
    await enqueue(before);
    await eventually(async () => (await pending()) === 0, 10_000, 'first half published');

    proxy.cut();
    await eventually(() => !amqp.isConnected(), 5000, 'relay disconnected');
    const during = Array.from({ length: 25 }, () => buildThingEvent());
    await enqueue(during);
    await sleep(800);
    const backlog = await outboxBacklog(db.pool);
    expect(backlog.pending).toBe(25);
    expect(backlog.oldestPendingAt).toBeInstanceOf(Date);

    proxy.restore();
    await eventually(async () => (await pending()) === 0, 15_000, 'second half published');

    const ids = (await drainSink()).map((m) => String(m.properties.messageId));
    expect(ids).toHaveLength(50);
    expect(new Set(ids)).toEqual(new Set([...before, ...during].map((e) => e.id)));
  });

  it('two relays on the same table publish each event exactly once', async () => {
    await adminChannel.purgeQueue(sinkQueue);
    const first = relay(await connectDirect('relay-1'), { batchSize: 5, pollIntervalMs: 50 });
    const second = relay(await connectDirect('relay-2'), { batchSize: 5, pollIntervalMs: 50 });
    const events = Array.from({ length: 100 }, () => buildThingEvent());
    // One transaction: both relays are woken by the same commit and compete for the rows.
    await pgTransaction(db.pool)(async (tx) => {
      for (const event of events) await enqueueEvent(tx, event, { validator: testValidator });
    });
    await eventually(async () => (await pending()) === 0, 15_000, 'all published');

    const ids = (await drainSink()).map((m) => String(m.properties.messageId));
    expect(ids).toHaveLength(100);
    expect(new Set(ids).size).toBe(100);
    expect(first.stats().published + second.stats().published).toBe(100);
    expect(first.stats().published).toBeGreaterThan(0);
    expect(second.stats().published).toBeGreaterThan(0);
  });

  it('publishes the event as persistent CloudEvents JSON carrying the request id of the work that enqueued it', async () => {
    await adminChannel.purgeQueue(sinkQueue);
    relay(await connectDirect('relay-props'));
    const event = buildThingEvent({ subject: 'thing/1' });
    await runWithContext({ requestId: 'req-outbox-1' }, () => enqueue([event]));
    await eventually(async () => (await pending()) === 0, 10_000, 'published');
    const [message] = await drainSink();
    expect(message?.properties).toMatchObject({
      messageId: event.id,
      type: event.type,
      contentType: 'application/cloudevents+json',
      deliveryMode: 2,
      headers: expect.objectContaining({ 'x-request-id': 'req-outbox-1' }),
    });
    expect(message?.fields.routingKey).toBe(event.type);
    expect(JSON.parse(message?.content.toString() ?? 'null')).toEqual(event);
    const row = await db.pool.query('SELECT subject, published_at FROM outbox_message WHERE id = $1', [event.id]);
    expect(row.rows[0]).toMatchObject({ subject: 'thing/1', published_at: expect.any(Date) });
  });

  it('when the broker refuses a publish, the relay records the failure, backs off and publishes later without losing or duplicating', async () => {
    await adminChannel.purgeQueue(sinkQueue);
    const running = relay(await connectDirect('relay-refused'), { pollIntervalMs: 50 });
    // Publishing to a missing exchange is refused by the broker (404 closes the channel).
    await adminChannel.deleteExchange(names.exchange);
    const events = Array.from({ length: 5 }, () => buildThingEvent());
    await enqueue(events);
    await eventually(async () => (await outboxBacklog(db.pool)).failedAttempts >= 5, 10_000, 'failures recorded');
    const failed = await db.pool.query<{ last_error: string; available_at: Date; published_at: Date | null }>(
      'SELECT last_error, available_at, published_at FROM outbox_message ORDER BY created_at LIMIT 1',
    );
    expect(failed.rows[0]?.published_at).toBeNull();
    expect(failed.rows[0]?.last_error).toMatch(/404|NOT_FOUND/);

    // The broker comes back to its senses: the exchange exists again.
    await adminChannel.assertExchange(names.exchange, 'topic', { durable: true });
    await adminChannel.bindQueue(sinkQueue, names.exchange, '#');
    await eventually(async () => (await pending()) === 0, 10_000, 'published after recovery');
    const ids = (await drainSink()).map((m) => String(m.properties.messageId));
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    expect(running.stats().failed).toBeGreaterThanOrEqual(5);
  });

  it('publishes right after the enqueuing transaction commits, without waiting for the next poll, and not before', async () => {
    await adminChannel.purgeQueue(sinkQueue);
    const running = relay(await connectDirect('relay-notify'), { pollIntervalMs: 60_000 });
    await sleep(300); // the first (empty) batch is done; the relay now sleeps for a minute
    const event = buildThingEvent();
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await enqueueEvent(sqlClient(client), event, { validator: testValidator });
      await sleep(300);
      expect(running.stats().published).toBe(0);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await eventually(() => running.stats().published === 1, 3000, 'published after commit');
    expect((await drainSink()).map((m) => m.properties.messageId)).toEqual([event.id]);
  });

  it('publishes on its LISTEN connection, and when that connection is killed listens again and catches up, still woken by commits', async () => {
    await adminChannel.purgeQueue(sinkQueue);
    // The relay's own pool, named, so that this test can kill its connections and nothing else.
    const relayPool = new pg.Pool({ connectionString: db.url, max: 3, application_name: 'relay-listen-test' });
    relayPool.on('error', () => undefined);
    cleanups.push(() => relayPool.end());
    const running = startOutboxRelay({ pool: relayPool, amqp: await connectDirect('relay-listen-lost'), exchange: names.exchange, validator: testValidator, logger: testLogger, pollIntervalMs: 60_000 });
    cleanups.push(() => running.stop());
    await sleep(300); // listening; the first (empty) batch is done and the relay sleeps for a minute
    const first = buildThingEvent();
    await enqueue([first]);
    await eventually(() => running.stats().published === 1, 3000, 'woken by the commit');

    await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'relay-listen-test'`);
    const second = buildThingEvent();
    await enqueue([second]);
    // Not the poll (a minute away): listening again, it catches up with what was committed meanwhile.
    await eventually(() => running.stats().published === 2, 10_000, 'caught up after listening again');
    const third = buildThingEvent();
    await enqueue([third]);
    await eventually(() => running.stats().published === 3, 3000, 'woken by the commit again');
    expect((await drainSink()).map((m) => m.properties.messageId)).toEqual([first.id, second.id, third.id]);
  });

  it('refuses an invalid event at enqueue, and the caller’s transaction writes nothing', async () => {
    const invalid = buildThingEvent({ data: { thingId: 'not-a-uuid', count: -1 } });
    const attempt = pgTransaction(db.pool)(async (tx) => {
      await tx.$executeRawUnsafe('INSERT INTO thing (id) VALUES ($1)', invalid.id);
      await enqueueEvent(tx, invalid, { validator: testValidator });
    });
    await expect(attempt).rejects.toBeInstanceOf(InvalidEventError);
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_event', eventType: 'test.thing.happened' });
    expect((error as InvalidEventError).errors?.map((e) => e.field).sort()).toEqual(['/data/count', '/data/thingId']);
    const counts = await db.pool.query<{ things: number; outbox: number }>(
      'SELECT (SELECT count(*) FROM thing)::int AS things, (SELECT count(*) FROM outbox_message)::int AS outbox',
    );
    expect(counts.rows[0]).toEqual({ things: 0, outbox: 0 });
  });

  it('gives the row of a valid event with the request id in its headers, and refuses an invalid one, as enqueue does', () => {
    const event = buildThingEvent();
    const row = runWithContext({ requestId: 'req-outbox-row' }, () => outboxRowOf(event, { validator: testValidator }));
    expect(row).toMatchObject({ id: event.id, type: event.type, subject: event.subject ?? null });
    expect(JSON.parse(row.payload)).toEqual(event);
    expect(JSON.parse(row.headers)).toMatchObject({ 'x-request-id': 'req-outbox-row' });
    expect(() => outboxRowOf(buildThingEvent({ data: { thingId: 'not-a-uuid', count: -1 } }), { validator: testValidator })).toThrow(InvalidEventError);
    expect(() => outboxRowOf(buildThingEvent({ id: 'not-a-uuid' }), { validator: testValidator })).toThrow(InvalidEventError);
  });

  it('parks an event that no longer validates when the relay reads it, instead of retrying it forever', async () => {
    await adminChannel.purgeQueue(sinkQueue);
    const stale = { ...buildThingEvent(), data: { thingId: 'x', count: 1 } };
    const good = buildThingEvent();
    await db.pool.query(
      `INSERT INTO outbox_message (id, event_type, payload) VALUES ($1, $2, $3::jsonb), ($4, $5, $6::jsonb)`,
      [stale.id, stale.type, JSON.stringify(stale), good.id, good.type, JSON.stringify(good)],
    );
    const running = relay(await connectDirect('relay-parking'), { pollIntervalMs: 50 });
    await eventually(() => running.stats().parked === 1 && running.stats().published === 1, 10_000, 'parked and published');
    await sleep(300);
    const row = await db.pool.query<{ attempts: number; last_error: string; published_at: Date | null }>(
      'SELECT attempts, last_error, published_at FROM outbox_message WHERE id = $1',
      [stale.id],
    );
    expect(row.rows[0]).toMatchObject({ attempts: 1, published_at: null });
    expect(row.rows[0]?.last_error).toMatch(/invalid event: \/data\/thingId/);
    expect(await outboxBacklog(db.pool)).toMatchObject({ pending: 0, parked: 1 });
    expect((await drainSink()).map((m) => m.properties.messageId)).toEqual([good.id]);
  });
});
