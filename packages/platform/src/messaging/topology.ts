import type { Channel } from 'amqplib';

/** Default name of the hub's domain-event exchange. */
export const DEFAULT_EVENTS_EXCHANGE = 'hub.events';

/** Argument values RabbitMQ accepts on a queue declaration. */
export type QueueArguments = Record<string, string | number>;

export type ExchangeDeclaration = { name: string; type: 'topic' | 'direct'; durable: true };
export type QueueDeclaration = { name: string; durable: true; arguments: QueueArguments };
export type BindingDeclaration = { source: string; destination: string; routingKey: string };

/** The queues that belong to one consuming service. */
export type ConsumerTopology = {
  name: string;
  /** `<name>.events`: what the service consumes. */
  queue: string;
  /** `<name>.events.retry`: failed messages wait here `retryDelayMs`, then go back to `queue`. */
  retryQueue: string;
  /** `<name>.events.dlq`: messages that will not be processed without an operator. */
  deadLetterQueue: string;
  /** Routing-key patterns bound to `queue`, e.g. `referral.#`. */
  bindings: string[];
};

/**
 * Everything the hub declares on the broker, as plain data: the same value is
 * declared by services at start ({@link declareTopology}) and exported as
 * broker definitions ({@link toRabbitDefinitions}), so the two cannot drift.
 */
export type Topology = {
  exchange: string;
  deadLetterExchange: string;
  retryDelayMs: number;
  deliveryLimit: number;
  consumers: ConsumerTopology[];
  exchanges: ExchangeDeclaration[];
  queues: QueueDeclaration[];
  bindings: BindingDeclaration[];
};

export type TopologyOptions = {
  /** Topic exchange for domain events (default `hub.events`). Routing key = event type. */
  exchange?: string;
  consumers: { name: string; bindings: string[] }[];
  /** How long a failed message waits before its next attempt (default 10 s). */
  retryDelayMs?: number;
  /**
   * Broker-side cap on redeliveries of one message (crash loops, lost acks);
   * past it the broker dead-letters the message (default 10).
   */
  deliveryLimit?: number;
};

/** Queue names of a consuming service, derived from its name. */
export function consumerQueueNames(name: string): { queue: string; retryQueue: string; deadLetterQueue: string } {
  const queue = `${name}.events`;
  return { queue, retryQueue: `${queue}.retry`, deadLetterQueue: `${queue}.dlq` };
}

/** Name of the dead-letter exchange that goes with `exchange`. */
export function deadLetterExchangeFor(exchange: string): string {
  return `${exchange}.dlx`;
}

/**
 * Describes the topology (pure; declares nothing).
 *
 * Per consumer: a durable quorum queue bound to the topic exchange, with a
 * delivery limit and dead-lettering (at-least-once) to `<exchange>.dlx` →
 * `<name>.events.dlq`; and a retry queue whose TTL sends messages back to that
 * one queue through the default exchange, so a retry never reaches the other
 * services bound to the same event.
 */
