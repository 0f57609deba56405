import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestIssuer } from '../../../testkit/src/tokens.js';
import type { TestIssuer } from '../../../testkit/src/tokens.js';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { createHttpApp } from '../../src/http/app.js';
import type { OpenApiDocument } from '../../src/http/openapi.js';
import { createMemoryRateLimitStore, createRateLimiter, createRedisRateLimitStore } from '../../src/http/rate-limit.js';
import type { RateLimitStore } from '../../src/http/rate-limit.js';
import { startHttpServer } from '../../src/http/server.js';
import type { RunningHttpServer } from '../../src/http/server.js';
import { captureLogger } from '../logging/capture.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMIT = 3;

const document: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Rate limit', version: '1.0.0' },
  security: [{ bearer: [] }],
  paths: {
    '/things': { get: { operationId: 'listThings', responses: { '200': { description: 'ok' } } } },
    '/public': { get: { operationId: 'publicThing', security: [], responses: { '200': { description: 'ok' } } } },
  },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
};

let issuer: TestIssuer;
const running: RunningHttpServer[] = [];
const stores: RateLimitStore[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
});

afterAll(async () => {
  await Promise.all(running.map((server) => server.close(500)));
  await Promise.all(stores.map((store) => store.close()));
});

/** One replica of a service: its own app and server, counting in `store`. */
async function replica(store: RateLimitStore, options: { exemptClients?: string[]; trustedProxyHops?: number } = {}) {
  const { trustedProxyHops, ...limiterOptions } = options;
  const { logger, lines } = captureLogger('rate-limit');
  stores.push(store);
  const app = createHttpApp({
    service: 'rate-limit',
    version: '1.0.0',
    logger,
    openapi: document,
    authenticator: createAuthenticator(issuer.authConfig),
    healthChecks: [],
    rateLimiter: createRateLimiter({ store, limit: LIMIT, windowMs: 60_000, logger, ...limiterOptions }),
    ...(trustedProxyHops === undefined ? {} : { trustedProxyHops }),
    routes: (router) => {
      router.get('/things', (_req, res) => res.json({ ok: true }));
      router.get('/public', (_req, res) => res.json({ ok: true }));
    },
  });
  const server = await startHttpServer(app, 0, '127.0.0.1');
  running.push(server);
  return { url: `http://127.0.0.1:${server.port}`, lines };
}

