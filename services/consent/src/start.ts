import { pathToFileURL } from 'node:url';
import { openApiDocument, validateEvent } from '@referral-hub/contracts';
import { createKeyRingCipher, readPackageVersion, startService } from '@referral-hub/platform';
import type { Env, Logger, RunningService } from '@referral-hub/platform';
import { loadConsentConfig } from './config.js';
import type { ConsentConfig } from './config.js';
import { createConsentDatabase } from './data-access/database.js';
import { createConsentTexts, developmentTextKeys } from './data-access/sealed-texts.js';
import { createPolicyCache } from './domain/current-policy.js';
import type { Tx } from './data-access/database.js';
import type { PrismaClient } from './data-access/generated/prisma/client.js';
import { registerRoutes } from './entry-points/http/routes.js';
import { eventHandlers } from './entry-points/messaging/handlers.js';
import { startExpiryScheduler } from './entry-points/scheduler/expiry.js';

export type RunningConsent = RunningService<ConsentConfig, PrismaClient, Tx>;

/** Builds and starts the consent service: database, broker, outbox relay, consumer, expiry job, HTTP. */
export async function start(options: { env?: Env; logger?: Logger } = {}): Promise<RunningConsent> {
  const config = loadConsentConfig(options.env);
  const textKeys = config.CONSENT_TEXT_KEYS ?? developmentTextKeys();
  const texts = createConsentTexts(textKeys);
  const service = await startService({
    name: 'consent',
    version: readPackageVersion(import.meta.url),
    config,
    openapi: openApiDocument('consent'),
    validator: validateEvent,
    database: createConsentDatabase,
    idempotentRequests: true,
    // Stored answers repeat the free texts (an override's justification…): sealed with the same key ring.
    idempotencyCipher: createKeyRingCipher(textKeys, 'Consent text'),
    routes: (router, context) => registerRoutes(router, { ...context, texts, policies: createPolicyCache() }),
    // Publishes consent.*. Consumes the directory's organisation changes for
    // their type (recipient exclusions); single-use consents are consumed by
    // the sharing decision made at submit, not by an event.
    publishes: true,
    consumer: { service: 'consent', handlers: () => eventHandlers() },
    background: (context) =>
      Promise.resolve(
        startExpiryScheduler({
          db: context.db,
          outbox: context.outbox,
          logger: context.logger,
          intervalMs: context.config.CONSENT_EXPIRY_INTERVAL_MS,
          batchSize: context.config.CONSENT_EXPIRY_BATCH_SIZE,
        }),
      ),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  if (config.CONSENT_TEXT_KEYS === undefined) service.logger.warn('CONSENT_TEXT_KEYS is not set: free texts are sealed with the development key (never in production)');
  return service;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const service = await start();
  service.lifecycle.installSignalHandlers();
}
