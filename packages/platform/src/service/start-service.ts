import type { CloudEvent } from '@referral-hub/contracts';
import type { Router } from 'express';
import type pg from 'pg';
import { createAuthenticatorFromConfig } from '../auth/index.js';
import { createPool, databaseHealthCheck } from '../db/index.js';
import type { SqlClient, TransactionRunner } from '../db/index.js';
import type { KeyRingCipher } from '../crypto/index.js';
import type { HealthCheck } from '../health/index.js';
import {
  createHttpApp,
  createIdempotency,
  createMemoryRateLimitStore,
  createRateLimiter,
  createRedisRateLimitStore,
  startHttpServer,
} from '../http/index.js';
import type { Idempotency, OpenApiDocument, RateLimiter } from '../http/index.js';
import { createLifecycle } from '../lifecycle/index.js';
import type { Lifecycle } from '../lifecycle/index.js';
import { createLogger } from '../logging/index.js';
import type { Logger } from '../logging/index.js';
import { createServiceMetrics, registerConsumerMetrics, registerOutboxMetrics, registerPoolMetrics } from '../observability/metrics.js';
import { startMetricsServer } from '../observability/metrics-server.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import { connectAmqp, createOutbox, eventSourceOf, startConsumer, startOutboxRelay } from '../messaging/index.js';
import type { AmqpConnection, EventConsumer, EventEnvelope, EventHandlers, EventValidator, Outbox, OutboxRelay } from '../messaging/index.js';
import type { BaseServiceConfig } from './config.js';
import { startPeriodicJob } from './periodic-job.js';
import { consumerName, networkTopology } from './network.js';
import type { ConsumingService } from './network.js';

/** A service's database access: its client and a way to run a transaction. */
export type ServiceDatabase<Client, Tx extends SqlClient> = {
  client: Client;
  transaction: TransactionRunner<Tx>;
  close(): Promise<void>;
};

/**
 * A connection the service depends on besides PostgreSQL and RabbitMQ (Redis,
 * for instance): opened before the outbox relay and the consumers, closed
 * after them, and checked by `/readyz`.
 */
export type ServiceResource = {
  name: string;
  connect(logger: Logger): Promise<void>;
  close(): Promise<void>;
  healthCheck(): HealthCheck;
};

/** What a service's routes, consumers and use cases are built from. */
export type ServiceContext<Config extends BaseServiceConfig, Client, Tx extends SqlClient> = {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  db: ServiceDatabase<Client, Tx>;
  amqp: AmqpConnection;
  /** The service's outbox, its source (`/services/<name>`) bound: how its use cases publish events. */
  outbox: Outbox;
  lifecycle: Lifecycle;
  /** `Idempotency-Key` handling over the service's `idempotent_request` table (see {@link ServiceDefinition.idempotentRequests}). */
  idempotency: Idempotency;
  /** The process's Prometheus registry: a service adds its own figures to it (`registerScrapeGauge`). */
  metrics: ServiceMetrics;
};

/**
 * How a service is built. `Events` is what its validator returns: the contracts' `CloudEvent` for
 * every service (`validateEvent`), which types its handler map; a test of the platform may run
 * with a validator of its own events.
 */