/** A Redis store, once connected (it connects in the background and fails open until then). */
async function redisStore(prefix = `ratelimit-test:${randomUUID()}:`): Promise<RateLimitStore> {
  const store = createRedisRateLimitStore({ url: REDIS_URL, prefix, logger: captureLogger().logger });
  for (let attempt = 0; ; attempt += 1) {
    try {
      await store.hit(`warm-up-${randomUUID()}`, 1000);
      return store;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function token(sub = `user-${randomUUID()}`, org = randomUUID()): Promise<string> {
  return `Bearer ${await issuer.sign({ sub, org, roles: ['caseworker'] })}`;
}

const get = (url: string, authorization?: string) => fetch(url, authorization === undefined ? {} : { headers: { authorization } });

describe('a per-client request limit', () => {
  it('answers 429 problem+json with Retry-After and RateLimit headers once a client is over it; another client is not affected', async () => {
    const { url } = await replica(await redisStore());
    const alice = await token();
    for (let i = 1; i <= LIMIT; i += 1) {
      const response = await get(`${url}/things`, alice);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      expect(response.headers.get('ratelimit-remaining')).toBe(String(LIMIT - i));
    }
    const refused = await get(`${url}/things`, alice);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(await refused.json()).toMatchObject({ status: 429, code: 'too_many_requests' });

    expect((await get(`${url}/things`, await token())).status).toBe(200);
    // The probes are never limited.
    for (let i = 0; i < LIMIT + 2; i += 1) expect((await get(`${url}/livez`)).status).toBe(200);
  });

  it('is shared by every replica counting in the same Redis', async () => {
    const prefix = `ratelimit-test:${randomUUID()}:`;
    const first = await replica(await redisStore(prefix));
    const second = await replica(await redisStore(prefix));
    const bob = await token();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i += 1) statuses.push((await get(`${i % 2 === 0 ? first.url : second.url}/things`, bob)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('counts anonymous callers and bad tokens by address, and never limits an exempt service client', async () => {
    const { url } = await replica(await redisStore(), { exemptClients: ['referrals-service'] });
    const anonymous: number[] = [];
    for (let i = 0; i < LIMIT; i += 1) anonymous.push((await get(`${url}/public`)).status);
    expect(anonymous).toEqual([200, 200, 200]);
    // Over the limit, even a forged token gets a 429 rather than another signature check.
    expect((await get(`${url}/things`, 'Bearer not-a-token')).status).toBe(429);
    const service = `Bearer ${await issuer.sign({ sub: 'referrals-service', org: randomUUID(), roles: ['system'], client_id: 'referrals-service' })}`;
    for (let i = 0; i < LIMIT + 2; i += 1) expect((await get(`${url}/things`, service)).status).toBe(200);
    // A person whose subject merely reads like the client is limited as anyone: exemption goes by client_id.
    const lookalike = await token('referrals-service');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i += 1) statuses.push((await get(`${url}/things`, lookalike)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('behind a trusted proxy, counts each client by the address the proxy appended, never by one a client wrote itself', async () => {
    const behindIngress = await replica(await redisStore(), { trustedProxyHops: 1 });
    // As an Ingress controller forwards: whatever the client sent, then the address it saw.
    const via = (clientWrote: string | undefined, proxySaw: string) => ({
      headers: { 'x-forwarded-for': clientWrote === undefined ? proxySaw : `${clientWrote}, ${proxySaw}` },
    });
    const first: number[] = [];
    for (let i = 0; i < LIMIT + 1; i += 1) first.push((await fetch(`${behindIngress.url}/public`, via(undefined, '203.0.113.7'))).status);
    expect(first).toEqual([200, 200, 200, 429]);
    // Another browser behind the same controller has its own count…
    expect((await fetch(`${behindIngress.url}/public`, via(undefined, '203.0.113.8'))).status).toBe(200);
    // …and the first cannot escape its count by writing a fresh address into the header.
    expect((await fetch(`${behindIngress.url}/public`, via('198.51.100.99', '203.0.113.7'))).status).toBe(429);

    // With no trusted proxy (the default), the header is ignored: every request is the connection's.
    const direct = await replica(await redisStore());
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i += 1) statuses.push((await fetch(`${direct.url}/public`, via(undefined, `203.0.113.${i + 20}`))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('lets requests through, with a warning, when Redis cannot be reached', async () => {
    const { url, lines } = await replica(
      createRedisRateLimitStore({ url: 'redis://127.0.0.1:1', prefix: 'unreachable:', logger: captureLogger().logger }),
    );
    const carol = await token();
    for (let i = 0; i < LIMIT + 2; i += 1) expect((await get(`${url}/things`, carol)).status).toBe(200);
    expect(lines().some((line) => line.level === 'warn' && line.msg === 'Rate limit not applied: its store failed')).toBe(true);
  });

  it('without Redis, counts in the instance', async () => {
    const { url } = await replica(createMemoryRateLimitStore());
    const dave = await token();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i += 1) statuses.push((await get(`${url}/things`, dave)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('keeps a client key in Redis no longer than its window', async () => {
    const prefix = `ratelimit-test:${randomUUID()}:`;
    const store = createRedisRateLimitStore({ url: REDIS_URL, prefix, logger: captureLogger().logger });
    stores.push(store);
    await store.hit('k', 1000).catch(async () => {
      // The first command may race the background connection: it fails open; retry once connected.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await store.hit('k', 1000);
    });
    const redis = new Redis(REDIS_URL);
    try {
      const ttl = await redis.pttl(`${prefix}k`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1000);
    } finally {
      redis.disconnect();
    }
  });
});
