import { randomUUID } from 'node:crypto';
import { buildEvent, validateEvent } from '@referral-hub/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopology, uniqueTopologyNames } from '../../../testkit/src/amqp.js';
import {
  connectAmqp,
  enqueueEvent,
  InvalidEventError,
  startConsumer,
  startOutboxRelay,
  topologyFor,
  type AmqpConnection,
  type EventConsumer,
  type EventValidator,
  type OutboxRelay,
} from '../../src/messaging/index.js';
import { AMQP_URL, createTestDatabase, eventually, pgTransaction, testLogger, type TestDatabase } from './helpers.js';

// The catalogue's validator is exactly the injected shape.
const validator: EventValidator = validateEvent;

const names = uniqueTopologyNames('contracts');
const referrals = names.consumer('referrals');
const topology = topologyFor({ exchange: names.exchange, consumers: [{ name: referrals, bindings: ['consent.#'] }], retryDelayMs: 100 });

let db: TestDatabase;
let amqp: AmqpConnection;
let relay: OutboxRelay;
let consumer: EventConsumer;
const seen: string[] = [];

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
      'consent.withdrawn': async (event, tx) => {
        seen.push(event.id);
        const data = event.data as { consentId: string };
        await tx.$executeRawUnsafe('INSERT INTO withdrawn (consent_id) VALUES ($1)', data.consentId);
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
});
