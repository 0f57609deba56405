import { amqpEnv, authEnv, databaseEnv, envInt, envString, httpEnv, httpProtectionEnv, logEnv } from '../config/index.js';
import type { z } from 'zod';

/**
 * The environment every service reads: logs, HTTP, its database, the broker and
 * token verification. A service adds its own variables on top:
 *
 * ```ts
 * export const configSchema = envSchema({ ...serviceEnv(4010), MY_SETTING: envInt({ default: 3 }) });
 * ```
 */
export function serviceEnv(defaultPort: number) {
  return {
    ...logEnv,
    ...httpEnv(defaultPort),
    ...httpProtectionEnv,
    ...databaseEnv,
    ...amqpEnv,
    /**
     * Prefix for this deployment's queue names (e.g. `staging.`); tests use a
     * unique one per file so parallel runs never share a queue.
     */
    AMQP_QUEUE_PREFIX: envString().optional(),
    /**
     * How long an `Idempotency-Key` claim holds before a retry may take it over
     * (the process that made it may have died): 30 s by default.
     */
    IDEMPOTENCY_LEASE_MS: envInt({ min: 100, max: 3_600_000, default: 30_000 }),
    /**
     * Where `GET /metrics` is served: on a port of its own when set (a cluster's
     * Prometheus scrapes it there and no Ingress routes to it), else beside the API.
     */
    METRICS_PORT: envInt({ min: 0, max: 65535 }).optional(),
    ...authEnv,
  };
}

/** The parsed variables every service has. */
export type BaseServiceConfig = z.output<z.ZodObject<ReturnType<typeof serviceEnv>>>;
