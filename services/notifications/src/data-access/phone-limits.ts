import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A phone number as the referrals service compares them: a leading `+` and the digits. */
export function normalisePhone(phone: string): string {
  const trimmed = phone.trim();
  return `${trimmed.startsWith('+') ? '+' : ''}${trimmed.replace(/\D/g, '')}`;
}

/** A number as it appears in Redis keys: hashed, so that no key names a person's phone. */
function numberKey(phone: string): string {
  return createHash('sha256').update(normalisePhone(phone)).digest('base64url').slice(0, 22);
}

export type PhoneRateLimit = {
  /**
   * Counts one message (or menu session) of `phone`. `allowed` false beyond the limit of the window;
   * `tellOnce` true for the first refused one of a window only, so a flood gets one short answer.
   */
  take(phone: string): Promise<{ allowed: boolean; tellOnce: boolean }>;
};

/** Fixed windows per number in Redis (`INCR`, expiring with the window), under `prefix`. */
export function createPhoneRateLimit(redis: Redis, options: { prefix: string; limit: number; windowMs: number }): PhoneRateLimit {
  return {
    async take(phone) {
      const key = `${options.prefix}:phone-rate:${numberKey(phone)}`;
      // The window starts with the first message (the key is created with its expiry, never without one).
      const results = await redis.multi().set(key, '0', 'PX', options.windowMs, 'NX').incr(key).exec();
      const count = results?.[1]?.[1];
      if (typeof count === 'number' && count <= options.limit) return { allowed: true, tellOnce: false };
      const told = await redis.set(`${key}:told`, '1', 'PX', options.windowMs, 'NX');
      return { allowed: false, tellOnce: told === 'OK' };
    },
  };
}

/** What a USSD session showed: the list its numbers refer to, and the menu's first language. */
export type UssdSnapshot<Item> = { language: 'fr' | 'en'; items: Item[] };

export type UssdSessions<Item> = {
  save(sessionId: string, snapshot: UssdSnapshot<Item>): Promise<void>;
  load(sessionId: string): Promise<UssdSnapshot<Item> | null>;
};

/**
 * The list a USSD session showed, per session id, kept for `ttlMs` (a session lasts a few minutes at
 * most), so that a number typed later means the referral the person saw, whatever changed since.
 */
export function createUssdSessions<Item>(redis: Redis, options: { prefix: string; ttlMs: number }): UssdSessions<Item> {
  const keyOf = (sessionId: string) => `${options.prefix}:ussd:${createHash('sha256').update(sessionId).digest('base64url').slice(0, 22)}`;
  return {
    async save(sessionId, snapshot) {
      await redis.set(keyOf(sessionId), JSON.stringify(snapshot), 'PX', options.ttlMs);
    },
    async load(sessionId) {
      const raw = await redis.get(keyOf(sessionId));
      return raw === null ? null : (JSON.parse(raw) as UssdSnapshot<Item>);
    },
  };
}
