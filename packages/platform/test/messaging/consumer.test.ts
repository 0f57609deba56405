import { connect, type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deleteTopology, uniqueTopologyNames } from '../../../testkit/src/amqp.js';
import { startTcpProxy } from '../../../testkit/src/tcp-proxy.js';
import { currentRequestId } from '../../src/context.js';
import { AppError } from '../../src/errors.js';
import {
  connectAmqp,
  createPublisher,
  InvalidEventError,
  listDeadLetters,
  replayDeadLetters,
  startConsumer,
  topicMatches,
  topologyFor,
  type AmqpConnection,
  type DeadLetterListing,
  type EventConsumer,
  type EventHandler,
  type EventPublisher,
} from '../../src/messaging/index.js';
import type { SqlClient } from '../../src/db/types.js';
import {
  AMQP_URL,
  buildThingEvent,
  createTestDatabase,
  eventually,
  pgTransaction,
  sleep,
  TEST_EVENT_TYPE,
  testLogger,
  testValidator,
  type TestDatabase,
} from './helpers.js';

const names = uniqueTopologyNames('consumer');
const main = names.consumer('main');
const flaky = names.consumer('flaky');
const remote = names.consumer('remote');
const other = names.consumer('other');
const slow = names.consumer('slow');
const twoStep = names.consumer('two-step');
const topology = topologyFor({
  exchange: names.exchange,
  consumers: [
    { name: main, bindings: ['test.#'] },
    { name: flaky, bindings: [] },
    { name: remote, bindings: [] },
    { name: other, bindings: [] },
    { name: slow, bindings: [] },
    { name: twoStep, bindings: [] },
  ],
  retryDelayMs: 100,
  deliveryLimit: 5,
});

let db: TestDatabase;
let amqp: AmqpConnection;
let publisher: EventPublisher;
let admin: ChannelModel;
let adminChannel: Channel;
let consumer: EventConsumer;
/** Handler invocations per event id, including failed ones. */
const calls = new Map<string, number>();
const handlerRequestIds: string[] = [];
let broken = false;

/** Records one effect per successful handling in the handler's transaction. */
const applyThing: EventHandler<SqlClient> = async (event, tx, ctx) => {
  calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
  handlerRequestIds.push(`${ctx.requestId}|${currentRequestId() ?? ''}`);
  await tx.$executeRawUnsafe('INSERT INTO effect (event_id, attempt) VALUES ($1, $2)', event.id, ctx.attempt);
  if (broken) {
    throw new AppError('thing_down', 503, 'Things are down', { detail: 'x'.repeat(500) });
  }
};

async function effects(eventId: string): Promise<number> {
  const result = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM effect WHERE event_id = $1', [eventId]);
  return result.rows[0]?.n ?? 0;
}

async function queueDepth(queue: string): Promise<number> {
  return (await adminChannel.checkQueue(queue)).messageCount;
}

