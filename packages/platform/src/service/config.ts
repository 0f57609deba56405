import { amqpEnv, authEnv, databaseEnv, envString, httpEnv, logEnv } from '../config/index.js';
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
    ...databaseEnv,
    ...amqpEnv,
    /**
     * Prefix for this deployment's queue names (e.g. `staging.`); tests use a
     * unique one per file so parallel runs never share a queue.
     */
    AMQP_QUEUE_PREFIX: envString().optional(),
    ...authEnv,
  };
}

/** The parsed variables every service has. */
export type BaseServiceConfig = z.output<z.ZodObject<ReturnType<typeof serviceEnv>>>;
