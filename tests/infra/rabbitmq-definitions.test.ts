import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETWORK_SUBSCRIPTIONS } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { expectedDefinitions } from '../../scripts/rabbitmq-definitions.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Exchange = { name: string; vhost: string; type: string; durable: boolean; auto_delete: boolean };
type Queue = { name: string; vhost: string; durable: boolean; auto_delete: boolean; arguments: Record<string, unknown> };
type Binding = { source: string; vhost: string; destination: string; destination_type: string; routing_key: string };
type Definitions = { exchanges: Exchange[]; queues: Queue[]; bindings: Binding[]; vhosts: { name: string }[] };

const definitions = JSON.parse(
  readFileSync(join(root, 'infra', 'rabbitmq', 'definitions.json'), 'utf8'),
) as Definitions;

/** The consumers and the event types each one listens to, as the services declare them. */
const CONSUMERS = NETWORK_SUBSCRIPTIONS;

function queue(name: string): Queue {
  const found = definitions.queues.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`definitions.json has no queue "${name}"`);
  return found;
}

function bindingKeys(source: string, destination: string): string[] {
  return definitions.bindings
    .filter((binding) => binding.source === source && binding.destination === destination)
    .map((binding) => binding.routing_key)
    .sort();
}

describe('infra/rabbitmq/definitions.json', () => {
  it('declares a durable topic exchange for events and a direct one for dead letters', () => {
    const exchanges = definitions.exchanges.map(({ name, type, durable, auto_delete, vhost }) => ({
      name,
      type,
      durable,
      auto_delete,
      vhost,
    }));
    expect(exchanges).toEqual([
      { name: 'hub.events', type: 'topic', durable: true, auto_delete: false, vhost: '/' },
      { name: 'hub.events.dlx', type: 'direct', durable: true, auto_delete: false, vhost: '/' },
    ]);
  });

  it.each(Object.keys(CONSUMERS))('gives %s a quorum queue with a delivery limit that dead-letters to its DLQ', (name) => {
    const main = queue(`${name}.events`);
    expect(main).toMatchObject({ durable: true, auto_delete: false, vhost: '/' });
    expect(main.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 10,
      'x-dead-letter-exchange': 'hub.events.dlx',
      'x-dead-letter-routing-key': `${name}.events.dlq`,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
  });

  it.each(Object.keys(CONSUMERS))('gives %s a retry queue that returns messages to its queue after 5 s', (name) => {
    const retry = queue(`${name}.events.retry`);
    expect(retry).toMatchObject({ durable: true, auto_delete: false, vhost: '/' });
    expect(retry.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-message-ttl': 5000,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': `${name}.events`,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
  });

  it.each(Object.keys(CONSUMERS))('gives %s a dead-letter queue fed by hub.events.dlx', (name) => {
    const dlq = queue(`${name}.events.dlq`);
    expect(dlq).toMatchObject({ durable: true, auto_delete: false, vhost: '/' });
    expect(dlq.arguments).toEqual({ 'x-queue-type': 'quorum' });
    expect(bindingKeys('hub.events.dlx', `${name}.events.dlq`)).toEqual([`${name}.events.dlq`]);
  });

  it.each(Object.entries(CONSUMERS))('routes to %s exactly the events it consumes', (name, keys) => {
    expect(bindingKeys('hub.events', `${name}.events`)).toEqual([...keys].sort());
  });

  it('declares nothing beyond those queues and bindings', () => {
    const expectedQueues = Object.keys(CONSUMERS).flatMap((name) => [
      `${name}.events`,
      `${name}.events.retry`,
      `${name}.events.dlq`,
    ]);
    expect(definitions.queues.map((q) => q.name).sort()).toEqual(expectedQueues.sort());
    const bindingCount = Object.values(CONSUMERS).reduce((sum, keys) => sum + keys.length + 1, 0);
    expect(definitions.bindings).toHaveLength(bindingCount);
    expect(definitions.bindings.every((binding) => binding.destination_type === 'queue' && binding.vhost === '/')).toBe(true);
    expect(definitions.vhosts).toEqual([{ name: '/' }]);
  });

  it('holds exactly the topology the services declare at start (regenerate with scripts/rabbitmq-definitions.ts)', () => {
    expect(definitions).toEqual(expectedDefinitions(definitions));
  });
});
