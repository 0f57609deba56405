import { ConfigError, envInt, envKeyRing, envList, envSchema, envString, envUrl, loadConfig, serviceEnv, UUID_PATTERN } from '@referral-hub/platform';
import type { Env, RingKey } from '@referral-hub/platform';
import { z } from 'zod';

/**
 * The longest an e-mail action link may live (30 days): a used link's nonce is kept this long after its use
 * (`forget-used-action-links.ts`), so that however the lifetime is set, no link still valid is forgotten.
 */
export const ACTION_LINK_MAX_TTL_SECONDS = 2_592_000;

/** A duration written as a number and a unit: `90s`, `30m`, `24h`, `7d`. */
const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Deadlines per urgency, in milliseconds. */
export type DeadlinesByUrgency = { high: number; medium: number; low: number };

/**
 * `high=24h,medium=72h,low=7d`: one duration per urgency, every urgency given.
 * Networks set these in their SOPs, so they are settings, never constants.
 */
function envDeadlines(defaultValue: string) {
  return z
    .string()
    .transform((raw, ctx): DeadlinesByUrgency => {
      const result: Partial<DeadlinesByUrgency> = {};
      for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
        const [urgency, duration] = part.split('=').map((s) => s.trim());
        const match = DURATION.exec(duration ?? '');
        if ((urgency !== 'high' && urgency !== 'medium' && urgency !== 'low') || match === null) {
          ctx.addIssue({ code: 'custom', message: 'must read like high=24h,medium=72h,low=7d (units s, m, h, d)' });
          return z.NEVER;
        }
        result[urgency] = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
      }
      if (result.high === undefined || result.medium === undefined || result.low === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must give a duration for each of high, medium and low' });
        return z.NEVER;
      }
      return { high: result.high, medium: result.medium, low: result.low };
    })
    .prefault(defaultValue);
}

/** One key of the key ring (the platform's `RingKey`). */
export type PayloadKey = RingKey;

/** Every variable the referrals service reads; `describeConfig(configSchema)` lists them. */
export const configSchema = envSchema({
  ...serviceEnv(4030),
  /** The consent service, asked for a sharing decision at submit and when a recipient reads. */
  CONSENT_URL: envUrl({ protocols: ['http', 'https'] }),
  /** How long a call to the consent service may take before the read fails closed. */
  CONSENT_TIMEOUT_MS: envInt({ min: 100, max: 60_000, default: 3_000 }),
  /** OAuth 2.0 token endpoint for this service's own (client-credentials) token. */
  AUTH_CLIENT_TOKEN_URL: envUrl({ protocols: ['http', 'https'] }),
  /** This service's client id at the identity provider (its token `sub`). */
  AUTH_CLIENT_ID: envString(),
  /** This service's client secret. */
  AUTH_CLIENT_SECRET: envString(),
  /** The audience asked for in the client-credentials grant; defaults to AUTH_AUDIENCE. */
  AUTH_CLIENT_AUDIENCE: envString().optional(),
  /** The payload key ring, `kid:base64key,...`, first one encrypting. */
  REFERRAL_PAYLOAD_KEYS: envKeyRing(),
  /** Acknowledgement deadline per urgency, from submission. */
  REFERRAL_ACKNOWLEDGE_WITHIN: envDeadlines('high=24h,medium=72h,low=7d'),
  /** Decision (accept or decline) deadline per urgency, from submission. */
  REFERRAL_DECIDE_WITHIN: envDeadlines('high=48h,medium=5d,low=10d'),
  /** How long a stage may stay overdue after its reminder before the referral is escalated, per urgency. */
  REFERRAL_ESCALATE_AFTER: envDeadlines('high=24h,medium=72h,low=7d'),
  /**
   * Changes younger than this are held back from `order=asc` lists, so that a transaction
   * committing a little later with an earlier `updatedAt` is never skipped by a poller.
   */
  REFERRAL_POLL_SETTLE_MS: envInt({ min: 0, max: 60_000, default: 2_000 }),
  /** How often passed deadlines are looked for and `referral.overdue` written. */
  REFERRAL_DEADLINE_INTERVAL_MS: envInt({ min: 50, max: 3_600_000, default: 60_000 }),
  /** The directory service, asked for the details its events do not carry (names, focal points). */
  DIRECTORY_URL: envUrl({ protocols: ['http', 'https'] }),
  /** How often read model rows whose details are behind are fetched from the directory (and the first retry delay). */
  DIRECTORY_REFRESH_INTERVAL_MS: envInt({ min: 50, max: 3_600_000, default: 5_000 }),
  /** How long one call to the directory may take. */
  DIRECTORY_TIMEOUT_MS: envInt({ min: 100, max: 60_000, default: 5_000 }),
  /**
   * Client ids (token claim `client_id`, not `sub`) of the machine clients allowed to read a referral's
   * notification context (the notifications service): staff work contacts of both sides, for any
   * organisation's referrals. The token must also carry the `system` role and `HUB_ORGANIZATION_ID` as
   * `org`. Unset: nobody. (The name is kept from when the token subject was compared.)
   */
  NOTIFICATION_CLIENT_SUBJECTS: envList({ minItems: 0 }).optional(),
  /**
   * The network hub's own organisation (the `org` claim of the hub's machine clients): a client listed in
   * `NOTIFICATION_CLIENT_SUBJECTS` is trusted only with this organisation. Unset: nobody reads notification contexts.
   */
  /**
   * The key ring email action links are signed with (HMAC), `kid:base64key,...`, first one signing, every one
   * verifying. Required in production; elsewhere a development key is used when unset.
   */
  ACTION_LINK_KEYS: envKeyRing().optional(),
  /** How long an email action link stays usable, in seconds (default 72 h). */
  ACTION_LINK_TTL_SECONDS: envInt({ min: 60, max: ACTION_LINK_MAX_TTL_SECONDS, default: 259_200 }),
  HUB_ORGANIZATION_ID: z
    .string()
    .regex(UUID_PATTERN, 'must be a UUID')
    .transform((id) => id.toLowerCase())
    .optional(),
});

export type ReferralsConfig = z.output<typeof configSchema>;

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadReferralsConfig(env: Env = process.env): ReferralsConfig {
  const config = loadConfig(configSchema, env);
  // Links signed with a key anyone can derive would let anyone act for a focal point: production brings its own.
  if (config.NODE_ENV === 'production' && config.ACTION_LINK_KEYS === undefined) {
    throw new ConfigError([{ variable: 'ACTION_LINK_KEYS', message: 'is required in production' }]);
  }
  return config;
}
