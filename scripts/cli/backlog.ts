/**
 * `hub backlog`: what is waiting, everywhere a message can wait.
 *
 * - each service's outbox: events committed but not yet published
 *   (`outboxBacklog`, on the database `scripts/lib/services.mjs` points the
 *   service at);
 * - each consuming service's queues on RabbitMQ: main, retry and dead-letter,
 *   named by the platform's `networkTopology`;
 * - the notifications' BullMQ delivery queue, opened through the service's
 *   own `createDeliveryQueue` (same queue name and prefix).
 *
 * A source that cannot be read is reported as such and makes the exit code 1;
 * the others are still shown.
 */
import { amqpEnv, createPool, envSchema, loadConfig, networkTopology, outboxBacklog } from '@referral-hub/platform';
import type { ConsumerTopology } from '@referral-hub/platform';
import { configSchema as notificationsConfigSchema } from '../../services/notifications/src/config.js';
import { createDeliveryQueue } from '../../services/notifications/src/delivery/queue.js';
import { SERVICES, serviceDatabaseUrl } from '../lib/services.mjs';
import type { ServiceSpec } from '../lib/services.mjs';
import type { Command, Io } from './common.js';
import { EXIT, humanAge, messageOf, nonEmpty, parseOptions, printJson, safeUrl, table, UsageError } from './common.js';
import { amqpUrl, brokerNames, cliLogger, queueDepth, redisUrl, withBroker } from './connections.js';

const TIMEOUT_MS = 8_000;

const USAGE = `Usage: hub backlog [--service <name>] [--json]

Shows what is waiting, per service:
  outbox        events committed but not yet published to RabbitMQ: how many,
                the age of the oldest, failed publish attempts, and events
                parked because they no longer validate
  queues        RabbitMQ messages in each consuming service's main, retry and
                dead-letter queue (and how many consumers the main queue has)
  deliveries    the notifications' BullMQ delivery queue: waiting, active,
                delayed and failed jobs

Options:
  --service <name>   directory, consent, referrals or notifications (default: all)
  --json             machine-readable output

Exit code 1 when a source could not be read (the others are still shown).

Environment (as the services read it): <SERVICE>_DATABASE_URL or HUB_POSTGRES_URL,
AMQP_URL, AMQP_EXCHANGE, AMQP_QUEUE_PREFIX, REDIS_URL, NOTIFICATIONS_QUEUE_PREFIX.`;

type Failure = { error: string };

export type OutboxReport = { service: string; database: string } & (
  | { pending: number; oldestPendingAt: string | null; oldestAgeSeconds: number | null; failedAttempts: number; parked: number }
  | Failure
);

type Depth = { name: string; messages: number; consumers: number } | { name: string; missing: true };

export type QueueReport = { service: string; consumer: string; main: Depth; retry: Depth; deadLetter: Depth };

export type DeliveryReport = { prefix: string } & ({ waiting: number; active: number; delayed: number; failed: number } | Failure);

