import { envSchema, loadConfig, serviceEnv } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** Every variable the directory reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4010),
});

export type DirectoryConfig = z.output<typeof configSchema>;

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadDirectoryConfig(env: Env = process.env): DirectoryConfig {
  return loadConfig(configSchema, env);
}
