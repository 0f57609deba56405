/**
 * Prometheus metrics of one process (prom-client, text format on `GET
 * /metrics`). Request counters and latency are kept as requests finish;
 * everything else (outbox backlog, queue depths, consumer counters, pool use)
 * is read when Prometheus scrapes, so that idle services do no work for it.
 *
 * Labels name routes by their template (`/v1/referrals/{referralId}`), queues
 * and channels: never a raw URL, an id or a person's data.
 */
import type { Channel } from 'amqplib';
import type { Request, RequestHandler } from 'express';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AmqpConnection } from '../messaging/connection.js';
import type { ConsumerStats } from '../messaging/consumer.js';
import { consumerQueueNames } from '../messaging/topology.js';

/** Seconds: from a fast read (a few ms) to the slowest a person would still wait for. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Routes outside the API contract that are counted under their own path. */
const FIXED_ROUTES = new Set(['/livez', '/readyz', '/metrics', '/openapi.json']);

/** The `route` label of a request that matched no route template. */
export const UNMATCHED_ROUTE = 'unmatched';

export type ServiceMetrics = {
  readonly registry: Registry;
  /** Counts one finished request (`status` undefined when the client went away first). */
  observeRequest(method: string, route: string, status: number | undefined, seconds: number): void;
  /** `GET /metrics`: the registry in Prometheus' text format. */
  handler: RequestHandler;
};

/**
 * A process's registry, with Node's own metrics (memory, CPU, event loop
 * delay, GC) and the HTTP request metrics; every series carries `service`.
 */
export function createServiceMetrics(options: { service: string }): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'hub_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'hub_http_request_duration_seconds',
    help: 'Time from a request received to its response sent, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: status === undefined ? 'aborted' : String(status) });
      latency.observe({ method, route }, seconds);
    },
    handler: (_req, res, next) => {
      registry.metrics().then((text) => {
        res.setHeader('Content-Type', registry.contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.end(text);
      }, next);
    },
  };
}

/**
 * The route label of an Express request once answered: the OpenAPI template
 * when the platform matched one (`template`), else Express' own route
 * (`/referrals/:id`, with its router's mount path), else a fixed path
 * (`/livez`…), else {@link UNMATCHED_ROUTE}.
 */
