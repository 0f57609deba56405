import { ConfigError, envBool, envKeyRing, envEnum, envInt, envSchema, envString, envUrl, loadConfig, redisEnv, serviceEnv } from '@referral-hub/platform';
import type { ConfigIssue, RingKey } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** One key of the key ring (the platform's `RingKey`). */
export type SecretKey = RingKey;

/** Every variable the notifications service reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4040),
  /** Where notification jobs wait for delivery (BullMQ). */
  ...redisEnv,
  /** Redis key prefix of the delivery queue: one per deployment (and per test). */
  NOTIFICATIONS_QUEUE_PREFIX: envString({ default: 'notifications' }),
  /** Attempts per message (the first included) before it is logged `failed`. */
  DELIVERY_ATTEMPTS: envInt({ min: 1, max: 50, default: 8 }),
  /**
   * How long a worker holds a delivery it is sending (renewed every third of it while it sends). After a
   * crash, a delivery claimed by the dead worker is sent again once this has run out.
   */
  DELIVERY_LEASE_MS: envInt({ min: 100, max: 3_600_000, default: 60_000 }),
  /** Delay before the first retry of a message; each next retry waits twice as long. */
  DELIVERY_BACKOFF_MS: envInt({ min: 1, max: 3_600_000, default: 30_000 }),
  /**
   * Deliveries sent at once by this instance (its BullMQ worker's concurrency). Each one mostly waits on a
   * provider, so more than the cores; replicas add theirs. Above the SMTP pool, e-mails wait for a connection.
   */
  DELIVERY_CONCURRENCY: envInt({ min: 1, max: 100, default: 10 }),
  /** The mail relay e-mail notifications go through. Without it, no e-mail is sent (logged `channel_unavailable`). */
  SMTP_URL: envUrl({ protocols: ['smtp', 'smtps'] }).optional(),
  /**
   * SMTP connections kept open to the relay and reused, rather than one opened per message (a handshake
   * and the relay's greeting delay each time). Per instance: mind the relay's limit on connections per client.
   */
  SMTP_POOL_CONNECTIONS: envInt({ min: 1, max: 50, default: 5 }),
  /** The `From` of notification e-mails. */
  MAIL_FROM: envString({ default: 'Referral hub <no-reply@referral-hub.invalid>' }),
  /**
   * The domain of every e-mail's `Message-ID`, `<delivery id@domain>`: the same on every attempt of a
   * delivery, so that mail systems drop a copy sent again after a crash. The domain of `MAIL_FROM` by default.
   */
  MAIL_MESSAGE_ID_DOMAIN: envString()
    .refine((value) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(value), 'must be a domain name (e.g. hub.example.org)')
    .optional(),
  /**
   * The link every message carries, with `{referralId}` and/or `{referralCode}`: the hub's web app or an
   * agency's own system. Checked at start to leave room for it in a 160-character SMS.
   */
  REFERRAL_LINK_TEMPLATE: envString({ default: 'http://127.0.0.1:4300/r/{referralCode}' })
    .refine((value) => /^https?:\/\/\S+$/.test(value), 'must be an http(s) URL')
    .refine((value) => /\{referral(Id|Code)\}/.test(value), 'must contain {referralId} or {referralCode}'),
  /**
   * The one-click answer links of the new-referral e-mail to a focal point, with `{token}` (the referrals
   * service's signed, single-use action token): by default the console's confirmation page of `npm start`.
   */
  ACTION_LINK_URL_TEMPLATE: envString({ default: 'http://127.0.0.1:4300/a/{token}' })
    .refine((value) => /^https?:\/\/\S+$/.test(value), 'must be an http(s) URL')
    .refine((value) => value.includes('{token}'), 'must contain {token}'),
  /**
   * Port of the development catcher's page (what was caught instead of sent), on 127.0.0.1 only. Defaults to
   * 4041 when `NODE_ENV=development`; never served in production.
   */
  DEV_OUTBOX_PORT: envInt({ min: 0, max: 65_535 }).optional(),
  /**
   * Development only (refused with `NODE_ENV=production`): accept `http://` webhook URLs and hosts on
   * loopback, private or link-local addresses, so that a subscriber on the developer's machine receives.
   */
  WEBHOOK_ALLOW_HTTP: envBool({ default: false }),
  /** Which SMS provider texts go through: none (SMS logged `channel_unavailable`), Africa's Talking, or a generic HTTP gateway. */
  SMS_PROVIDER: envEnum(['none', 'africastalking', 'http'], { default: 'none' }),
  /** Africa's Talking API: live `https://api.africastalking.com`, sandbox `https://api.sandbox.africastalking.com`. */
  AFRICASTALKING_BASE_URL: envUrl({ protocols: ['http', 'https'], default: 'https://api.africastalking.com' }),
  /** Africa's Talking application username (`sandbox` in the sandbox); required with that provider. */
  AFRICASTALKING_USERNAME: envString().optional(),
  /** Africa's Talking API key; required with that provider. A secret. */
  AFRICASTALKING_API_KEY: envString().optional(),
  /** An approved sender id or short code; the account's default when absent. */
  AFRICASTALKING_SENDER_ID: envString().optional(),
  /** The generic gateway's endpoint (`POST {"to","text"}`); required with `SMS_PROVIDER=http`. */
  SMS_HTTP_URL: envUrl({ protocols: ['http', 'https'] }).optional(),
  /** Bearer token for the generic gateway. A secret. */
  SMS_HTTP_TOKEN: envString().optional(),
  /**
   * The secret part of the phone providers' callback URLs (`/callbacks/{key}/…`: incoming SMS, USSD, delivery
   * reports), at least 32 characters. Unset: every callback answers 404. A secret.
   */
  PHONE_CALLBACK_KEY: envString()
    .refine((value) => value.length >= 32, 'must be at least 32 characters')
    .refine((value) => /^[A-Za-z0-9._~-]+$/.test(value), 'must be URL-safe (letters, digits, . _ ~ -)')
    .optional(),
  /** Commands (SMS) and menu sessions (USSD) one phone number may send per `PHONE_RATE_LIMIT_WINDOW_MS`; beyond, nothing is done. */
  PHONE_RATE_LIMIT_MESSAGES: envInt({ min: 1, max: 10_000, default: 10 }),
  /** The window of `PHONE_RATE_LIMIT_MESSAGES`; a number over the limit gets one short reply per window. */
  PHONE_RATE_LIMIT_WINDOW_MS: envInt({ min: 1000, max: 86_400_000, default: 600_000 }),
  /**
   * The referrals service, asked for each referral event who to tell and how to name the referral
   * (`GET /v1/referrals/{id}/notification-context`). Without it, only webhooks go out.
   */
  REFERRALS_URL: envUrl({ protocols: ['http', 'https'] }).optional(),
  /** How long one call to the referrals service may take before the event is retried. */
  REFERRALS_TIMEOUT_MS: envInt({ min: 100, max: 60_000, default: 5_000 }),
  /** OAuth 2.0 token endpoint for this service's own (client-credentials) token; with `REFERRALS_URL`. */
  AUTH_CLIENT_TOKEN_URL: envUrl({ protocols: ['http', 'https'] }).optional(),
  /** This service's client id at the identity provider (its token's `client_id`, listed in referrals' `NOTIFICATION_CLIENT_SUBJECTS`). */
  AUTH_CLIENT_ID: envString().optional(),
  /** This service's client secret. */
  AUTH_CLIENT_SECRET: envString().optional(),
  /** The audience asked for in the client-credentials grant; defaults to AUTH_AUDIENCE. */
  AUTH_CLIENT_AUDIENCE: envString().optional(),
  /** The key ring webhook signing secrets are encrypted with at rest; required in production. */
  NOTIFICATIONS_SECRET_KEYS: envKeyRing().optional(),
  /** How often queued deliveries whose job is missing from Redis are looked for and queued again. */
  DELIVERY_SWEEP_INTERVAL_MS: envInt({ min: 50, max: 3_600_000, default: 60_000 }),
  /** How old a queued delivery must be before the sweep looks for its job. */
  DELIVERY_SWEEP_AFTER_MS: envInt({ min: 0, max: 86_400_000, default: 300_000 }),
});

