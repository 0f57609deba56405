import { ConfigError, envBool, envEnum, envInt, envSchema, envString, envUrl, loadConfig, redisEnv, serviceEnv } from '@referral-hub/platform';
import type { ConfigIssue } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** Every variable the notifications service reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4040),
  /** Where notification jobs wait for delivery (BullMQ). */
  ...redisEnv,
  /** Redis key prefix of the delivery queue: one per deployment (and per test). */
  NOTIFICATIONS_QUEUE_PREFIX: envString({ default: 'notifications' }),
  /** Attempts per message (the first included) before it is logged `failed`. */
  DELIVERY_ATTEMPTS: envInt({ min: 1, max: 50, default: 8 }),
  /** Delay before the first retry of a message; each next retry waits twice as long. */
  DELIVERY_BACKOFF_MS: envInt({ min: 1, max: 3_600_000, default: 30_000 }),
  /** The mail relay e-mail notifications go through. Without it, no e-mail is sent (logged `channel_unavailable`). */
  SMTP_URL: envUrl({ protocols: ['smtp', 'smtps'] }).optional(),
  /** The `From` of notification e-mails. */
  MAIL_FROM: envString({ default: 'Referral hub <no-reply@referral-hub.invalid>' }),
  /**
   * The link every message carries, with `{referralId}` and/or `{referralCode}`: the hub's web app or an
   * agency's own system. Checked at start to leave room for it in a 160-character SMS.
   */
  REFERRAL_LINK_TEMPLATE: envString({ default: 'http://localhost:8080/r/{referralCode}' })
    .refine((value) => /^https?:\/\/\S+$/.test(value), 'must be an http(s) URL')
    .refine((value) => /\{referral(Id|Code)\}/.test(value), 'must contain {referralId} or {referralCode}'),
  /**
   * Port of the development catcher's page (what was caught instead of sent), on 127.0.0.1 only. Defaults to
   * 4041 when `NODE_ENV=development`; never served in production.
   */
  DEV_OUTBOX_PORT: envInt({ min: 0, max: 65_535 }).optional(),
  /** Accept `http://` webhook URLs (development only: webhooks should travel over TLS). */
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
});

export type NotificationsConfig = z.output<typeof configSchema>;

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
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