export function topologyFor(options: TopologyOptions): Topology {
  const exchange = options.exchange ?? DEFAULT_EVENTS_EXCHANGE;
  const deadLetterExchange = deadLetterExchangeFor(exchange);
  const retryDelayMs = options.retryDelayMs ?? 10_000;
  const deliveryLimit = options.deliveryLimit ?? 10;
  if (!Number.isInteger(retryDelayMs) || retryDelayMs < 1) throw new RangeError('retryDelayMs must be a positive integer');
  if (!Number.isInteger(deliveryLimit) || deliveryLimit < 1) throw new RangeError('deliveryLimit must be a positive integer');

  const names = new Set<string>();
  const consumers: ConsumerTopology[] = options.consumers.map((c) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(c.name)) throw new RangeError(`Invalid consumer name: ${c.name}`);
    if (names.has(c.name)) throw new RangeError(`Duplicate consumer name: ${c.name}`);
    names.add(c.name);
    return { name: c.name, ...consumerQueueNames(c.name), bindings: [...new Set(c.bindings)] };
  });

  // At-least-once dead-lettering needs `reject-publish` overflow; no length
  // limit is set, so the overflow mode never rejects anything by itself.
  const safeDeadLettering = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } as const;

  const queues: QueueDeclaration[] = consumers.flatMap((c) => [
    {
      name: c.queue,
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': deliveryLimit,
        'x-dead-letter-exchange': deadLetterExchange,
        'x-dead-letter-routing-key': c.deadLetterQueue,
        ...safeDeadLettering,
      },
    },
    {
      name: c.retryQueue,
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': retryDelayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': c.queue,
        ...safeDeadLettering,
      },
    },
    { name: c.deadLetterQueue, durable: true, arguments: { 'x-queue-type': 'quorum' } },
  ]);

  const bindings: BindingDeclaration[] = consumers.flatMap((c) => [
    ...c.bindings.map((routingKey) => ({ source: exchange, destination: c.queue, routingKey })),
    { source: deadLetterExchange, destination: c.deadLetterQueue, routingKey: c.deadLetterQueue },
  ]);

  return {
    exchange,
    deadLetterExchange,
    retryDelayMs,
    deliveryLimit,
    consumers,
    exchanges: [
      { name: exchange, type: 'topic', durable: true },
      { name: deadLetterExchange, type: 'direct', durable: true },
    ],
    queues,
    bindings,
  };
}

/** Finds a consumer's queues in a topology, or throws naming the known consumers. */
export function consumerTopology(topology: Topology, name: string): ConsumerTopology {
  const found = topology.consumers.find((c) => c.name === name);
  if (found === undefined) {
    throw new RangeError(`Unknown consumer ${name}; known: ${topology.consumers.map((c) => c.name).join(', ') || 'none'}`);
  }
  return found;
}

/**
 * Declares exchanges, queues and bindings (idempotent). Fails with a channel
 * error (406 PRECONDITION_FAILED) if an existing queue has other arguments:
 * changing a queue's arguments needs a migration, not a silent redeclare.
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const exchange of topology.exchanges) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable, autoDelete: false });
  }
  for (const queue of topology.queues) {
    await channel.assertQueue(queue.name, { durable: queue.durable, autoDelete: false, arguments: { ...queue.arguments } });
  }
  for (const binding of topology.bindings) {
    await channel.bindQueue(binding.destination, binding.source, binding.routingKey);
  }
}

/** The part of a RabbitMQ definitions file (`rabbitmqctl import_definitions`) that holds a topology. */
export type RabbitDefinitions = {
  exchanges: {
    name: string;
    vhost: string;
    type: string;
    durable: boolean;
    auto_delete: boolean;
    internal: boolean;
    arguments: Record<string, never>;
  }[];
  queues: { name: string; vhost: string; durable: boolean; auto_delete: boolean; arguments: QueueArguments }[];
  bindings: {
    source: string;
    vhost: string;
    destination: string;
    destination_type: 'queue';
    routing_key: string;
    arguments: Record<string, never>;
  }[];
};

/** Renders a topology as RabbitMQ definitions JSON (for `infra/rabbitmq/definitions.json`). */
export function toRabbitDefinitions(topology: Topology, options: { vhost?: string } = {}): RabbitDefinitions {
  const vhost = options.vhost ?? '/';
  return {
    exchanges: topology.exchanges.map((e) => ({
      name: e.name,
      vhost,
      type: e.type,
      durable: e.durable,
      auto_delete: false,
      internal: false,
      arguments: {},
    })),
    queues: topology.queues.map((q) => ({
      name: q.name,
      vhost,
      durable: q.durable,
      auto_delete: false,
      arguments: { ...q.arguments },
    })),
    bindings: topology.bindings.map((b) => ({
      source: b.source,
      vhost,
      destination: b.destination,
      destination_type: 'queue',
      routing_key: b.routingKey,
      arguments: {},
    })),
  };
}
