import { pathToFileURL } from 'node:url';
import { openApiDocument, validateEvent } from '@referral-hub/contracts';
import { readPackageVersion, startService } from '@referral-hub/platform';
import type { Env, Logger, RunningService } from '@referral-hub/platform';
import { loadDirectoryConfig } from './config.js';
import type { DirectoryConfig } from './config.js';
import { createDirectoryDatabase } from './data-access/database.js';
import type { Tx } from './data-access/database.js';
import type { PrismaClient } from './data-access/generated/prisma/client.js';
import { registerRoutes } from './entry-points/http/routes.js';

export type RunningDirectory = RunningService<DirectoryConfig, PrismaClient, Tx>;

/** Builds and starts the directory: database, broker, outbox relay, HTTP. */
export async function start(options: { env?: Env; logger?: Logger } = {}): Promise<RunningDirectory> {
  const config = loadDirectoryConfig(options.env);
  return startService({
    name: 'directory',
    version: readPackageVersion(import.meta.url),
    config,
    openapi: openApiDocument('directory'),
    validator: validateEvent,
    database: createDirectoryDatabase,
    idempotentRequests: true,
    routes: (router, context) =>
      registerRoutes(router, {
        ...context,
        staleness: { staleAfterDays: config.DIRECTORY_STALE_AFTER_DAYS },
        importMaxBytes: config.DIRECTORY_IMPORT_MAX_BYTES,
      }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const service = await start();
  service.lifecycle.installSignalHandlers();
}
