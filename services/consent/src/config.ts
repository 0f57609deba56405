import { ConfigError, envInt, envKeyRing, envList, envSchema, loadConfig, serviceEnv } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import type { z } from 'zod';

/** Every variable the consent service reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4020),
  /** How often expired consents are looked for and announced (`consent.expired` within a minute needs ≤ 60 s). */
  CONSENT_EXPIRY_INTERVAL_MS: envInt({ min: 100, max: 60_000, default: 15_000 }),
  /** Expired consents announced per transaction. */
  CONSENT_EXPIRY_BATCH_SIZE: envInt({ min: 1, max: 10_000, default: 200 }),
  /**
   * Token subjects (`sub`) of the machine clients trusted to ask sharing decisions for any
   * organisation's cases: the referrals service. Other `system` clients (an NGO's own system)
   * are refused, so they cannot probe other organisations' consents.
   */
  DECISION_CLIENT_SUBJECTS: envList({ default: ['referrals-service'] }),
  /**
   * The key ring free texts (withdrawal notes, overrides' legal basis, justification and
   * explanation, form references) are sealed with at rest, `kid:base64key,...`, first one
   * sealing; required in production (ADR 9).
   */
  CONSENT_TEXT_KEYS: envKeyRing().optional(),
});

export type ConsentConfig = z.output<typeof configSchema>;

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadConsentConfig(env: Env = process.env): ConsentConfig {
  const config = loadConfig(configSchema, env);
  // Texts sealed under a key anyone can derive would be no better than clear: production brings its own.
  if (config.NODE_ENV === 'production' && config.CONSENT_TEXT_KEYS === undefined) {
    throw new ConfigError([{ variable: 'CONSENT_TEXT_KEYS', message: 'is required in production' }]);
  }
  return config;
}
