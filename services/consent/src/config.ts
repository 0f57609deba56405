import { envSchema, loadConfig, serviceEnv } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** Every variable the consent service reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4020),
});

export type ConsentConfig = z.output<typeof configSchema>;

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadConsentConfig(env: Env = process.env): ConsentConfig {
  return loadConfig(configSchema, env);
}
