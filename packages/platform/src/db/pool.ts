import pg from 'pg';

import type { HealthCheck } from '../health/types.js';

/** Where pool-level errors go. A pino logger satisfies it. */
export type PoolErrorLogger = {
  error(fields: Record<string, unknown>, message: string): void;
};

export type CreatePoolOptions = {
  connectionString: string;
  /** Most connections this process opens to the database. Default 10. */
  max?: number;
  /** Shown in `pg_stat_activity.application_name`, e.g. the service name. */
  applicationName?: string;
  /** How long a checkout may wait for a free connection before failing. Default 10 s. */
  connectionTimeoutMillis?: number;
  /** How long an idle connection is kept open. Default 30 s. */
  idleTimeoutMillis?: number;
  /** Receives errors of idle connections (server restart, network cut). Default: one line on stderr. */
  logger?: PoolErrorLogger;
};

/**
 * Creates the process's PostgreSQL connection pool.
 *
 * An idle client that loses its connection makes `pg.Pool` emit `error`; with
 * no listener Node turns that into an uncaught exception and the whole service
 * dies, although the pool would simply open a new connection on the next
 * checkout. So the listener only reports it.
 */
export function createPool(options: CreatePoolOptions): pg.Pool {
  const config: pg.PoolConfig = {
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
  };
  if (options.applicationName !== undefined) config.application_name = options.applicationName;
  const pool = new pg.Pool(config);
  const logger = options.logger;
  pool.on('error', (error: Error) => {
    // Only the message and code: a driver error never carries row data, but the
    // connection string (with its password) must not end up in the logs either.
    const fields = { err: { message: error.message, code: errorCode(error) } };
    if (logger !== undefined) logger.error(fields, 'idle PostgreSQL connection failed; the pool will reconnect');
    else process.stderr.write(`idle PostgreSQL connection failed; the pool will reconnect: ${error.message}\n`);
  });
  return pool;
}

/**
 * A `/readyz` check that runs `SELECT 1` through the pool. It rejects as soon as
 * `signal` aborts, even while the query (or the wait for a free connection) is
 * still pending, so one stuck database cannot hold the readiness probe.
 */
export function databaseHealthCheck(pool: pg.Pool, name = 'postgres'): HealthCheck {
  return {
    name,
    check: async (signal: AbortSignal): Promise<void> => {
      signal.throwIfAborted();
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('health check aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      const query = pool.query('SELECT 1');
      // The query keeps running after an abort; swallow its late outcome so it
      // does not become an unhandled rejection.
      query.catch(() => undefined);
      try {
        await Promise.race([query, aborted]);
      } finally {
        if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

function errorCode(error: Error): string | undefined {
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
