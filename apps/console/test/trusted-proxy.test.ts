/**
 * Behind an Ingress, every browser's connection comes from the controller: the
 * action links' per-address limit must count the address the controller
 * appended to X-Forwarded-For (TRUSTED_PROXY_HOPS), never one a browser wrote
 * itself, and must ignore the header altogether when no proxy is trusted.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createLogger } from '@referral-hub/platform';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createConsoleApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createSignIn } from '../src/oidc.js';
import { redisSessionStore } from '../src/session.js';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
const prefix = `console-test-proxy-${randomBytes(4).toString('hex')}:`;
const servers: Server[] = [];
const BASE_ENV = { OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 'secret', CONSOLE_SESSION_PREFIX: prefix };
const PER_ADDRESS = 2;

async function serve(env: Record<string, string>): Promise<string> {
  const config = loadConfig({ ...BASE_ENV, ACTION_LINK_LIMIT_PER_ADDRESS: String(PER_ADDRESS), ...env });
  const app = createConsoleApp({ config, logger: createLogger({ service: 'console-test', version: '0', level: 'silent' }), sessions: redisSessionStore(redis, prefix, 60), signIn: createSignIn(config) });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Opens a fresh (unknown) link as a browser behind the controller: what it wrote, then what the controller saw. */
async function open(base: string, proxySaw: string, clientWrote?: string): Promise<number> {
  const forwarded = clientWrote === undefined ? proxySaw : `${clientWrote}, ${proxySaw}`;
  const response = await fetch(`${base}/a/${randomBytes(24).toString('base64url')}`, { headers: { 'x-forwarded-for': forwarded } });
  await response.arrayBuffer();
  return response.status;
}

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('the action links’ per-address limit behind a proxy', () => {
  it('counts each browser by the address the trusted proxy appended, and a forged one does not reset the count', async () => {
    const base = await serve({ TRUSTED_PROXY_HOPS: '1' });
    const first: number[] = [];
    for (let i = 0; i < PER_ADDRESS + 1; i += 1) first.push(await open(base, '203.0.113.7'));
    expect(first.slice(0, PER_ADDRESS)).not.toContain(429);
    expect(first[PER_ADDRESS]).toBe(429);
    expect(await open(base, '203.0.113.8')).not.toBe(429);
    expect(await open(base, '203.0.113.7', '198.51.100.99')).toBe(429);
  });

  it('ignores X-Forwarded-For when no proxy is trusted (the default): the connection is the address', async () => {
    const base = await serve({});
    const statuses: number[] = [];
    for (let i = 0; i < PER_ADDRESS + 1; i += 1) statuses.push(await open(base, `203.0.113.${30 + i}`));
    expect(statuses[PER_ADDRESS]).toBe(429);
  });

  it('reads TRUSTED_PROXY_HOPS as a small whole number and refuses anything else, naming it', () => {
    expect(loadConfig(BASE_ENV).trustedProxyHops).toBe(0);
    expect(loadConfig({ ...BASE_ENV, TRUSTED_PROXY_HOPS: '2' }).trustedProxyHops).toBe(2);
    for (const bad of ['-1', '1.5', 'all', '11']) {
      expect(() => loadConfig({ ...BASE_ENV, TRUSTED_PROXY_HOPS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...BASE_ENV, TRUSTED_PROXY_HOPS: bad })).toThrow(/TRUSTED_PROXY_HOPS/);
    }
  });
});
