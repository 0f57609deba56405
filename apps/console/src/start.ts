/**
 * Starts the console: `PORT`, the OpenID Connect client (`OIDC_*`), Redis for
 * sessions and the services' URLs come from the environment (README).
 */
import type { Server } from 'node:http';
import { createLogger, createRedisRateLimitStore, createServiceMetrics, startMetricsServer } from '@referral-hub/platform';
import { Redis } from 'ioredis';
import { createConsoleApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createSignIn } from './oidc.js';
import { redisSessionStore } from './session.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`console: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
const logger = createLogger({ service: 'console', version: process.env.SERVICE_VERSION ?? '0.1.0', level: config.logLevel });
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
// The public pages' rate limits count in the same Redis, under the console's prefix.
const rateLimitStore = createRedisRateLimitStore({ url: config.redisUrl, prefix: `${config.sessionPrefix}rate:`, logger });
// Requests by route, Node's own figures; on METRICS_PORT when set (the pages are public, the metrics are not).
const metrics = createServiceMetrics({ service: 'console' });
const metricsServer = config.metricsPort === undefined ? undefined : await startMetricsServer(metrics, config.metricsPort, config.host);
const app = createConsoleApp({
  config,
  logger,
  metrics,
  rateLimitStore,
  sessions: redisSessionStore(redis, config.sessionPrefix, config.sessionIdleSeconds),
  signIn: createSignIn(config),
  ready: async () => {
    await redis.ping();
  },
});
const server: Server = app.listen(config.port, config.host, () => {
  logger.info({ url: config.publicUrl }, 'console listening');
});
const stop = (): void => {
  server.close(() => {
    Promise.allSettled([redis.quit(), rateLimitStore.close(), metricsServer?.close()]).finally(() => process.exit(0));
  });
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
