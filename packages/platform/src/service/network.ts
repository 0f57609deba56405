import { topologyFor, type Topology } from '../messaging/topology.js';

/**
 * Which service consumes which events: the routing keys each consuming
 * service's queue is bound with. Every service declares the whole network's
 * topology at start, so an event published before its consumer first started
 * still waits in that consumer's queue. `infra/rabbitmq/definitions.json`
 * holds the same (a test compares them).
 */
export const NETWORK_SUBSCRIPTIONS = {
  referrals: ['directory.#', 'consent.#'],
  notifications: ['referral.#'],
  consent: ['directory.organization.changed'],
} as const satisfies Record<string, readonly string[]>;

export type ConsumingService = keyof typeof NETWORK_SUBSCRIPTIONS;

/** The consumer (queue and inbox) name of a consuming service under a deployment prefix. */
export function consumerName(service: ConsumingService, queuePrefix = ''): string {
  return `${queuePrefix}${service}`;
}

/** The whole network's topology as declared by every service at start. */
export function networkTopology(options: {
  exchange: string;
  queuePrefix?: string;
  retryDelayMs: number;
  deliveryLimit: number;
}): Topology {
  return topologyFor({
    exchange: options.exchange,
    retryDelayMs: options.retryDelayMs,
    deliveryLimit: options.deliveryLimit,
    consumers: Object.entries(NETWORK_SUBSCRIPTIONS).map(([service, bindings]) => ({
      name: consumerName(service as ConsumingService, options.queuePrefix),
      bindings: [...bindings],
    })),
  });
}
