import type { HealthCheck, Logger } from '@referral-hub/platform';
import { Redis } from 'ioredis';

/**
 * The service's connection to Redis, where notification jobs will wait for
 * delivery. Creating it opens nothing; {@link RedisConnection.connect} does,
 * so a service that fails to start before connecting leaves nothing open.
 */
export type RedisConnection = {
  readonly client: Redis;
  /**
   * Connects, failing if Redis cannot be reached now (the service then does
   * not start, as with PostgreSQL and RabbitMQ). Once connected, a lost
   * connection is re-established in the background.
   */
  connect(logger: Logger): Promise<void>;
  /** A `/readyz` check: PING answered with PONG. */
  healthCheck(): HealthCheck;
  /** Quits cleanly when connected, otherwise drops the socket; never rejects. */
  close(): Promise<void>;
};

export function createRedisConnection(options: { url: string; name: string; connectTimeoutMs?: number }): RedisConnection {
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    // While disconnected, fail commands at once rather than queue them: a
    // readiness probe must say "down" now, not when its timeout expires.
    enableOfflineQueue: false,
  });

  return {
    client,
    async connect(logger) {
      // ioredis reports every failed (re)connection as an `error` event; one
      // without a listener would crash the process. The URL is never logged:
      // it may carry a password.
      client.on('error', (error: Error & { code?: unknown }) => {
        logger.warn({ component: 'redis', code: typeof error.code === 'string' ? error.code : undefined }, 'Redis connection error');
      });
      try {
        await client.connect();
      } catch (error) {
        // Stop the background reconnection a failed first attempt leaves behind.
        client.disconnect();
        throw error;
      }
      logger.info({ component: 'redis' }, 'Connected to Redis');
    },
    healthCheck: () => ({
      name: 'redis',
      check: async () => {
        const reply = await client.ping();
        if (reply !== 'PONG') throw new Error('Redis answered PING with something else than PONG');
      },
    }),
    async close() {
      if (client.status === 'end') return;
      // QUIT resolves on Redis's reply, a moment before the socket is closed:
      // wait for the close so that stop() really leaves nothing open.
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      if (client.status === 'ready') {
        await client.quit().catch(() => client.disconnect());
      } else {
        client.disconnect();
      }
      await ended;
    },
  };
}
