import type { Request, Response } from 'express';
import { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Principal } from '../auth/principal.js';

/** One client's count in the current window and how long until it starts again. */
export type WindowCount = { count: number; resetInMs: number };

/** Where the counts live: Redis (shared by every replica) or this process's memory. */
export type RateLimitStore = {
  /** Counts one request of `key`; the window (of `windowMs`) starts with the first. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  close(): Promise<void>;
};

/**
 * INCR and PEXPIRE in one step (a Lua script runs atomically): the first
 * request of a window starts its clock, and a key never outlives its window.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

/** How often a failing store is reported: a down Redis must not flood the logs. */
const WARN_EVERY_MS = 30_000;

/**
 * Counts in Redis, so every replica of a service shares one budget per client.
 * Connects in the background and never queues a command while disconnected:
 * a Redis that is down or slow fails the count at once (the limiter then lets
 * the request through), it never holds a request or stops the service.
 */
export function createRedisRateLimitStore(options: { url: string; prefix: string; logger: Logger; commandTimeoutMs?: number }): RateLimitStore {
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectionName: 'rate-limit',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
  });
  let lastWarning = 0;
  // Without a listener an `error` event would crash the process. The URL is never logged: it may hold a password.
  client.on('error', (error: Error & { code?: unknown }) => {
    const now = Date.now();
    if (now - lastWarning < WARN_EVERY_MS) return;
    lastWarning = now;
    options.logger.warn({ component: 'rate-limit', code: typeof error.code === 'string' ? error.code : undefined }, 'Rate limit store (Redis) unreachable');
  });
  client.connect().catch(() => undefined);
  return {
    async hit(key, windowMs) {
      const reply = (await client.eval(HIT_SCRIPT, 1, `${options.prefix}${key}`, windowMs)) as [number, number];
      return { count: Number(reply[0]), resetInMs: Math.max(0, Number(reply[1])) };
    },
    async close() {
      if (client.status === 'end') return;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/** Counts in this process only: for a single instance, or when no Redis is configured. */
export function createMemoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = now();
  return {
    async hit(key, windowMs) {
      const at = now();
      if (at - lastSweep > windowMs) {
        // Forget finished windows so idle clients do not accumulate.
        for (const [name, window] of windows) if (window.resetAt <= at) windows.delete(name);
        lastSweep = at;
      }
      let window = windows.get(key);
      if (window === undefined || window.resetAt <= at) {
        window = { count: 0, resetAt: at + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return { count: window.count, resetInMs: window.resetAt - at };
    },
    async close() {
      windows.clear();
    },
  };
}

export type RateLimiterOptions = {
  store: RateLimitStore;
  /** Requests a client may make per window. */
  limit: number;
  windowMs: number;
  /** OAuth clients (claim `client_id`) never limited: the hub's own services, whose calls carry many people's work. */
  exemptClients?: readonly string[];
  logger: Logger;
};

export type RateLimiter = {
  /**
   * Counts the request against its client (the token's organisation and
   * subject; the address when anonymous) and sets the `RateLimit-*` headers;
   * throws a 429 (with `Retry-After`) once the client is over its limit.
   * When the store fails, the request goes through (and a warning is logged).
   */
  check(req: Request, res: Response, principal: Principal | undefined): Promise<void>;
  close(): Promise<void>;
};

/** The key a request is counted under: never a token, never personal data (ids only). */
export function clientKey(req: Request, principal: Principal | undefined): string {
  if (principal !== undefined) return `org:${principal.organizationId}:sub:${principal.userId}`;
  // req.ip: the socket's address, or the client's as the trusted proxies reported it (TRUSTED_PROXY_HOPS).
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

export function tooManyRequests(retryAfterSeconds: number): AppError {
  return new AppError('too_many_requests', 429, 'Too many requests', {
    detail: `Too many requests; retry in ${retryAfterSeconds} seconds.`,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store, limit, windowMs, logger } = options;
  const exempt = new Set(options.exemptClients ?? []);
  const windowSeconds = Math.ceil(windowMs / 1000);
  let lastWarning = 0;
  return {
    async check(req, res, principal) {
      // By client id, as the hub identifies machine clients: a person's `sub` cannot claim an exemption.
      if (principal?.clientId !== undefined && exempt.has(principal.clientId)) return;
      let counted: WindowCount;
      try {
        counted = await store.hit(clientKey(req, principal), windowMs);
      } catch (error) {
        // Fail open: a broken limiter must never take the service down with it.
        const now = Date.now();
        if (now - lastWarning >= WARN_EVERY_MS) {
          lastWarning = now;
          logger.warn({ component: 'rate-limit', err: error }, 'Rate limit not applied: its store failed');
        }
        return;
      }
      const resetSeconds = Math.max(1, Math.ceil(counted.resetInMs / 1000));
      res.setHeader('RateLimit-Policy', `${limit};w=${windowSeconds}`);
      res.setHeader('RateLimit-Limit', String(limit));
      res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - counted.count)));
      res.setHeader('RateLimit-Reset', String(resetSeconds));
      if (counted.count > limit) throw tooManyRequests(resetSeconds);
    },
    close: () => store.close(),
  };
}
