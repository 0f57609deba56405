import { pathToFileURL } from 'node:url';
import { openApiDocument, validateEvent } from '@referral-hub/contracts';
import { readPackageVersion, startService } from '@referral-hub/platform';
import type { Env, Logger, RunningService } from '@referral-hub/platform';
import { loadNotificationsConfig } from './config.js';
import type { NotificationsConfig } from './config.js';
import { createNotificationsDatabase } from './data-access/database.js';
import type { Tx } from './data-access/database.js';
import type { PrismaClient } from './data-access/generated/prisma/client.js';
import { createRedisConnection } from './data-access/redis.js';
import type { RedisConnection } from './data-access/redis.js';
import { registerRoutes } from './entry-points/http/routes.js';
import { eventHandlers } from './entry-points/messaging/handlers.js';

export type RunningNotifications = RunningService<NotificationsConfig, PrismaClient, Tx> & { redis: RedisConnection };

/**
 * Builds and starts the notifications service: database, broker, outbox
 * relay, event consumer, Redis, HTTP.
 */
export async function start(options: { env?: Env; logger?: Logger } = {}): Promise<RunningNotifications> {
  const config = loadNotificationsConfig(options.env);
  // Opens nothing until `startService` connects it, so a start that fails
  // earlier leaves no connection behind.
  const redis = createRedisConnection({ url: config.REDIS_URL, name: 'notifications' });
  const service = await startService({
    name: 'notifications',
    version: readPackageVersion(import.meta.url),
    config,
    openapi: openApiDocument('notifications'),
    validator: validateEvent,
    database: createNotificationsDatabase,
    routes: (router, context) => registerRoutes(router, context),
    consumer: { service: 'notifications', handlers: () => eventHandlers() },
    // Redis is where delivery jobs will run: connected before the consumer
    // starts handing it work, closed after the consumer has stopped.
    resources: [
      {
        name: 'redis',
        connect: (logger) => redis.connect(logger),
        close: () => redis.close(),
        healthCheck: () => redis.healthCheck(),
      },
    ],
    // Will publish notification.delivered / notification.failed.
    publishes: true,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { ...service, redis };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const service = await start();
  service.lifecycle.installSignalHandlers();
}
