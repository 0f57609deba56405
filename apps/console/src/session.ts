/**
 * Sessions kept in Redis: the browser holds only a random id in an httpOnly,
 * SameSite=Lax cookie (Secure over https). Tokens never leave the server.
 * A session unused for the idle time expires (each request extends it).
 * Redis keys are the SHA-256 of the cookie value, so a Redis dump holds no
 * usable cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

export type SessionUser = { sub: string; name: string; organizationId: string; organizationName: string; roles: string[] };
export type SessionTokens = { accessToken: string; refreshToken?: string; idToken?: string; expiresAt: number };
export type PendingLogin = { state: string; nonce: string; codeVerifier: string; returnTo: string };

export type SessionData = {
  csrf: string;
  language?: string;
  user?: SessionUser;
  tokens?: SessionTokens;
  login?: PendingLogin;
  flash?: string;
};

export const SESSION_COOKIE = 'hub_console';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export type SessionStore = {
  load(id: string): Promise<SessionData | undefined>;
  save(id: string, data: SessionData): Promise<void>;
  destroy(id: string): Promise<void>;
};

export function redisSessionStore(redis: Redis, prefix: string, idleSeconds: number): SessionStore {
  const key = (id: string) => `${prefix}session:${createHash('sha256').update(id).digest('base64url')}`;
  return {
    async load(id) {
      const raw = await redis.getex(key(id), 'EX', idleSeconds);
      if (raw === null) return undefined;
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { csrf?: unknown }).csrf !== 'string') return undefined;
      return parsed as SessionData;
    },
    async save(id, data) {
      await redis.set(key(id), JSON.stringify(data), 'EX', idleSeconds);
    },
    async destroy(id) {
      await redis.del(key(id));
    },
  };
}
