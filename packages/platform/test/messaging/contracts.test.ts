import { randomUUID } from 'node:crypto';
import { buildEvent, validateEvent, type CloudEvent } from '@referral-hub/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopology, uniqueTopologyNames } from '../../../testkit/src/amqp.js';
import { runWithContext } from '../../src/context.js';
import {
  connectAmqp,
  createOutbox,
  enqueueEvent,
  eventSourceOf,
  InvalidEventError,
  startConsumer,
  startOutboxRelay,
  topologyFor,
  type AmqpConnection,
  type EventConsumer,
  type EventHandlers,
  type EventValidator,
  type OutboxRelay,
} from '../../src/messaging/index.js';
import { AMQP_URL, createTestDatabase, eventually, pgTransaction, testLogger, type TestDatabase } from './helpers.js';

// The catalogue's validator is exactly the injected shape.
const validator: EventValidator<CloudEvent> = validateEvent;

// Checked by the compiler: a handler map's keys are the catalogue's types and families, and each handler's data is typed.
export const typedHandlers: EventHandlers<CloudEvent> = {
  'consent.override_revoked': (event) => Promise.resolve(void event.data.overrideId.length),
  // @ts-expect-error -- not an event type of the catalogue
  'consent.withdrew': () => Promise.resolve(),
};

const names = uniqueTopologyNames('contracts');
const referrals = names.consumer('referrals');
const topology = topologyFor({ exchange: names.exchange, consumers: [{ name: referrals, bindings: ['consent.#'] }], retryDelayMs: 100 });

let db: TestDatabase;
let amqp: AmqpConnection;
let relay: OutboxRelay;
let consumer: EventConsumer;
const seen: string[] = [];
/** What the handlers were given, by event id: the event as typed, and the request id of the delivery. */
const received = new Map<string, { event: CloudEvent; requestId: string }>();

beforeAll(async () => {
  db = await createTestDatabase('CREATE TABLE withdrawn (consent_id uuid NOT NULL);');
  amqp = await connectAmqp({ url: AMQP_URL, logger: testLogger, name: 'contracts-test', topology });
  relay = startOutboxRelay({ pool: db.pool, amqp, exchange: names.exchange, validator, logger: testLogger, pollIntervalMs: 100 });
  consumer = await startConsumer({
    amqp,
    consumer: referrals,
    validator,
    logger: testLogger,
    transaction: pgTransaction(db.pool),
    handlers: {
      'consent.withdrawn': async (event, tx, ctx) => {
        seen.push(event.id);
        received.set(event.id, { event, requestId: ctx.requestId });
        await tx.$executeRawUnsafe('INSERT INTO withdrawn (consent_id) VALUES ($1)', event.data.consentId);
      },
      // The rest of the family, typed as any consent event.
      'consent.#': (event, _tx, ctx) => {
        received.set(event.id, { event, requestId: ctx.requestId });
        return Promise.resolve();
      },
    },
  });
});

afterAll(async () => {
  await consumer.stop();
  await relay.stop();
  await amqp.close();
  await deleteTopology(AMQP_URL, topology);
  await db.drop();
});

describe('with the hub event catalogue', () => {
  it('an event built by contracts travels from the outbox to the consuming service, and one breaking its schema is refused', async () => {
    const consentId = randomUUID();
    const event = buildEvent(
      'consent.withdrawn',
      { consentId, caseCode: 'CASE-0001', organizationId: randomUUID(), withdrawnAt: new Date().toISOString(), reasonCode: 'family_request' },
      { source: '/services/consent', subject: consentId },
    );
    const broken = { ...event, id: randomUUID(), data: { ...event.data, reasonCode: 'bored' } };
    const transaction = pgTransaction(db.pool);

    await expect(transaction((tx) => enqueueEvent(tx, broken, { validator }))).rejects.toMatchObject({
      name: 'InvalidEventError',
      errors: [expect.objectContaining({ field: 'data.reasonCode' })],
    });
    await expect(transaction((tx) => enqueueEvent(tx, broken, { validator }))).rejects.toBeInstanceOf(InvalidEventError);

    await transaction((tx) => enqueueEvent(tx, event, { validator }));
    await eventually(() => seen.includes(event.id), 10_000, 'consumed');
    const rows = await db.pool.query('SELECT consent_id FROM withdrawn');
    expect(rows.rows).toEqual([{ consent_id: consentId }]);
    expect(seen).not.toContain(broken.id);
  });

  it("a service's outbox builds the event with its source and the request's correlation, which the handler receives typed", async () => {
    const outbox = createOutbox({ source: eventSourceOf('consent'), validator });
    const transaction = pgTransaction(db.pool);
    const consentId = randomUUID();
    const organizationId = randomUUID();
    const withdrawnAt = new Date('2026-12-01T09:30:00.000Z');
    const published = await runWithContext({ requestId: 'req-withdraw-1' }, () =>
      transaction((tx) =>
        outbox.publish(tx, 'consent.withdrawn', { consentId, caseCode: 'CASE-0002', organizationId, withdrawnAt: withdrawnAt.toISOString(), reasonCode: 'family_request' }, { subject: consentId, time: withdrawnAt }),
      ),
    );
    // Outside any request (a scheduled job): a request id is made, the same in the event and on its message.
    const expired = await transaction((tx) =>
      outbox.publish(tx, 'consent.expired', { consentId, caseCode: 'CASE-0002', organizationId, expiredAt: withdrawnAt.toISOString() }, { subject: consentId }),
    );

    await eventually(() => received.has(published.id) && received.has(expired.id), 10_000, 'both consumed');
    const withdrawn = received.get(published.id);
    expect(withdrawn?.requestId).toBe('req-withdraw-1');
    expect(withdrawn?.event).toMatchObject({
      type: 'consent.withdrawn',
      source: '/services/consent',
      subject: consentId,
      time: withdrawnAt.toISOString(),
      correlationid: 'req-withdraw-1',
      data: { consentId, organizationId, reasonCode: 'family_request' },
    });
    const later = received.get(expired.id);
    expect(later?.event).toMatchObject({ type: 'consent.expired', source: '/services/consent', subject: consentId });
    expect(later?.event.correlationid).toBe(later?.requestId);
    expect(later?.requestId).not.toBe('req-withdraw-1');
  });

  it("a one-statement write's outbox row is the same event as a published one: envelope, source and correlation", () => {
    const outbox = createOutbox({ source: eventSourceOf('referrals'), validator });
    const consentId = randomUUID();
    const row = runWithContext({ requestId: 'req-row-1' }, () =>
      outbox.row('consent.expired', { consentId, caseCode: 'CASE-0003', organizationId: randomUUID(), expiredAt: new Date().toISOString() }, { subject: consentId }),
    );
    const payload: unknown = JSON.parse(row.payload);
    const headers: unknown = JSON.parse(row.headers);
    expect(validateEvent(payload).ok).toBe(true);
    expect(payload).toMatchObject({ id: row.id, type: 'consent.expired', source: '/services/referrals', subject: consentId, correlationid: 'req-row-1' });
    expect(headers).toEqual({ 'x-request-id': 'req-row-1' });
    expect(row).toMatchObject({ type: 'consent.expired', subject: consentId });
  });
});
