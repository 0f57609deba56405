import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_TEST_AMQP_URL } from '../src/service-env.js';
import { deleteTopology, uniqueTopologyNames } from '../src/amqp.js';
import { tapEvents } from '../src/event-tap.js';
import type { EventTap } from '../src/event-tap.js';
import { openProducer } from '../src/producer.js';
import type { Producer } from '../src/producer.js';

const url = process.env.TEST_AMQP_URL ?? DEFAULT_TEST_AMQP_URL;
const names = uniqueTopologyNames('testkit-producer');
let tap: EventTap;
let producer: Producer;

beforeAll(async () => {
  // The tap declares the exchange, as the service under test would.
  tap = await tapEvents({ url, exchange: names.exchange });
  producer = await openProducer({ url, exchange: names.exchange });
});

afterAll(async () => {
  await producer?.close();
  await tap?.close();
  await deleteTopology(url, { exchanges: [{ name: names.exchange }], queues: [] });
});

describe('openProducer', () => {
  it('publishes an event as the services do: routed by its type, with its id, type and CloudEvents content type', async () => {
    const event = { specversion: '1.0', id: randomUUID(), type: 'referral.submitted', source: '/test', data: { referralId: randomUUID() } };
    await producer.publish(event, { headers: { 'x-request-id': 'req-1' } });
    await producer.publish({ ...event, id: randomUUID() }, { routingKey: 'elsewhere.key' });

    const [seen] = await tap.waitFor((events) => events.some((e) => e.id === event.id));
    expect(seen).toMatchObject({ id: event.id, type: 'referral.submitted', data: event.data, headers: { 'x-request-id': 'req-1' } });
    // The tap keeps the body and headers; the other properties are read off a queue of our own.
    const { queue } = await producer.channel.assertQueue('', { exclusive: true, autoDelete: true });
    await producer.channel.bindQueue(queue, names.exchange, 'property.check');
    await producer.publish({ id: 'event-1', type: 'property.check' });
    const message = await producer.channel.get(queue, { noAck: true });
    if (message === false) throw new Error('the message did not reach its queue');
    const properties = { ...message.properties, routingKey: message.fields.routingKey };
    expect(properties).toMatchObject({ routingKey: 'property.check', deliveryMode: 2, contentType: 'application/cloudevents+json', messageId: 'event-1', type: 'property.check' });
  });

  it('publishes raw bytes with only the properties given', async () => {
    const id = randomUUID();
    await producer.publishRaw('raw.event', JSON.stringify({ id, type: 'raw.event', data: {} }), { headers: { 'x-attempt': 2 } });
    const events = await tap.waitFor((all) => all.some((e) => e.id === id));
    expect(events.find((e) => e.id === id)?.headers).toEqual({ 'x-attempt': 2 });
  });

  it('rejects when the broker refuses the message (no such exchange)', async () => {
    const elsewhere = await openProducer({ url, exchange: `${names.exchange}.missing` });
    try {
      await expect(elsewhere.publish({ id: randomUUID(), type: 'referral.submitted' })).rejects.toThrow();
    } finally {
      await elsewhere.close();
    }
  });
});