beforeAll(async () => {
  db = await createTestDatabase('CREATE TABLE effect (event_id text NOT NULL, attempt int NOT NULL);');
  admin = await connect(AMQP_URL);
  adminChannel = await admin.createChannel();
  amqp = await connectAmqp({ url: AMQP_URL, logger: testLogger, name: 'consumer-test', topology, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
  publisher = createPublisher({ amqp, exchange: names.exchange, validator: testValidator, logger: testLogger });
  consumer = await startConsumer({
    amqp,
    consumer: main,
    validator: testValidator,
    logger: testLogger,
    prefetch: 5,
    maxAttempts: 3,
    transaction: pgTransaction(db.pool),
    handlers: { 'test.thing.*': applyThing },
  });
  expect(consumer.isConsuming()).toBe(true);
});

afterAll(async () => {
  await consumer.stop();
  await publisher.close();
  await amqp.close();
  await admin.close();
  await deleteTopology(AMQP_URL, topology);
  await db.drop();
});

beforeEach(() => {
  broken = false;
});

describe('consumer with inbox', () => {
  it('the same event delivered twice has one effect', async () => {
    const event = buildThingEvent();
    await publisher.publish(event);
    await publisher.publish(event);
    await eventually(() => consumer.stats().duplicates >= 1, 10_000, 'duplicate seen');
    await eventually(async () => (await queueDepth(`${main}.events`)) === 0, 5000, 'queue empty');
    expect(await effects(event.id)).toBe(1);
    expect(calls.get(event.id)).toBe(1);
    const inbox = await db.pool.query('SELECT consumer, event_type FROM inbox_message WHERE event_id = $1', [event.id]);
    expect(inbox.rows).toEqual([{ consumer: main, event_type: TEST_EVENT_TYPE }]);
  });

  it('runs the handler in the context of the request that published the event', async () => {
    const event = buildThingEvent();
    handlerRequestIds.length = 0;
    await publisher.publish(event, { 'x-request-id': 'req-consumer-7' });
    await eventually(async () => (await effects(event.id)) === 1, 10_000, 'handled');
    expect(handlerRequestIds).toEqual(['req-consumer-7|req-consumer-7']);
  });

  it('a message that keeps failing is retried, then dead-lettered with its last error, listed without loss, and replayed after the fix', async () => {
    broken = true;
    const first = buildThingEvent();
    const second = buildThingEvent();
    await publisher.publish(first);
    await publisher.publish(second);
    await eventually(async () => (await queueDepth(`${main}.events.dlq`)) === 2, 10_000, 'both dead-lettered');
    // Three attempts each, and the failed attempts left no effect behind.
    expect(calls.get(first.id)).toBe(3);
    expect(calls.get(second.id)).toBe(3);
    expect(await effects(first.id)).toBe(0);

    const listing = await listDeadLetters({ amqp, consumer: main, limit: 10 });
    expect(listing.total).toBe(2);
    expect(new Set(listing.messages.map((m) => m.eventId))).toEqual(new Set([first.id, second.id]));
    const listed = listing.messages.find((m) => m.eventId === first.id);
    expect(listed).toMatchObject({ eventType: TEST_EVENT_TYPE, time: first.time, attempts: 3, deathReason: 'max_attempts' });
    expect(listed?.lastError?.code).toBe('thing_down');
    expect(listed?.lastError?.message.length).toBeLessThanOrEqual(200);
    // Listing lost nothing and kept the order.
    const again = await listDeadLetters({ amqp, consumer: main, limit: 10 });
    expect(again.messages.map((m) => m.eventId)).toEqual(listing.messages.map((m) => m.eventId));
    // (A quorum queue reports returned messages in its count after a short lag.)
    await eventually(async () => (await queueDepth(`${main}.events.dlq`)) === 2, 5000, 'both still dead-lettered');

    broken = false;
    const replayOne = await replayDeadLetters({ amqp, consumer: main, eventIds: [first.id, 'no-such-id'] });
    expect(replayOne).toEqual({ replayed: 1, kept: 1, notFound: ['no-such-id'] });
    await eventually(async () => (await effects(first.id)) === 1, 10_000, 'first handled after replay');
    const effect = await db.pool.query('SELECT attempt FROM effect WHERE event_id = $1', [first.id]);
    expect(effect.rows).toEqual([{ attempt: 1 }]);
    expect(await effects(second.id)).toBe(0);

    const replayAll = await replayDeadLetters({ amqp, consumer: main, all: true });
    expect(replayAll).toMatchObject({ replayed: 1, kept: 0 });
    await eventually(async () => (await effects(second.id)) === 1, 10_000, 'second handled after replay');
    expect(await queueDepth(`${main}.events.dlq`)).toBe(0);
  });

  it('refuses an invalid event at publish and dead-letters poison messages at consume without running the handler', async () => {
    const invalid = buildThingEvent({ data: { thingId: 'nope', count: 1 } });
    await expect(publisher.publish(invalid)).rejects.toBeInstanceOf(InvalidEventError);

    const deadBefore = consumer.stats().deadLettered;
    const schemaInvalid = buildThingEvent({ data: { count: 'many' } });
    adminChannel.publish(names.exchange, TEST_EVENT_TYPE, Buffer.from(JSON.stringify(schemaInvalid)), { messageId: schemaInvalid.id });
    adminChannel.publish(names.exchange, TEST_EVENT_TYPE, Buffer.from('{"not json'), { messageId: 'raw-1' });
    await eventually(() => consumer.stats().deadLettered === deadBefore + 2, 10_000, 'poison dead-lettered');
    await eventually(async () => (await queueDepth(`${main}.events.dlq`)) === 2, 5000, 'poison in the DLQ');

    const listing = await listDeadLetters({ amqp, consumer: main });
    const reasons = Object.fromEntries(listing.messages.map((m) => [m.eventId, m]));
    expect(reasons[schemaInvalid.id]).toMatchObject({ deathReason: 'invalid_event', lastError: { code: 'invalid_event' } });
    expect(reasons[schemaInvalid.id]?.lastError?.message).toMatch(/\/data/);
    expect(reasons['raw-1']).toMatchObject({ deathReason: 'unparseable' });
    expect(calls.has(invalid.id)).toBe(false);
    expect(calls.has(schemaInvalid.id)).toBe(false);
    expect(await effects(schemaInvalid.id)).toBe(0);
    await adminChannel.purgeQueue(`${main}.events.dlq`);
  });

  it('acknowledges an event it has no handler for', async () => {
    const otherConsumer = await startConsumer({
      amqp,
      consumer: other,
      validator: testValidator,
      logger: testLogger,
      transaction: pgTransaction(db.pool),
      handlers: { 'referral.#': applyThing },
    });
    try {
      const event = buildThingEvent();
      adminChannel.sendToQueue(`${other}.events`, Buffer.from(JSON.stringify(event)), { messageId: event.id });
      await eventually(() => otherConsumer.stats().unhandled === 1, 10_000, 'unhandled acked');
      expect(await queueDepth(`${other}.events`)).toBe(0);
      expect(await queueDepth(`${other}.events.dlq`)).toBe(0);
      expect(calls.has(event.id)).toBe(false);
    } finally {
      await otherConsumer.stop();
    }
  });

  it('survives a lost broker connection and resumes consuming when it is back', async () => {
    const proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: 5672 });
    const viaProxy = await connectAmqp({ url: proxy.url(AMQP_URL), logger: testLogger, name: 'consumer-behind-proxy', reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
    const remoteConsumer = await startConsumer({
      amqp: viaProxy,
      consumer: remote,
      validator: testValidator,
      logger: testLogger,
      transaction: pgTransaction(db.pool),
      handlers: { [TEST_EVENT_TYPE]: applyThing },
    });
    try {
      const before = buildThingEvent();
      adminChannel.sendToQueue(`${remote}.events`, Buffer.from(JSON.stringify(before)), { messageId: before.id, persistent: true });
      await eventually(async () => (await effects(before.id)) === 1, 10_000, 'handled before the cut');

      const health = viaProxy.healthCheck();
      await expect(health.check(AbortSignal.timeout(2000))).resolves.toBeUndefined();

      proxy.cut();
      await eventually(() => !remoteConsumer.isConsuming(), 5000, 'consumer lost its channel');
      await expect(health.check(AbortSignal.timeout(2000))).rejects.toMatchObject({ code: 'broker_unavailable' });
      const during = buildThingEvent();
      adminChannel.sendToQueue(`${remote}.events`, Buffer.from(JSON.stringify(during)), { messageId: during.id, persistent: true });
      await sleep(500);
      expect(await effects(during.id)).toBe(0);

      proxy.restore();
      await remoteConsumer.waitUntilConsuming(10_000);
      await eventually(async () => (await effects(during.id)) === 1, 10_000, 'handled after the restore');
      await expect(health.check(AbortSignal.timeout(2000))).resolves.toBeUndefined();
    } finally {
      await remoteConsumer.stop();
      await viaProxy.close();
      await proxy.close();
    }
  });

  it('operators list and replay a dead letter after the fix (what `hub dead-letters` calls)', async () => {
    const flakyCalls: string[] = [];
    let fixed = false;
    const flakyConsumer = await startConsumer({
      amqp,
      consumer: flaky,
      validator: testValidator,
      logger: testLogger,
      maxAttempts: 1,
      transaction: pgTransaction(db.pool),
      handlers: {
        [TEST_EVENT_TYPE]: async (event) => {
          flakyCalls.push(event.id);
          if (!fixed) throw new Error('not yet');
        },
      },
    });
    try {
      const event = buildThingEvent();
      adminChannel.sendToQueue(`${flaky}.events`, Buffer.from(JSON.stringify(event)), { messageId: event.id, type: event.type });
      await eventually(async () => (await queueDepth(`${flaky}.events.dlq`)) === 1, 10_000, 'dead-lettered');

      const listing: DeadLetterListing = await listDeadLetters({ amqp, consumer: flaky });
      expect(listing.messages).toEqual([expect.objectContaining({ eventId: event.id, attempts: 1, deathReason: 'max_attempts' })]);

      fixed = true;
      expect(await replayDeadLetters({ amqp, consumer: flaky, eventIds: [event.id] })).toEqual({ replayed: 1, kept: 0, notFound: [] });
      await eventually(() => flakyConsumer.stats().handled === 1, 10_000, 'replayed and handled');
      expect(flakyCalls).toEqual([event.id, event.id]);
      expect(await queueDepth(`${flaky}.events.dlq`)).toBe(0);
    } finally {
      await flakyConsumer.stop();
    }
  });

  it('stop waits for the handler in flight, which commits and is acknowledged', async () => {
    let started = false;
    const slowConsumer = await startConsumer({
      amqp,
      consumer: slow,
      validator: testValidator,
      logger: testLogger,
      transaction: pgTransaction(db.pool),
      handlers: {
        [TEST_EVENT_TYPE]: async (event, tx) => {
          started = true;
          await sleep(400);
          await tx.$executeRawUnsafe('INSERT INTO effect (event_id, attempt) VALUES ($1, 1)', event.id);
        },
      },
    });
    const event = buildThingEvent();
    adminChannel.sendToQueue(`${slow}.events`, Buffer.from(JSON.stringify(event)), { messageId: event.id });
    await eventually(() => started, 5000, 'handler started');
    await slowConsumer.stop();
    expect(slowConsumer.isConsuming()).toBe(false);
    expect(await effects(event.id)).toBe(1);
    await eventually(async () => (await queueDepth(`${slow}.events`)) === 0, 5000, 'acknowledged');
  });

  it('a two-step handler calls out before its transaction opens, queues after the commit, and a duplicate whose call fails is acknowledged', async () => {
    const steps: string[] = [];
    let networkDown = false;
    let afterCommitFails = false;
    const twoStepConsumer = await startConsumer({
      amqp,
      consumer: twoStep,
      validator: testValidator,
      logger: testLogger,
      maxAttempts: 3,
      transaction: pgTransaction(db.pool),
      handlers: {
        [TEST_EVENT_TYPE]: {
          prepare: async (event, ctx) => {
            steps.push(`prepare ${event.id}`);
            // Nothing of this event is written yet: no transaction of it is open.
            expect(await db.pool.query('SELECT 1 FROM inbox_message WHERE consumer = $1 AND event_id = $2', [twoStep, event.id]).then((r) => r.rowCount)).toBe(0);
            if (networkDown) throw new AppError('remote_down', 503, 'The remote service is down');
            const fetched = `fetched for ${event.id}`;
            return async (tx) => {
              steps.push(`transaction ${fetched}`);
              await tx.$executeRawUnsafe('INSERT INTO effect (event_id, attempt) VALUES ($1, $2)', event.id, ctx.attempt);
              ctx.afterCommit(async () => {
                // Seen from another connection: the effect is committed before this runs.
                steps.push(`after commit ${event.id} sees ${await effects(event.id)}`);
                if (afterCommitFails) throw new Error('queue down');
              });
            };
          },
        },
      },
    });
    const send = (event: { id: string }) => adminChannel.sendToQueue(`${twoStep}.events`, Buffer.from(JSON.stringify(event)), { messageId: event.id, persistent: true });
    try {
      const event = buildThingEvent();
      send(event);
      await eventually(() => twoStepConsumer.stats().handled === 1, 10_000, 'handled');
      expect(steps).toEqual([`prepare ${event.id}`, `transaction fetched for ${event.id}`, `after commit ${event.id} sees 1`]);

      // The same event again while the remote service is down: already in the inbox, so acknowledged, not retried.
      networkDown = true;
      send(event);
      await eventually(() => twoStepConsumer.stats().duplicates === 1, 10_000, 'duplicate acknowledged');
      expect(twoStepConsumer.stats().retried).toBe(0);
      expect(await effects(event.id)).toBe(1);

      // A new event while it is down: retried like a failing handler, handled once it is back.
      const later = buildThingEvent();
      send(later);
      await eventually(() => twoStepConsumer.stats().retried >= 1, 10_000, 'retried');
      expect(await effects(later.id)).toBe(0);
      networkDown = false;
      await eventually(async () => (await effects(later.id)) === 1, 10_000, 'handled after the retry');

      // Work after the commit that fails is logged; the event, already recorded, is not retried.
      afterCommitFails = true;
      const third = buildThingEvent();
      send(third);
      await eventually(() => steps.includes(`after commit ${third.id} sees 1`), 10_000, 'after-commit work ran');
      await eventually(async () => (await queueDepth(`${twoStep}.events`)) === 0, 5000, 'acknowledged');
      expect(twoStepConsumer.stats().retried).toBe(1);
      expect(await effects(third.id)).toBe(1);
    } finally {
      await twoStepConsumer.stop();
    }
  });

  it('matches handlers by AMQP topic pattern', () => {
    expect(topicMatches('referral.#', 'referral.submitted')).toBe(true);
    expect(topicMatches('referral.#', 'referral')).toBe(true);
    expect(topicMatches('referral.*', 'referral.status.changed')).toBe(false);
    expect(topicMatches('*.submitted', 'referral.submitted')).toBe(true);
    expect(topicMatches('consent.#', 'referral.submitted')).toBe(false);
  });
});