/** The variables that call the referrals service: all of them or none. */
export const REFERRALS_CLIENT_VARIABLES = ['REFERRALS_URL', 'AUTH_CLIENT_TOKEN_URL', 'AUTH_CLIENT_ID', 'AUTH_CLIENT_SECRET'] as const;

export type NotificationsConfig = z.output<typeof configSchema>;

/** The domain of e-mails' `Message-ID`: `MAIL_MESSAGE_ID_DOMAIN`, else the domain of `MAIL_FROM`'s address. */
export function messageIdDomain(config: Pick<NotificationsConfig, 'MAIL_FROM' | 'MAIL_MESSAGE_ID_DOMAIN'>): string {
  if (config.MAIL_MESSAGE_ID_DOMAIN !== undefined) return config.MAIL_MESSAGE_ID_DOMAIN;
  const address = /<([^<>]+)>\s*$/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim();
  return /^[A-Za-z0-9.-]+$/.test(domain) && domain.includes('.') ? domain : 'referral-hub.invalid';
}

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadNotificationsConfig(env: Env = process.env): NotificationsConfig {
  const config = loadConfig(configSchema, env);
  // Variables needed only with one provider: required once that provider is chosen.
  const issues: ConfigIssue[] = [];
  const required = (variable: keyof NotificationsConfig, provider: string) => {
    if (config[variable] === undefined) issues.push({ variable, message: `is required with SMS_PROVIDER=${provider}` });
  };
  if (config.SMS_PROVIDER === 'africastalking') {
    required('AFRICASTALKING_USERNAME', 'africastalking');
    required('AFRICASTALKING_API_KEY', 'africastalking');
  }
  if (config.SMS_PROVIDER === 'http') required('SMS_HTTP_URL', 'http');
  // Half a client is a mistake, not a choice: say which half is missing.
  const given = REFERRALS_CLIENT_VARIABLES.filter((variable) => config[variable] !== undefined);
  if (given.length > 0 && given.length < REFERRALS_CLIENT_VARIABLES.length) {
    for (const variable of REFERRALS_CLIENT_VARIABLES) {
      if (config[variable] === undefined) issues.push({ variable, message: `is required with ${given.join(', ')}` });
    }
  }
  // Secrets stored under a key anyone can derive would be no secret: production brings its own.
  if (config.NODE_ENV === 'production' && config.NOTIFICATIONS_SECRET_KEYS === undefined) {
    issues.push({ variable: 'NOTIFICATIONS_SECRET_KEYS', message: 'is required in production' });
  }
  // The address guard keeps administrators' URLs off the hub's own network: never lifted in production.
  if (config.NODE_ENV === 'production' && config.WEBHOOK_ALLOW_HTTP) {
    issues.push({ variable: 'WEBHOOK_ALLOW_HTTP', message: 'is for development only and must not be true in production' });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
