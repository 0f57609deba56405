import { pathToFileURL } from 'node:url';
import { openApiDocument, validateEvent } from '@referral-hub/contracts';
import { createClientCredentialsProvider, readPackageVersion, startPeriodicJob, startService } from '@referral-hub/platform';
import type { Env, Logger, RunningService, ServiceTokenProvider } from '@referral-hub/platform';
import { loadNotificationsConfig, messageIdDomain } from './config.js';
import type { NotificationsConfig } from './config.js';
import { createNotificationsDatabase } from './data-access/database.js';
import type { Tx } from './data-access/database.js';
import type { PrismaClient } from './data-access/generated/prisma/client.js';
import { createRedisConnection } from './data-access/redis.js';
import type { RedisConnection } from './data-access/redis.js';
import type { ChannelSender } from './domain/channels.js';
import { createDevOutboxSender, startDevOutboxServer } from './delivery/dev-outbox.js';
import { createEmailSender } from './delivery/email.js';
import { createDeliveryQueue, startDeliveryWorker } from './delivery/queue.js';
import { createSecretCipher, developmentSecretKeys } from './delivery/secret-cipher.js';
import { createAfricasTalkingSender, createHttpSmsSender } from './delivery/sms.js';
import { createWebhookSender } from './delivery/webhook.js';
import type { DeliveryQueue } from './delivery/queue.js';
import { assertSmsFit } from './domain/messages/render.js';
import { LANGUAGES, MESSAGE_KINDS } from './domain/messages/templates.js';
import type { NotifyDeps, ReferralContextSource } from './domain/notify-referral-event.js';
import { sweepLostDeliveries } from './domain/sweep-lost-deliveries.js';
import { registerPhoneCallbacks } from './entry-points/http/phone-callbacks.js';
import { registerRoutes } from './entry-points/http/routes.js';
import { eventHandlers } from './entry-points/messaging/handlers.js';
import { registerDeliveryMetrics } from './entry-points/metrics.js';
import { createReferralsContextSource } from './gateways/referrals-client.js';
import { createReferralsPhoneClient } from './gateways/referrals-phone-client.js';
import type { ReferralsPhone } from './gateways/referrals-phone-client.js';
import { purgeInboundMessages } from './data-access/inbound-messages.js';
import { createPhoneRateLimit, createUssdSessions } from './data-access/phone-limits.js';
import { fallBackAfterFailedDelivery, recordDeliveryReport } from './domain/record-delivery-report.js';
import { receiveSms } from './domain/receive-sms.js';
import type { ReceiveSmsDeps } from './domain/receive-sms.js';
import type { UssdItem } from './domain/ussd-menu.js';

export type RunningNotifications = RunningService<NotificationsConfig, PrismaClient, Tx> & {
  redis: RedisConnection;
  deliveries: DeliveryQueue;
  /** The development catcher's page, when served (never in production). */
  devOutboxUrl: string | undefined;
  /**
   * What `receiveSms` needs (an SMS command as if the provider had called back), when the referrals
   * service is configured: the development outbox's "reply" uses it.
   */
  phoneInbound: ReceiveSmsDeps | undefined;
};

export type StartOptions = {
  env?: Env;
  logger?: Logger;
  /**
   * Where recipients' names and contacts come from. By default the referrals
   * service (`REFERRALS_URL`), when configured; without either, only webhooks
   * go out.
   */
  contexts?: ReferralContextSource;
  /** This service's token for calls to referrals; by default client credentials from the config. */
  serviceTokens?: ServiceTokenProvider;
  /** Replaces the senders built from the configuration (an SMS provider, in tests a failing one). */
  senders?: Partial<Record<'email' | 'sms' | 'webhook', ChannelSender>>;
};

/**
 * Builds and starts the notifications service: database, broker, outbox
 * relay, Redis and the delivery queue, event consumer, delivery workers, HTTP.
 */
