import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';

/** The names a test declares on the shared broker (a platform `Topology` fits). */
export type TopologyNames = {
  exchanges: { name: string }[];
  queues: { name: string }[];
};

export type UniqueTopologyNames = {
  /** A topic exchange name no other test uses, e.g. `test.outbox.k3j9x2.events`. */
  exchange: string;
  /** A consumer name unique to this test file, e.g. `test-outbox-k3j9x2-referrals`. */
  consumer(name: string): string;
  /** The random part, handy for other names (databases, key prefixes). */
  suffix: string;
};

/**
 * Names for exchanges and consumers that cannot collide with other test files
 * running at the same time on the shared broker.
 */
export function uniqueTopologyNames(prefix: string): UniqueTopologyNames {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'test';
  const suffix = randomBytes(4).toString('hex');
  return {
    exchange: `test.${safe}.${suffix}.events`,
    consumer: (name: string) => `test-${safe}-${suffix}-${name.replace(/[^A-Za-z0-9_-]+/g, '-')}`,
    suffix,
  };
}

/**
 * Deletes a test's queues and exchanges from the broker (missing ones are
 * ignored). Opens its own connection, so it works after the code under test
 * has closed or lost its own.
 */
export async function deleteTopology(url: string, topology: TopologyNames): Promise<void> {
  const connection = await connect(url);
  try {
    for (const queue of topology.queues) {
      // A failed delete closes the channel, so each operation gets its own.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.deleteQueue(queue.name).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
    for (const exchange of topology.exchanges) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.deleteExchange(exchange.name).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
