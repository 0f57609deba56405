import { envSchema, envUrl, loadConfig, redisEnv, serviceEnv } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** Every variable the notifications service reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4040),
  /** Where notification jobs wait for delivery (BullMQ). */
  ...redisEnv,
  /** The mail relay e-mail notifications go through; optional until e-mail delivery exists. */
  SMTP_URL: envUrl({ protocols: ['smtp', 'smtps'] }).optional(),
});

export type NotificationsConfig = z.output<typeof configSchema>;

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadNotificationsConfig(env: Env = process.env): NotificationsConfig {
  return loadConfig(configSchema, env);
}