export function routeLabel(req: Request, template: string | undefined): string {
  if (template !== undefined) return template;
  const route: unknown = req.route;
  if (typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return FIXED_ROUTES.has(req.path) ? req.path : UNMATCHED_ROUTE;
}

/**
 * Counts every request of an Express app that is not built by
 * `createHttpApp` (the console), by its Express route.
 */
export function requestMetricsMiddleware(metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    let done = false;
    const record = (): void => {
      if (done) return;
      done = true;
      metrics.observeRequest(req.method, routeLabel(req, undefined), res.writableFinished ? res.statusCode : undefined, (performance.now() - started) / 1000);
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}

/** Connections of the service's PostgreSQL pool: open, idle, and checkouts waiting for one. */
export function registerPoolMetrics(metrics: ServiceMetrics, pool: pg.Pool): void {
  new Gauge({
    name: 'hub_db_pool_connections',
    help: 'Connections of the PostgreSQL pool, by state (total open, idle).',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  new Gauge({
    name: 'hub_db_pool_waiting_requests',
    help: 'Checkouts waiting for a free PostgreSQL connection.',
    registers: [metrics.registry],
    collect() {
      this.set(pool.waitingCount);
    },
  });
}

type OutboxSnapshot = { pending: number; parked: number; age: number };

/**
 * The outbox's backlog, read by one query per scrape: unsent events the relay
 * will still publish, the age of the oldest of them (the relay is stuck or
 * the broker down when it grows), and events parked because they no longer
 * validate.
 */
export function registerOutboxMetrics(metrics: ServiceMetrics, pool: Pick<pg.Pool, 'query'>): void {
  // The three gauges are collected one after the other in one scrape: one query serves them all.
  let reading: Promise<OutboxSnapshot> | undefined;
  const snapshot = (): Promise<OutboxSnapshot> => {
    reading ??= pool
      .query<{ pending: number; parked: number; age: number | null }>(
        `SELECT count(*) FILTER (WHERE available_at <> 'infinity')::int AS pending,
                count(*) FILTER (WHERE available_at = 'infinity')::int AS parked,
                extract(epoch FROM now() - min(created_at) FILTER (WHERE available_at <> 'infinity'))::float8 AS age
           FROM outbox_message
          WHERE published_at IS NULL`,
      )
      .then(({ rows }) => ({ pending: rows[0]?.pending ?? 0, parked: rows[0]?.parked ?? 0, age: Math.max(0, rows[0]?.age ?? 0) }))
      .finally(() => {
        setImmediate(() => {
          reading = undefined;
        });
      });
    return reading;
  };
  const registers = [metrics.registry];
  // The database unreachable: these gauges have no sample (absent() alerts on it) and the rest of the scrape still answers.
  const read = async (gauge: Gauge, pick: (snapshot: OutboxSnapshot) => number): Promise<void> => {
    try {
      gauge.set(pick(await snapshot()));
    } catch {
      gauge.reset();
    }
  };
  new Gauge({
    name: 'hub_outbox_pending_events',
    help: 'Events written to the outbox and not yet published to the broker.',
    registers,
    async collect() {
      await read(this, (s) => s.pending);
    },
  });
  new Gauge({
    name: 'hub_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest event not yet published (0 when none).',
    registers,
    async collect() {
      await read(this, (s) => s.age);
    },
  });
  new Gauge({
    name: 'hub_outbox_parked_events',
    help: 'Events set aside because they no longer validate (see their last_error).',
    registers,
    async collect() {
      await read(this, (s) => s.parked);
    },
  });
}

export type ConsumerMetricsOptions = {
  amqp: AmqpConnection;
  /** The consumer's name in the topology (its queue names derive from it). */
  consumer: string;
  /** The platform consumer's counters since start. */
  stats: () => ConsumerStats;
};

/**
 * A consumer's lag and failures: messages ready in its queue, retry queue and
 * dead-letter queue (the broker's count, asked on each scrape), and the
 * events it handled, retried and dead-lettered since the process started.
 */
export function registerConsumerMetrics(metrics: ServiceMetrics, options: ConsumerMetricsOptions): void {
  const names = consumerQueueNames(options.consumer);
  const queues = [
    { role: 'main', name: names.queue },
    { role: 'retry', name: names.retryQueue },
    { role: 'dead_letter', name: names.deadLetterQueue },
  ] as const;
  const registers = [metrics.registry];
  let channel: Channel | undefined;
  new Gauge({
    name: 'hub_queue_messages_ready',
    help: 'Messages waiting in a consumer queue (the consumer lag), its retry queue and its dead-letter queue.',
    labelNames: ['queue', 'role'] as const,
    registers,
    async collect() {
      this.reset();
      if (!options.amqp.isConnected()) return;
      try {
        if (channel === undefined) {
          const opened = await options.amqp.createChannel();
          // checkQueue of a missing queue closes the channel: the next scrape opens another.
          opened.on('error', () => undefined);
          opened.once('close', () => {
            if (channel === opened) channel = undefined;
          });
          channel = opened;
        }
        for (const queue of queues) {
          const reply = await channel.checkQueue(queue.name);
          this.set({ queue: queue.name, role: queue.role }, reply.messageCount);
        }
      } catch {
        // Broker unreachable or a queue missing: no sample rather than a wrong one (absent() alerts on it).
      }
    },
  });
  const counter = (name: string, help: string, read: (stats: ConsumerStats) => number): void => {
    let seen = 0;
    new Counter({
      name,
      help,
      labelNames: ['queue'] as const,
      registers,
      collect() {
        const now = read(options.stats());
        if (now > seen) this.inc({ queue: names.queue }, now - seen);
        else this.inc({ queue: names.queue }, 0);
        seen = now;
      },
    });
  };
  counter('hub_consumer_events_handled_total', 'Events a consumer handled (first delivery of each; duplicates are not counted).', (s) => s.handled);
  counter('hub_consumer_retries_total', 'Failed handlings sent to the retry queue to be tried again.', (s) => s.retried);
  counter('hub_consumer_dead_lettered_total', 'Messages a consumer sent to its dead-letter queue (unparseable, invalid, or out of attempts).', (s) => s.deadLettered);
}

/**
 * A gauge read by `read` at each scrape, for a service's own figures (the
 * referrals overdue, a queue's jobs by state): `read` returns the value of
 * each label set.
 */
export function registerScrapeGauge<L extends string>(
  metrics: ServiceMetrics,
  definition: { name: string; help: string; labelNames: readonly L[]; read: () => Promise<readonly { labels: Record<L, string>; value: number }[]> },
): void {
  new Gauge({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      // A source that fails (Redis, the database unreachable) leaves this gauge without samples, not the whole scrape failing.
      const samples = await definition.read().catch(() => []);
      for (const sample of samples) this.set(sample.labels as Partial<Record<L, string>>, sample.value);
    },
  });
}

/** A counter a service increments itself, by label. */
export type LabelledCounter<L extends string> = { inc(labels: Record<L, string>, by?: number): void };

/** A histogram a service observes itself, by label. */
export type LabelledHistogram<L extends string> = { observe(labels: Record<L, string>, value: number): void };

/** A service's own counter in the process's registry (e.g. deliveries that failed, by channel). */
export function registerCounter<L extends string>(metrics: ServiceMetrics, definition: { name: string; help: string; labelNames: readonly L[] }): LabelledCounter<L> {
  const counter = new Counter({ name: definition.name, help: definition.help, labelNames: definition.labelNames, registers: [metrics.registry] });
  return { inc: (labels, by = 1) => counter.inc(labels as Partial<Record<L, string>>, by) };
}

/** A service's own histogram in the process's registry; `buckets` in the unit of its name (seconds). */
export function registerHistogram<L extends string>(
  metrics: ServiceMetrics,
  definition: { name: string; help: string; labelNames: readonly L[]; buckets: number[] },
): LabelledHistogram<L> {
  const histogram = new Histogram({ name: definition.name, help: definition.help, labelNames: definition.labelNames, buckets: definition.buckets, registers: [metrics.registry] });
  return { observe: (labels, value) => histogram.observe(labels as Partial<Record<L, string>>, value) };
}
