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

/**
 * Protection of the HTTP listener: a per-client request limit (counted in
 * Redis when `REDIS_URL` is set, so replicas share it; in the instance's memory
 * otherwise) and the time a connection may take over a request.
 */
export const httpProtectionEnv = {
  /** Where request counts are kept, shared by every replica. Unset: each instance counts alone. */
  REDIS_URL: envUrl({ protocols: ['redis', 'rediss'] }).optional(),
  /** Requests one client (a token's organisation and subject, or an address) may make per window; 0 turns the limit off. */
  RATE_LIMIT_REQUESTS: envInt({ min: 0, max: 1_000_000, default: 600 }),
  /** The window of `RATE_LIMIT_REQUESTS`. */
  RATE_LIMIT_WINDOW_MS: envInt({ min: 1000, max: 3_600_000, default: 60_000 }),
  /** OAuth clients (token claim `client_id`, never `sub`) never limited: the hub's own services, whose calls carry many people's work. */
  RATE_LIMIT_EXEMPT_CLIENTS: envList({ minItems: 0, default: ['referrals-service', 'notifications-service'] }),
  /** Until a request's headers are all received; a slower client gets a 408 and is disconnected. */
  HTTP_HEADERS_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 10_000 }),
  /** Until a whole request (body included) is received; a slower client gets a 408 and is disconnected. */
  HTTP_REQUEST_TIMEOUT_MS: envInt({ min: 100, max: 3_600_000, default: 60_000 }),
  /** How long an idle keep-alive connection waits for its next request (keep it above a load balancer's). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 5_000 }),
  /** A connection with no traffic either way for this long is closed. */
  HTTP_IDLE_TIMEOUT_MS: envInt({ min: 100, max: 3_600_000, default: 60_000 }),
  /**
   * How many proxies in front of the service (an Ingress controller, a load balancer) append the
   * address they received to `X-Forwarded-For`: a client's address is read that many hops from the
   * right, so a value a client writes itself is never believed. 0 (the default): the connection's
   * own address, `X-Forwarded-For` ignored.
   */
  TRUSTED_PROXY_HOPS: envInt({ min: 0, max: 10, default: 0 }),
};

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
