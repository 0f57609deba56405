import { pathToFileURL } from 'node:url';
import { openApiDocument, validateEvent } from '@referral-hub/contracts';
import { createClientCredentialsProvider, createKeyRingCipher, readPackageVersion, startService } from '@referral-hub/platform';
import type { Env, Logger, RunningService, ServiceContext, ServiceTokenProvider } from '@referral-hub/platform';
import { loadReferralsConfig } from './config.js';
import type { ReferralsConfig } from './config.js';
import { createReferralsDatabase } from './data-access/database.js';
import type { Tx } from './data-access/database.js';
import { createAccessLogWriter } from './data-access/referral-read.js';
import type { PrismaClient } from './data-access/generated/prisma/client.js';
import { createActionLinkTokens, developmentActionLinkKeys } from './domain/action-link-token.js';
import type { ReferralDeps } from './domain/deps.js';
import { createPayloadCipher } from './domain/payload-cipher.js';
import { sealLegacyNeedTexts } from './domain/seal-legacy-need-texts.js';
import { registerRoutes } from './entry-points/http/routes.js';
import { eventHandlers } from './entry-points/messaging/handlers.js';
import { startDeadlineScheduler } from './entry-points/scheduler/deadlines.js';
import { startDirectoryDetailsRefresher } from './entry-points/scheduler/directory-details.js';
import { startPhoneRequestsPurge } from './entry-points/scheduler/phone-requests.js';
import { createConsentClient } from './gateways/consent-client.js';
import { createDirectoryClient } from './gateways/directory-client.js';
import { registerReferralMetrics } from './entry-points/metrics.js';

export type RunningReferrals = RunningService<ReferralsConfig, PrismaClient, Tx> & { deps: ReferralDeps };

export type StartOptions = {
  env?: Env;
  logger?: Logger;
  /** This service's token for calls to consent and the directory; by default client credentials from the config. */
  serviceTokens?: ServiceTokenProvider;
  /** The clock (tests move it to pass deadlines). */
  now?: () => Date;
};

/** Builds and starts the referrals service: database, broker, outbox relay, consumer, deadline job, directory details refresher, HTTP. */
export async function start(options: StartOptions = {}): Promise<RunningReferrals> {
  const config = loadReferralsConfig(options.env);
  const tokens =
    options.serviceTokens ??
    createClientCredentialsProvider({
      tokenUrl: config.AUTH_CLIENT_TOKEN_URL,
      clientId: config.AUTH_CLIENT_ID,
      clientSecret: config.AUTH_CLIENT_SECRET,
      audience: config.AUTH_CLIENT_AUDIENCE ?? config.AUTH_AUDIENCE,
    });
  const consent = createConsentClient({ baseUrl: config.CONSENT_URL, tokens, timeoutMs: config.CONSENT_TIMEOUT_MS });
  const directory = createDirectoryClient({ baseUrl: config.DIRECTORY_URL, tokens, timeoutMs: config.DIRECTORY_TIMEOUT_MS });
  const cipher = createPayloadCipher(config.REFERRAL_PAYLOAD_KEYS);
  const now = options.now ?? (() => new Date());
  const actionLinks = createActionLinkTokens(config.ACTION_LINK_KEYS ?? developmentActionLinkKeys(), config.ACTION_LINK_TTL_SECONDS);
  const depsOf = (context: ServiceContext<ReferralsConfig, PrismaClient, Tx>): ReferralDeps => ({
    db: context.db,
    pool: context.pool,
    accessLog: createAccessLogWriter(context.pool),
    outbox: context.outbox,
    cipher,
    consent,
    deadlines: { acknowledge: config.REFERRAL_ACKNOWLEDGE_WITHIN, decide: config.REFERRAL_DECIDE_WITHIN, escalate: config.REFERRAL_ESCALATE_AFTER },
    pollSettleMs: config.REFERRAL_POLL_SETTLE_MS,
    notificationClients: { clientIds: config.NOTIFICATION_CLIENT_SUBJECTS ?? [], organizationId: config.HUB_ORGANIZATION_ID ?? null },
    actionLinks,
    now,
  });
  let deps: ReferralDeps | undefined;
  const running = await startService({
    name: 'referrals',
    version: readPackageVersion(import.meta.url),
    config,
    openapi: openApiDocument('referrals'),
    validator: validateEvent,
    database: createReferralsDatabase,
    idempotentRequests: true,
    // Answers hold the payload and the need: kept for replays sealed with the payload key ring.
    idempotencyCipher: createKeyRingCipher(config.REFERRAL_PAYLOAD_KEYS, 'Payload'),
    routes: (router, context) => registerRoutes(router, (deps ??= depsOf(context)), context.idempotency),
    consumer: { service: 'referrals', handlers: (context) => eventHandlers((deps ??= depsOf(context))) },
    background: async (context) => {
      registerReferralMetrics(context.metrics, context.db.client, now);
      const sealed = await sealLegacyNeedTexts((deps ??= depsOf(context)));
      if (sealed > 0) context.logger.info({ sealed }, 'Sealed need texts stored in clear before they were sealed at rest');
      const deadlines = startDeadlineScheduler({
        deps: (deps ??= depsOf(context)),
        logger: context.logger,
        intervalMs: config.REFERRAL_DEADLINE_INTERVAL_MS,
      });
      const details = startDirectoryDetailsRefresher({
        deps: { db: context.db, directory, now },
        logger: context.logger,
        intervalMs: config.DIRECTORY_REFRESH_INTERVAL_MS,
      });
      const phoneRequests = startPhoneRequestsPurge({ deps: (deps ??= depsOf(context)), logger: context.logger });
      return {
        async stop() {
          await Promise.all([deadlines.stop(), details.stop(), phoneRequests.stop()]);
        },
      };
    },
    publishes: true,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  if (config.ACTION_LINK_KEYS === undefined) {
    running.logger.warn('ACTION_LINK_KEYS is not set: email action links are signed with the development key (never in production)');
  }
  return { ...running, deps: deps ?? depsOf(running) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const service = await start();
  service.lifecycle.installSignalHandlers();
}
