import { envSchema, loadConfig, serviceEnv } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** Every variable the referrals service reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4030),
});

export type ReferralsConfig = z.output<typeof configSchema>;

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadReferralsConfig(env: Env = process.env): ReferralsConfig {
  return loadConfig(configSchema, env);
}
