import { connect, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopology, uniqueTopologyNames } from '../../../testkit/src/amqp.js';
import { declareTopology, toRabbitDefinitions, topologyFor, type Topology } from '../../src/messaging/index.js';
import { AMQP_URL } from './helpers.js';

const names = uniqueTopologyNames('topology');
const referrals = names.consumer('referrals');
const notifications = names.consumer('notifications');
const topology: Topology = topologyFor({
  exchange: names.exchange,
  consumers: [
    { name: referrals, bindings: ['consent.#', 'directory.#'] },
    { name: notifications, bindings: ['referral.#'] },
  ],
  retryDelayMs: 5000,
  deliveryLimit: 7,
});

let connection: ChannelModel;

beforeAll(async () => {
  connection = await connect(AMQP_URL);
  const channel = await connection.createChannel();
  await declareTopology(channel, topology);
  await channel.close();
});

afterAll(async () => {
  await connection.close();
  await deleteTopology(AMQP_URL, topology);
});

/** Runs `fn` on a throwaway channel and reports whether the broker accepted it. */
async function brokerAccepts(fn: (channel: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<unknown>): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await fn(channel);
    await channel.close();
    return true;
  } catch {
    return false;
  }
}

describe('topology', () => {
  it('describes a topic exchange, a dead-letter exchange and three quorum queues per consumer', () => {
    const definitions = toRabbitDefinitions(topology, { vhost: '/' });
    expect(definitions.exchanges).toEqual([
      expect.objectContaining({ name: names.exchange, type: 'topic', durable: true, vhost: '/' }),
      expect.objectContaining({ name: `${names.exchange}.dlx`, type: 'direct', durable: true }),
    ]);
    const queue = definitions.queues.find((q) => q.name === `${referrals}.events`);
    expect(queue?.arguments).toMatchObject({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 7,
      'x-dead-letter-exchange': `${names.exchange}.dlx`,
      'x-dead-letter-routing-key': `${referrals}.events.dlq`,
    });
    const retry = definitions.queues.find((q) => q.name === `${referrals}.events.retry`);
    expect(retry?.arguments).toMatchObject({
      'x-queue-type': 'quorum',
      'x-message-ttl': 5000,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': `${referrals}.events`,
    });
    expect(definitions.queues.map((q) => q.name)).toContain(`${notifications}.events.dlq`);
    expect(definitions.bindings).toContainEqual(
      expect.objectContaining({ source: names.exchange, destination: `${notifications}.events`, routing_key: 'referral.#', destination_type: 'queue' }),
    );
    expect(definitions.bindings).toContainEqual(
      expect.objectContaining({ source: `${names.exchange}.dlx`, destination: `${referrals}.events.dlq`, routing_key: `${referrals}.events.dlq` }),
    );
  });

  it('the definitions match what declareTopology declared: re-declaring with them succeeds, with other arguments fails', async () => {
    const definitions = toRabbitDefinitions(topology);
    expect(definitions.queues).toHaveLength(6);
    for (const q of definitions.queues) {
      const accepted = await brokerAccepts((ch) => ch.assertQueue(q.name, { durable: q.durable, arguments: q.arguments }));
      expect(accepted, `queue ${q.name} re-declared with the definitions' arguments`).toBe(true);
    }
    for (const e of definitions.exchanges) {
      expect(await brokerAccepts((ch) => ch.assertExchange(e.name, e.type, { durable: e.durable }))).toBe(true);
    }
    // The check has teeth: a different delivery limit is refused (406 PRECONDITION_FAILED).
    const main = definitions.queues.find((q) => q.name === `${referrals}.events`);
    expect(main).toBeDefined();
    const changed = { ...main?.arguments, 'x-delivery-limit': 8 };
    expect(await brokerAccepts((ch) => ch.assertQueue(`${referrals}.events`, { durable: true, arguments: changed }))).toBe(false);
  });

  it('routes an event only to the consumers bound to its type', async () => {
    const channel = await connection.createConfirmChannel();
    channel.publish(names.exchange, 'referral.submitted', Buffer.from('{}'), { persistent: true });
    channel.publish(names.exchange, 'consent.withdrawn', Buffer.from('{}'), { persistent: true });
    await channel.waitForConfirms();
    expect((await channel.checkQueue(`${notifications}.events`)).messageCount).toBe(1);
    expect((await channel.checkQueue(`${referrals}.events`)).messageCount).toBe(1);
    await channel.purgeQueue(`${notifications}.events`);
    await channel.purgeQueue(`${referrals}.events`);
    await channel.close();
  });

  it('refuses names that would break the queue naming', () => {
    expect(() => topologyFor({ consumers: [{ name: 'a b', bindings: [] }] })).toThrow(RangeError);
    expect(() => topologyFor({ consumers: [{ name: 'a', bindings: [] }, { name: 'a', bindings: [] }] })).toThrow(/Duplicate/);
    expect(topologyFor({ consumers: [] }).exchange).toBe('hub.events');
  });
});