export type BacklogReport = {
  at: string;
  outbox: OutboxReport[];
  queues: QueueReport[] | Failure;
  deliveries: DeliveryReport | null;
};

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function outboxOf(service: ServiceSpec, now: number): Promise<OutboxReport> {
  const url = serviceDatabaseUrl(service);
  const database = safeUrl(url);
  const pool = createPool({ connectionString: url, max: 1, applicationName: 'hub-cli', connectionTimeoutMillis: TIMEOUT_MS, logger: { error: () => undefined } });
  try {
    const b = await outboxBacklog(pool);
    return {
      service: service.name,
      database,
      pending: b.pending,
      oldestPendingAt: b.oldestPendingAt?.toISOString() ?? null,
      oldestAgeSeconds: b.oldestPendingAt === null ? null : Math.max(0, Math.floor((now - b.oldestPendingAt.getTime()) / 1000)),
      failedAttempts: b.failedAttempts,
      parked: b.parked,
    };
  } catch (error) {
    return { service: service.name, database, error: messageOf(error) };
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** The consumers of the network's topology, under this deployment's exchange and prefix. */
function consumers(io: Io): ConsumerTopology[] {
  const names = brokerNames(io);
  // Only the names matter here; the settings are read (with the services' defaults) to build the same topology.
  const settings = loadConfig(envSchema(amqpEnv), { AMQP_URL: amqpUrl(io), AMQP_RETRY_DELAY_MS: io.env.AMQP_RETRY_DELAY_MS, AMQP_DELIVERY_LIMIT: io.env.AMQP_DELIVERY_LIMIT });
  return networkTopology({
    exchange: names.exchange,
    queuePrefix: names.queuePrefix,
    retryDelayMs: settings.AMQP_RETRY_DELAY_MS,
    deliveryLimit: settings.AMQP_DELIVERY_LIMIT,
  }).consumers;
}

async function queuesOf(io: Io, selected: readonly { service: string; topology: ConsumerTopology }[]): Promise<QueueReport[] | Failure> {
  if (selected.length === 0) return [];
  try {
    return await withBroker(io, async (amqp) => {
      const depth = async (name: string): Promise<Depth> => {
        const found = await queueDepth(amqp, name);
        return found === null ? { name, missing: true } : { name, ...found };
      };
      const reports: QueueReport[] = [];
      for (const { service, topology } of selected) {
        reports.push({
          service,
          consumer: topology.name,
          main: await depth(topology.queue),
          retry: await depth(topology.retryQueue),
          deadLetter: await depth(topology.deadLetterQueue),
        });
      }
      return reports;
    });
  } catch (error) {
    return { error: messageOf(error) };
  }
}

async function deliveriesOf(io: Io): Promise<DeliveryReport> {
  // The service's own definition of the variable, default included.
  const prefixSchema = envSchema({ NOTIFICATIONS_QUEUE_PREFIX: notificationsConfigSchema.shape.NOTIFICATIONS_QUEUE_PREFIX });
  const prefix = loadConfig(prefixSchema, { NOTIFICATIONS_QUEUE_PREFIX: nonEmpty(io.env.NOTIFICATIONS_QUEUE_PREFIX) }).NOTIFICATIONS_QUEUE_PREFIX;
  // Attempts and backoff matter only to producers; this one adds nothing.
  const queue = createDeliveryQueue({ redisUrl: redisUrl(io), prefix, attempts: 1, backoffMs: 1 });
  try {
    await withTimeout(queue.connect(cliLogger(io)), 'Redis');
    const counts = await withTimeout(queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 'Redis');
    return { prefix, waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
  } catch (error) {
    return { prefix, error: `Redis at ${safeUrl(redisUrl(io))} (REDIS_URL): ${messageOf(error)}` };
  } finally {
    await queue.close().catch(() => undefined);
  }
}

/** Reads every source the selection names. */
export async function readBacklog(io: Io, service: string | undefined): Promise<BacklogReport> {
  const names = SERVICES.map((s) => s.name as string);
  if (service !== undefined && !names.includes(service)) throw new UsageError(`unknown service ${service}; services: ${names.join(', ')}`);
  const picked = SERVICES.filter((s) => service === undefined || s.name === service);
  const now = Date.now();
  const topologies = consumers(io);
  const { queuePrefix } = brokerNames(io);
  const selectedConsumers = topologies
    .map((topology) => ({ service: topology.name.slice(queuePrefix.length), topology }))
    .filter((c) => service === undefined || c.service === service);
  const [outbox, queues, deliveries] = await Promise.all([
    Promise.all(picked.map((s) => outboxOf(s, now))),
    queuesOf(io, selectedConsumers),
    service === undefined || service === 'notifications' ? deliveriesOf(io) : Promise.resolve(null),
  ]);
  return { at: new Date(now).toISOString(), outbox, queues, deliveries };
}

function depthText(depth: Depth): string {
  return 'missing' in depth ? 'missing' : String(depth.messages);
}

function print(io: Io, report: BacklogReport): void {
  io.out('Outbox: events committed, not yet published');
  io.out(
    table([
      ['service', 'pending', 'oldest', 'failed attempts', 'parked'],
      ...report.outbox.map((o) =>
        'error' in o
          ? [o.service, `unreadable: ${o.error} (${o.database})`]
          : [o.service, String(o.pending), o.oldestAgeSeconds === null ? '-' : humanAge(o.oldestAgeSeconds * 1000), String(o.failedAttempts), String(o.parked)],
      ),
    ]).join('\n'),
  );
  io.out('');
  io.out('RabbitMQ: messages waiting per consumer queue');
  if ('error' in report.queues) {
    io.out(`  unreadable: ${report.queues.error}`);
  } else if (report.queues.length === 0) {
    io.out('  (this service consumes no events)');
  } else {
    io.out(
      table([
        ['service', 'queue', 'main', 'consumers', 'retry', 'dead letters'],
        ...report.queues.map((q) => [
          q.service,
          q.main.name,
          depthText(q.main),
          'missing' in q.main ? '-' : String(q.main.consumers),
          depthText(q.retry),
          depthText(q.deadLetter),
        ]),
      ]).join('\n'),
    );
  }
  if (report.deliveries !== null) {
    io.out('');
    io.out(`BullMQ: notification deliveries (prefix ${report.deliveries.prefix})`);
    const d = report.deliveries;
    if ('error' in d) io.out(`  unreadable: ${d.error}`);
    else io.out(table([['waiting', 'active', 'delayed', 'failed'], [String(d.waiting), String(d.active), String(d.delayed), String(d.failed)]]).join('\n'));
  }
}

/** True when some source could not be read. */
export function hasFailures(report: BacklogReport): boolean {
  return report.outbox.some((o) => 'error' in o) || 'error' in report.queues || (report.deliveries !== null && 'error' in report.deliveries);
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, { service: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help === true) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0] ?? ''}`);
  const report = await readBacklog(io, nonEmpty(values.service));
  if (values.json === true) printJson(io, report);
  else print(io, report);
  return hasFailures(report) ? EXIT.failed : EXIT.ok;
}

export const backlogCommand: Command = { usage: USAGE, run };
