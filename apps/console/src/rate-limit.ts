/**
 * Rate limits of the console's public pages (the e-mail action links), over
 * the platform's counting store: Redis in production, so every replica of
 * the console shares one budget. A request is counted against several
 * budgets at once (per link, per client address); it is refused when any of
 * them is spent. Keys are never a credential: a link's token is counted by
 * its SHA-256, so Redis never holds a usable link.
 */
import { createHash } from 'node:crypto';
import type { Logger, RateLimitStore } from '@referral-hub/platform';

/** One budget: `limit` requests per `windowSeconds`, counted per key. */
export type Budget = { name: string; limit: number; windowSeconds: number };

export type LimitVerdict = { allowed: true } | { allowed: false; budget: string; retryAfterSeconds: number };

export type RateLimits = {
  /** Counts one request against each budget under its key; refused when one is over its limit. */
  hit(counts: readonly { budget: Budget; key: string }[]): Promise<LimitVerdict>;
};

/** How often a failing store is reported. */
const WARN_EVERY_MS = 30_000;

/** The key a secret (a link's token) is counted under: its digest, never the secret. */
export function secretKey(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 32);
}

/**
 * Budgets over a store. When the store fails (Redis down), requests go
 * through and a warning is logged now and then, as the platform's limiter
 * does: the links stay single-use and signed whatever the limiter does.
 */
export function rateLimits(store: RateLimitStore, logger: Logger): RateLimits {
  let lastWarning = 0;
  return {
    async hit(counts) {
      let counted: { budget: Budget; count: number; resetInMs: number }[];
      try {
        counted = await Promise.all(
          counts.map(async ({ budget, key }) => ({ budget, ...(await store.hit(`${budget.name}:${key}`, budget.windowSeconds * 1000)) })),
        );
      } catch (error) {
        const now = Date.now();
        if (now - lastWarning >= WARN_EVERY_MS) {
          lastWarning = now;
          logger.warn({ component: 'rate-limit', err: error instanceof Error ? { message: error.message } : undefined }, 'rate limit not applied: its store failed');
        }
        return { allowed: true };
      }
      const over = counted.find((c) => c.count > c.budget.limit);
      if (over === undefined) return { allowed: true };
      return { allowed: false, budget: over.budget.name, retryAfterSeconds: Math.max(1, Math.ceil(over.resetInMs / 1000)) };
    },
  };
}
