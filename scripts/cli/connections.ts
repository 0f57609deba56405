/**
 * Where the CLI connects, read from the variables the services read (with the
 * same defaults: what `npm start` runs on this machine), and the broker as
 * the CLI sees it: one short-lived connection per command, and the consuming
 * services' queue names computed by the platform's own topology functions
 * (never spelled out here), under the deployment's `AMQP_QUEUE_PREFIX`.
 */
import { connectAmqp, consumerName, createLogger, DEFAULT_EVENTS_EXCHANGE, NETWORK_SUBSCRIPTIONS } from '@referral-hub/platform';
import type { AmqpConnection, ConsumingService, Logger } from '@referral-hub/platform';
import { LOCAL_HOST } from '../lib/services.mjs';
import type { Io } from './common.js';
import { CliError, nonEmpty, safeUrl, UsageError } from './common.js';

/** A logger for the platform's clients: errors only (or `LOG_LEVEL`), on stderr, so stdout stays parseable. */
export function cliLogger(io: Io): Logger {
  return createLogger({ service: 'hub-cli', version: '0', level: io.env.LOG_LEVEL ?? 'error', destination: process.stderr });
}

/** The broker the services use (`AMQP_URL`), the local one by default. */
export function amqpUrl(io: Io): string {
  return nonEmpty(io.env.AMQP_URL) ?? `amqp://guest:guest@${LOCAL_HOST}:5672`;
}

/** Settings that name the deployment's queues: the same variables, with the same defaults, as the services'. */
export function brokerNames(io: Io): { exchange: string; queuePrefix: string } {
  return {
    exchange: nonEmpty(io.env.AMQP_EXCHANGE) ?? DEFAULT_EVENTS_EXCHANGE,
    queuePrefix: io.env.AMQP_QUEUE_PREFIX?.trim() ?? '',
  };
}

/** The Redis of the notifications' delivery queue (`REDIS_URL`). */
export function redisUrl(io: Io): string {
  return nonEmpty(io.env.REDIS_URL) ?? `redis://${LOCAL_HOST}:6379`;
}

/** The services that consume events, in the platform's order. */
export const CONSUMING_SERVICES = Object.keys(NETWORK_SUBSCRIPTIONS) as ConsumingService[];

function isConsumingService(value: string): value is ConsumingService {
  return (CONSUMING_SERVICES as string[]).includes(value);
}

/** The consuming services a `--service` option selects (all of them when absent). */
export function selectConsumers(service: string | undefined): ConsumingService[] {
  if (service === undefined) return [...CONSUMING_SERVICES];
  if (!isConsumingService(service)) {
    throw new UsageError(`--service ${service} consumes no events; consuming services: ${CONSUMING_SERVICES.join(', ')}`);
  }
  return [service];
}

/** The consumer (queue) name of a service in this deployment. */
export function consumerOf(io: Io, service: ConsumingService): string {
  return consumerName(service, brokerNames(io).queuePrefix);
}

const CONNECT_TIMEOUT_MS = 10_000;

/** Runs `work` on a fresh broker connection and closes it; an unreachable broker is a clear {@link CliError}. */
export async function withBroker<T>(io: Io, work: (amqp: AmqpConnection) => Promise<T>): Promise<T> {
  const url = amqpUrl(io);
  let amqp: AmqpConnection;
  try {
    amqp = await connectAmqp({ url, logger: cliLogger(io), name: 'hub-cli', waitForConnect: false });
  } catch (error) {
    throw new CliError(`cannot connect to RabbitMQ at ${safeUrl(url)} (AMQP_URL): ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    try {
      await amqp.waitUntilConnected(CONNECT_TIMEOUT_MS);
    } catch {
      throw new CliError(`RabbitMQ is not reachable at ${safeUrl(url)} (AMQP_URL); is it running (npm start starts it)?`);
    }
    return await work(amqp);
  } finally {
    await amqp.close().catch(() => undefined);
  }
}

/**
 * A queue's message and consumer counts, or `null` when the queue does not
 * exist (a failed check closes its channel, so each check gets its own).
 */
export async function queueDepth(amqp: AmqpConnection, queue: string): Promise<{ messages: number; consumers: number } | null> {
  const channel = await amqp.createChannel();
  let closed = false;
  channel.once('close', () => (closed = true));
  try {
    const { messageCount, consumerCount } = await channel.checkQueue(queue);
    return { messages: messageCount, consumers: consumerCount };
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 404) return null;
    throw error;
  } finally {
    if (!closed) await channel.close().catch(() => undefined);
  }
}
