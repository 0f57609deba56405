import { ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS } from '../auth/algorithms.js';
import { envByteSize, envEnum, envInt, envList, envString, envUrl } from './env.js';

/**
 * Reusable pieces of a service's environment. They are zod *shapes* so that a
 * service composes exactly the ones it needs:
 *
 * ```ts
 * const schema = envSchema({ ...httpEnv(4102), ...logEnv, ...databaseEnv, ...amqpEnv, ...authEnv });
 * ```
 *
 * The variable names are a contract with `docker-compose.yml` and the service
 * READMEs; `describeConfig` lists them.
 */

/** HTTP listener. `defaultPort` differs per service so they can all run on one machine. */
export function httpEnv(defaultPort: number) {
  return {
    PORT: envInt({ min: 0, max: 65535, default: defaultPort }),
    HTTP_BODY_LIMIT: envByteSize({ default: '256kb' }),
    PUBLIC_BASE_URL: envUrl({ protocols: ['http', 'https'] }).optional(),
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const logEnv = {
  LOG_LEVEL: envEnum(LOG_LEVELS, { default: 'info' }),
  NODE_ENV: envEnum(NODE_ENVS, { default: 'development' }),
};

export const databaseEnv = {
  DATABASE_URL: envUrl({ protocols: ['postgres', 'postgresql'] }),
  DATABASE_POOL_MAX: envInt({ min: 1, max: 1000, default: 10 }),
};

export const amqpEnv = {
  AMQP_URL: envUrl({ protocols: ['amqp', 'amqps'] }),
  AMQP_EXCHANGE: envString({ default: 'hub.events' }),
  AMQP_PREFETCH: envInt({ min: 1, max: 65535, default: 20 }),
  AMQP_RETRY_DELAY_MS: envInt({ min: 0, max: 86_400_000, default: 5000 }),
  AMQP_MAX_ATTEMPTS: envInt({ min: 1, max: 1000, default: 5 }),
  AMQP_DELIVERY_LIMIT: envInt({ min: 1, max: 1000, default: 10 }),
  OUTBOX_POLL_INTERVAL_MS: envInt({ min: 10, max: 3_600_000, default: 500 }),
};

/**
 * Token verification. Exactly one of `AUTH_JWKS_URL` (an identity provider's
 * JWKS endpoint) and `AUTH_JWKS_FILE` (a JSON Web Key Set on disk) must be set;
 * `envSchema` enforces that when both keys are part of the shape.
 */
export const authEnv = {
  AUTH_ISSUER: envString(),
  AUTH_AUDIENCE: envString(),
  AUTH_ALGORITHMS: envList({ allowed: ASYMMETRIC_ALGORITHMS, default: DEFAULT_ALGORITHMS }),
  AUTH_JWKS_URL: envUrl({ protocols: ['http', 'https'] }).optional(),
  AUTH_JWKS_FILE: envString().optional(),
  AUTH_CLOCK_TOLERANCE_S: envInt({ min: 0, max: 300, default: 5 }),
  /** JOSE `typ` headers an access token may carry; ID tokens are refused whatever this says (ADR 5). */
  AUTH_ACCESS_TOKEN_TYPES: envList({ default: ['at+jwt', 'JWT'] }),
};

export const redisEnv = {
  REDIS_URL: envUrl({ protocols: ['redis', 'rediss'] }),
};

/**
 * Groups of variables of which exactly one must be set. `envSchema` checks
 * every group whose variables are all part of the schema.
 */
export const EXACTLY_ONE_OF: readonly (readonly string[])[] = [['AUTH_JWKS_URL', 'AUTH_JWKS_FILE']];
