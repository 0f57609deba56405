/**
 * Writes the topology part of infra/rabbitmq/definitions.json from the code's
 * own description of the network (`networkTopology` with the default
 * settings), so Docker users' broker starts with exactly what the services
 * declare. `--check` exits 1 when the file is stale.
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/rabbitmq-definitions.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { amqpEnv, envSchema, loadConfig, networkTopology, toRabbitDefinitions } from '@referral-hub/platform';

const file = fileURLToPath(new URL('../infra/rabbitmq/definitions.json', import.meta.url));

/** The definitions file as it should be: its users and vhosts kept, its topology from the code. */
export function expectedDefinitions(current: Record<string, unknown>): Record<string, unknown> {
  const defaults = loadConfig(envSchema(amqpEnv), { AMQP_URL: 'amqp://localhost' });
  const topology = networkTopology({
    exchange: defaults.AMQP_EXCHANGE,
    retryDelayMs: defaults.AMQP_RETRY_DELAY_MS,
    deliveryLimit: defaults.AMQP_DELIVERY_LIMIT,
  });
  return { ...current, ...toRabbitDefinitions(topology, { vhost: '/' }) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const expected = `${JSON.stringify(expectedDefinitions(current), null, 2)}\n`;
  if (process.argv.includes('--check')) {
    if (readFileSync(file, 'utf8') !== expected) {
      process.stderr.write('infra/rabbitmq/definitions.json is stale: run scripts/rabbitmq-definitions.ts\n');
      process.exit(1);
    }
  } else {
    writeFileSync(file, expected);
  }
}