export async function start(options: StartOptions = {}): Promise<RunningNotifications> {
  const config = loadNotificationsConfig(options.env);
  // A link template that leaves no room in an SMS is a configuration error: stop now, not at the first SMS.
  assertSmsFit(config.REFERRAL_LINK_TEMPLATE, MESSAGE_KINDS, LANGUAGES);
  // Opens nothing until `startService` connects it, so a start that fails
  // earlier leaves no connection behind.
  const redis = createRedisConnection({ url: config.REDIS_URL, name: 'notifications' });
  const queueOptions = {
    redisUrl: config.REDIS_URL,
    prefix: config.NOTIFICATIONS_QUEUE_PREFIX,
    attempts: config.DELIVERY_ATTEMPTS,
    backoffMs: config.DELIVERY_BACKOFF_MS,
  };
  const deliveries = createDeliveryQueue(queueOptions);
  const cipher = createSecretCipher(config.NOTIFICATIONS_SECRET_KEYS ?? developmentSecretKeys());
  const contexts = options.contexts ?? referralsContextSource(config, options.serviceTokens);
  const phoneReferrals = referralsPhoneClient(config, options.serviceTokens);
  const notify = (): NotifyDeps => ({
    ...(contexts === undefined ? {} : { contexts }),
    linkTemplate: config.REFERRAL_LINK_TEMPLATE,
    actionLinkTemplate: config.ACTION_LINK_URL_TEMPLATE,
    enqueue: (jobs) => deliveries.enqueue(jobs),
  });
  const senders: Partial<Record<'email' | 'sms' | 'webhook', ChannelSender>> = {
    ...(config.SMTP_URL === undefined ? {} : { email: createEmailSender({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, messageIdDomain: messageIdDomain(config), poolConnections: config.SMTP_POOL_CONNECTIONS }) }),
    ...smsSenderFrom(config),
    ...options.senders,
  };
  // The phone channels (SMS commands, USSD menu): their counters and sessions live in Redis beside the queue's keys.
  const phonePrefix = `${config.NOTIFICATIONS_QUEUE_PREFIX}:phone`;
  const phoneRateLimit = () => createPhoneRateLimit(redis.client, { prefix: phonePrefix, limit: config.PHONE_RATE_LIMIT_MESSAGES, windowMs: config.PHONE_RATE_LIMIT_WINDOW_MS });
  let phoneInbound: ReceiveSmsDeps | undefined;
  const phoneInboundDeps = (db: ReceiveSmsDeps['db'], logger: Logger): ReceiveSmsDeps | undefined =>
    phoneReferrals === undefined ? undefined : { db, referrals: phoneReferrals, rateLimit: phoneRateLimit(), enqueue: (jobs) => deliveries.enqueue(jobs), logger };
  const service = await startService({
    name: 'notifications',
    version: readPackageVersion(import.meta.url),
    config,
    openapi: openApiDocument('notifications'),
    validator: validateEvent,
    database: createNotificationsDatabase,
    routes: (router, context) => {
      registerRoutes(router, { ...context, cipher, enqueue: (jobs) => deliveries.enqueue(jobs) });
      phoneInbound = phoneInboundDeps(context.db, context.logger);
      registerPhoneCallbacks(router, {
        key: config.PHONE_CALLBACK_KEY,
        sms: phoneInbound,
        ussd:
          phoneReferrals === undefined
            ? undefined
            : { referrals: phoneReferrals, sessions: createUssdSessions<UssdItem>(redis.client, { prefix: phonePrefix, ttlMs: USSD_SESSION_TTL_MS }), rateLimit: phoneRateLimit(), logger: context.logger },
        recordDeliveryReport: (report) => recordDeliveryReport({ db: context.db, notify: notify(), logger: context.logger }, report),
        logger: context.logger,
      });
    },
    consumer: { service: 'notifications', handlers: (context) => eventHandlers({ notify: notify(), pool: context.pool }) },
    // Redis and the queue are connected before the consumer starts handing
    // them work, and closed after the consumer and the workers have stopped.
    resources: [
      {
        name: 'redis',
        connect: (logger) => redis.connect(logger),
        close: () => redis.close(),
        healthCheck: () => redis.healthCheck(),
      },
      {
        name: 'delivery queue',
        connect: (logger) => deliveries.connect(logger),
        close: () => deliveries.close(),
        healthCheck: () => deliveries.healthCheck(),
      },
    ],
    // Workers and the sweep stop before the consumer, the queue and Redis.
    background: async (context) => {
      const worker = await startDeliveryWorker({
        ...queueOptions,
        concurrency: config.DELIVERY_CONCURRENCY,
        leaseMs: config.DELIVERY_LEASE_MS,
        db: context.db,
        pool: context.pool,
        outbox: context.outbox,
        senders: {
          webhook: createWebhookSender({ db: context.db, cipher, allowAnyAddress: config.WEBHOOK_ALLOW_HTTP }),
          // Outside production, what has no provider is caught for the development outbox page instead of failing.
          ...(config.NODE_ENV === 'production'
            ? {}
            : { email: createDevOutboxSender(context.db, 'email'), sms: createDevOutboxSender(context.db, 'sms') }),
          ...senders,
        },
        logger: context.logger,
        onFailed: (deliveryId) => fallBackAfterFailedDelivery({ db: context.db, notify: notify(), logger: context.logger }, deliveryId),
      });
      registerDeliveryMetrics(context.metrics, deliveries.queue, worker.worker);
      // Deliveries still queued (or claimed by a worker that died) whose job Redis lost are queued again.
      const sweep = startPeriodicJob({
        name: 'lost delivery sweep',
        intervalMs: config.DELIVERY_SWEEP_INTERVAL_MS,
        logger: context.logger,
        run: async () => {
          await sweepLostDeliveries({
            db: context.db,
            pool: context.pool,
            outbox: context.outbox,
            notify: notify(),
            jobExists: (id) => deliveries.jobWillRun(id),
            olderThanMs: config.DELIVERY_SWEEP_AFTER_MS,
            logger: context.logger,
          });
        },
      });
      return {
        async stop() {
          await sweep.stop();
          await worker.stop();
        },
      };
    },
    publishes: true,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  if (contexts === undefined) service.logger.warn('REFERRALS_URL is not set: referral events go to webhooks only, no person is e-mailed or texted');
  if (config.NOTIFICATIONS_SECRET_KEYS === undefined) service.logger.warn('NOTIFICATIONS_SECRET_KEYS is not set: webhook secrets are encrypted with the development key (never in production)');
  let devOutboxUrl: string | undefined;
  const devPort = config.DEV_OUTBOX_PORT ?? (config.NODE_ENV === 'development' ? 4041 : undefined);
  if (config.NODE_ENV !== 'production' && devPort !== undefined) {
    try {
      // Its reply form plays the focal point: an SMS from the caught SMS's recipient, as the provider would call back.
      const inbound = phoneInbound;
      const page = await startDevOutboxServer(service.db, devPort, service.logger, inbound === undefined ? {} : { receiveSms: (msg) => receiveSms(inbound, msg) });
      service.lifecycle.onStop('development outbox page', () => page.close());
      devOutboxUrl = page.url;
    } catch (error) {
      await service.stop();
      throw error;
    }
  }
  // The inbound log only has to outlive the providers' redeliveries (hours): it is kept a month, then forgotten.
  const inboundPurge = startPeriodicJob({
    name: 'inbound message purge',
    intervalMs: 60 * 60 * 1000,
    firstRunAfterMs: 60 * 1000,
    logger: service.logger,
    run: async () => {
      const purged = await purgeInboundMessages(service.db.client, new Date(Date.now() - INBOUND_MESSAGE_RETENTION_MS));
      if (purged > 0) service.logger.info({ purged }, 'Forgot inbound SMS commands older than a month');
    },
  });
  service.lifecycle.onStop('inbound message purge', () => inboundPurge.stop());
  if (config.PHONE_CALLBACK_KEY !== undefined && phoneReferrals === undefined) service.logger.warn('PHONE_CALLBACK_KEY is set but REFERRALS_URL is not: SMS commands and the USSD menu answer 404 (delivery reports are taken)');
  return { ...service, redis, deliveries, devOutboxUrl, phoneInbound };
}

/** This service's own token for calls to referrals: the one given, else client credentials from the config (one provider, one cached token). */
const providers = new WeakMap<NotificationsConfig, ServiceTokenProvider>();
function serviceTokenProvider(config: NotificationsConfig, tokens: ServiceTokenProvider | undefined): ServiceTokenProvider | undefined {
  if (tokens !== undefined) return tokens;
  const made = providers.get(config);
  if (made !== undefined) return made;
  if (config.AUTH_CLIENT_TOKEN_URL === undefined || config.AUTH_CLIENT_ID === undefined || config.AUTH_CLIENT_SECRET === undefined) return undefined;
  const provider = createClientCredentialsProvider({
    tokenUrl: config.AUTH_CLIENT_TOKEN_URL,
    clientId: config.AUTH_CLIENT_ID,
    clientSecret: config.AUTH_CLIENT_SECRET,
    audience: config.AUTH_CLIENT_AUDIENCE ?? config.AUTH_AUDIENCE,
  });
  providers.set(config, provider);
  return provider;
}

/** The referrals service as the source of recipients, when configured (all its variables were checked together). */
function referralsContextSource(config: NotificationsConfig, tokens: ServiceTokenProvider | undefined): ReferralContextSource | undefined {
  if (config.REFERRALS_URL === undefined) return undefined;
  const provider = serviceTokenProvider(config, tokens);
  if (provider === undefined) return undefined;
  return createReferralsContextSource({ baseUrl: config.REFERRALS_URL, tokens: provider, timeoutMs: config.REFERRALS_TIMEOUT_MS });
}

/** How long the inbound log keeps a message's id, command and outcome. */
const INBOUND_MESSAGE_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** How long a USSD session's list is kept (Africa's Talking ends a session after about three minutes). */
const USSD_SESSION_TTL_MS = 10 * 60 * 1000;

/** The referrals service's phone endpoints, when configured (the same client as the notification context). */
function referralsPhoneClient(config: NotificationsConfig, tokens: ServiceTokenProvider | undefined): ReferralsPhone | undefined {
  const provider = serviceTokenProvider(config, tokens);
  if (config.REFERRALS_URL === undefined || provider === undefined) return undefined;
  return createReferralsPhoneClient({ baseUrl: config.REFERRALS_URL, tokens: provider, timeoutMs: config.REFERRALS_TIMEOUT_MS });
}

/** The SMS sender the configuration chooses (its variables were checked when it was loaded). */
function smsSenderFrom(config: NotificationsConfig): { sms?: ChannelSender } {
  if (config.SMS_PROVIDER === 'africastalking' && config.AFRICASTALKING_USERNAME !== undefined && config.AFRICASTALKING_API_KEY !== undefined) {
    return {
      sms: createAfricasTalkingSender({
        baseUrl: config.AFRICASTALKING_BASE_URL,
        username: config.AFRICASTALKING_USERNAME,
        apiKey: config.AFRICASTALKING_API_KEY,
        ...(config.AFRICASTALKING_SENDER_ID === undefined ? {} : { senderId: config.AFRICASTALKING_SENDER_ID }),
      }),
    };
  }
  if (config.SMS_PROVIDER === 'http' && config.SMS_HTTP_URL !== undefined) {
    return { sms: createHttpSmsSender({ url: config.SMS_HTTP_URL, ...(config.SMS_HTTP_TOKEN === undefined ? {} : { token: config.SMS_HTTP_TOKEN }) }) };
  }
  return {};
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const service = await start();
  service.lifecycle.installSignalHandlers();
}