export type ServiceDefinition<Config extends BaseServiceConfig, Client, Tx extends SqlClient, Events extends EventEnvelope = CloudEvent> = {
  name: string;
  version: string;
  config: Config;
  openapi: OpenApiDocument;
  /** The event catalogue's validator (`validateEvent` from the contracts): what the consumer's handlers receive is what it returns. */
  validator: EventValidator<Events>;
  /** Builds the service's Prisma client (or other client) on the shared pool. */
  database: (pool: pg.Pool) => ServiceDatabase<Client, Tx>;
  /** Registers the routes of the service's OpenAPI operations. */
  routes: (router: Router, context: ServiceContext<Config, Client, Tx>) => void;
  /** Present when the service consumes events: its handlers by event type or family, typed by the catalogue. */
  consumer?: {
    service: ConsumingService;
    handlers: (context: ServiceContext<Config, Client, Tx>) => EventHandlers<NoInfer<Events>, Tx>;
  };
  /** Other connections the handlers and routes use; see {@link ServiceResource}. */
  resources?: readonly ServiceResource[];
  /**
   * Whether the service honours `Idempotency-Key` (its database then has an `idempotent_request`
   * table): keys older than a day are purged hourly. Default false.
   */
  idempotentRequests?: boolean;
  /**
   * Seals the responses kept for `Idempotency-Key` replays: give it when the service's answers
   * can hold case data (the referrals service passes its payload key ring), so none is at rest in clear.
   */
  idempotencyCipher?: KeyRingCipher;
  /** Whether the service publishes events (runs an outbox relay). Default true. */
  publishes?: boolean;
  /** Extra dependencies `/readyz` checks (PostgreSQL and RabbitMQ are always checked). */
  healthChecks?: (context: ServiceContext<Config, Client, Tx>) => HealthCheck[];
  /** Background work started after the consumers (timers, schedulers); stopped first. */
  background?: (context: ServiceContext<Config, Client, Tx>) => Promise<{ stop(): Promise<void> }>;
  /** Replaces the JSON logger (tests capture logs this way). */
  logger?: Logger;
  /** Host to bind (default all interfaces). */
  host?: string;
};

export type RunningService<Config extends BaseServiceConfig, Client, Tx extends SqlClient> = ServiceContext<
  Config,
  Client,
  Tx
> & {
  /** `http://127.0.0.1:<port>` of the HTTP server. */
  url: string;
  port: number;
  /** `http://127.0.0.1:<port>/metrics`: beside the API, or on `METRICS_PORT` when set. */
  metricsUrl: string;
  relay: OutboxRelay | undefined;
  consumer: EventConsumer | undefined;
  /** Ordered, idempotent shutdown. */
  stop(): Promise<void>;
};

/**
 * Starts a service the same way for every service: logger, database pool and
 * client, broker connection with the network's topology, outbox relay, event
 * consumer, HTTP app, each registered with the lifecycle so that `stop()` (or
 * SIGTERM) undoes them in reverse: HTTP drains first, then consumers stop,
 * then the relay, then other resources (Redis…), the broker and the database.
 *
 * Anything that fails during start undoes what was already started.
 */
