import { envInt, envSchema, loadConfig, serviceEnv } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** Every variable the directory reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4010),
  /** The network's setting: a service not verified for this many days is flagged `stale`. */
  DIRECTORY_STALE_AFTER_DAYS: envInt({ min: 1, max: 3650, default: 180 }),
  /** Largest HSDS tabular package (multipart upload) accepted by the import, in bytes. */
  DIRECTORY_IMPORT_MAX_BYTES: envInt({ min: 1024, max: 200 * 1024 * 1024, default: 10 * 1024 * 1024 }),
});

export type DirectoryConfig = z.output<typeof configSchema>;

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadDirectoryConfig(env: Env = process.env): DirectoryConfig {
  return loadConfig(configSchema, env);
}
