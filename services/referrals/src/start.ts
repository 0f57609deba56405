import { pathToFileURL } from 'node:url';
import { openApiDocument, validateEvent } from '@referral-hub/contracts';
import { readPackageVersion, startService } from '@referral-hub/platform';
import type { Env, Logger, RunningService } from '@referral-hub/platform';
import { loadReferralsConfig } from './config.js';
import type { ReferralsConfig } from './config.js';
import { createReferralsDatabase } from './data-access/database.js';
import type { Tx } from './data-access/database.js';
import type { PrismaClient } from './data-access/generated/prisma/client.js';
import { registerRoutes } from './entry-points/http/routes.js';
import { eventHandlers } from './entry-points/messaging/handlers.js';

export type RunningReferrals = RunningService<ReferralsConfig, PrismaClient, Tx>;

/** Builds and starts the referrals service: database, broker, outbox relay, event consumer, HTTP. */
export async function start(options: { env?: Env; logger?: Logger } = {}): Promise<RunningReferrals> {
  const config = loadReferralsConfig(options.env);
  return startService({
    name: 'referrals',
    version: readPackageVersion(import.meta.url),
    config,
    openapi: openApiDocument('referrals'),
    validator: validateEvent,
    database: createReferralsDatabase,
    routes: (router, context) => registerRoutes(router, context),
    consumer: { service: 'referrals', handlers: () => eventHandlers() },
    publishes: true,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const service = await start();
  service.lifecycle.installSignalHandlers();
}