export async function startService<Config extends BaseServiceConfig, Client, Tx extends SqlClient, Events extends EventEnvelope = CloudEvent>(
  definition: ServiceDefinition<Config, Client, Tx, Events>,
): Promise<RunningService<Config, Client, Tx>> {
  const { config } = definition;
  const logger =
    definition.logger ?? createLogger({ service: definition.name, version: definition.version, level: config.LOG_LEVEL });
  const lifecycle = createLifecycle(logger);
  try {
    const metrics = createServiceMetrics({ service: definition.name });
    const pool = createPool({
      connectionString: config.DATABASE_URL,
      max: config.DATABASE_POOL_MAX,
      applicationName: definition.name,
      logger,
    });
    registerPoolMetrics(metrics, pool);
    lifecycle.onStop('database pool', () => pool.end());
    const db = definition.database(pool);
    lifecycle.onStop('database client', () => db.close());

    const topology = networkTopology({
      exchange: config.AMQP_EXCHANGE,
      queuePrefix: config.AMQP_QUEUE_PREFIX ?? '',
      retryDelayMs: config.AMQP_RETRY_DELAY_MS,
      deliveryLimit: config.AMQP_DELIVERY_LIMIT,
    });
    const amqp = await connectAmqp({ url: config.AMQP_URL, logger, name: definition.name, topology });
    lifecycle.onStop('broker connection', () => amqp.close());

    for (const resource of definition.resources ?? []) {
      await resource.connect(logger);
      lifecycle.onStop(resource.name, () => resource.close());
    }

    const outbox = createOutbox({ source: eventSourceOf(definition.name), validator: definition.validator });
    const idempotency = createIdempotency(pool, {
      leaseMs: config.IDEMPOTENCY_LEASE_MS,
      ...(definition.idempotencyCipher === undefined ? {} : { cipher: definition.idempotencyCipher }),
    });
    const context: ServiceContext<Config, Client, Tx> = { config, logger, pool, db, amqp, outbox, lifecycle, idempotency, metrics };

    let relay: OutboxRelay | undefined;
    if (definition.publishes ?? true) {
      const started = startOutboxRelay({
        pool,
        amqp,
        exchange: config.AMQP_EXCHANGE,
        validator: definition.validator,
        logger,
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      });
      relay = started;
      lifecycle.onStop('outbox relay', () => started.stop());
      registerOutboxMetrics(metrics, pool);
    }

    let consumer: EventConsumer | undefined;
    if (definition.consumer !== undefined) {
      const started = await startConsumer<Tx, Events>({
        amqp,
        consumer: consumerName(definition.consumer.service, config.AMQP_QUEUE_PREFIX ?? ''),
        validator: definition.validator,
        logger,
        prefetch: config.AMQP_PREFETCH,
        maxAttempts: config.AMQP_MAX_ATTEMPTS,
        transaction: db.transaction,
        handlers: definition.consumer.handlers(context),
      });
      consumer = started;
      lifecycle.onStop('event consumer', () => started.stop());
      registerConsumerMetrics(metrics, { amqp, consumer: consumerName(definition.consumer.service, config.AMQP_QUEUE_PREFIX ?? ''), stats: () => started.stats() });
    }

    if (definition.idempotentRequests === true) {
      const purge = startPeriodicJob({
        name: 'idempotency key purge',
        intervalMs: 60 * 60 * 1000,
        firstRunAfterMs: 60 * 1000,
        logger,
        run: async () => {
          const purged = await idempotency.purge();
          if (purged > 0) logger.info({ purged }, 'Forgot Idempotency-Keys older than a day');
        },
      });
      lifecycle.onStop('idempotency key purge', () => purge.stop());
    }

    if (definition.background !== undefined) {
      const background = await definition.background(context);
      lifecycle.onStop('background work', () => background.stop());
    }

    const authenticator = await createAuthenticatorFromConfig(config);
    let rateLimiter: RateLimiter | undefined;
    if (config.RATE_LIMIT_REQUESTS > 0) {
      const store =
        config.REDIS_URL === undefined
          ? createMemoryRateLimitStore()
          : createRedisRateLimitStore({ url: config.REDIS_URL, prefix: `ratelimit:${definition.name}:`, logger });
      rateLimiter = createRateLimiter({
        store,
        limit: config.RATE_LIMIT_REQUESTS,
        windowMs: config.RATE_LIMIT_WINDOW_MS,
        exemptClients: config.RATE_LIMIT_EXEMPT_CLIENTS,
        logger,
      });
      const limiter = rateLimiter;
      lifecycle.onStop('rate limiter', () => limiter.close());
    }
    const app = createHttpApp({
      service: definition.name,
      version: definition.version,
      logger,
      openapi: definition.openapi,
      authenticator,
      bodyLimit: config.HTTP_BODY_LIMIT,
      ...(rateLimiter === undefined ? {} : { rateLimiter }),
      healthChecks: [
        databaseHealthCheck(pool),
        amqp.healthCheck(),
        ...(definition.resources ?? []).map((resource) => resource.healthCheck()),
        ...(definition.healthChecks?.(context) ?? []),
      ],
      routes: (router) => definition.routes(router, context),
      metrics,
      metricsRoute: config.METRICS_PORT === undefined,
      trustedProxyHops: config.TRUSTED_PROXY_HOPS,
    });
    const http = await startHttpServer(app, config.PORT, definition.host, {
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      idleTimeoutMs: config.HTTP_IDLE_TIMEOUT_MS,
    });
    lifecycle.onStop('http server', () => http.close());
    let metricsUrl = `http://127.0.0.1:${http.port}/metrics`;
    if (config.METRICS_PORT !== undefined) {
      const served = await startMetricsServer(metrics, config.METRICS_PORT, definition.host);
      lifecycle.onStop('metrics server', () => served.close());
      metricsUrl = `http://127.0.0.1:${served.port}/metrics`;
    }
    logger.info({ port: http.port }, `${definition.name} listening`);

    return {
      ...context,
      url: `http://127.0.0.1:${http.port}`,
      port: http.port,
      metricsUrl,
      relay,
      consumer,
      stop: () => lifecycle.stop(),
    };
  } catch (error) {
    logger.error({ err: error }, `${definition.name} failed to start`);
    await lifecycle.stop();
    throw error;
  }
}

