/**
 * The console's /metrics: requests counted by Express route (never the path
 * a person typed, with its tokens and ids), and nowhere beside the public
 * pages once the metrics have a port of their own.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createLogger, createServiceMetrics } from '@referral-hub/platform';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createSignIn } from '../src/oidc.js';
import { redisSessionStore } from '../src/session.js';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
const prefix = `console-test-metrics-${randomBytes(4).toString('hex')}:`;
const servers: Server[] = [];

async function serve(env: Record<string, string> = {}): Promise<string> {
  const config = loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 'secret', CONSOLE_SESSION_PREFIX: prefix, ...env });
  const metrics = createServiceMetrics({ service: 'console' });
  const app = createConsoleApp({ config, logger: createLogger({ service: 'console-test', version: '0', level: 'silent' }), sessions: redisSessionStore(redis, prefix, 60), signIn: createSignIn(config), metrics });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let base: string;

beforeAll(async () => {
  base = await serve();
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('GET /metrics of the console', () => {
  it('counts pages by their route, never by the token or id in the address', async () => {
    const token = randomBytes(24).toString('base64url');
    await (await fetch(`${base}/a/${token}`)).arrayBuffer();
    await (await fetch(`${base}/livez`)).arrayBuffer();
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^hub_http_requests_total\{[^}]*route="\/a\/:token"[^}]*service="console"[^}]*\} 1$/m);
    expect(text).toMatch(/^hub_http_requests_total\{[^}]*route="\/livez"[^}]*status="200"[^}]*\} 1$/m);
    expect(text).not.toContain(token);
  });

  it('is not served beside the pages when METRICS_PORT gives it a port of its own', async () => {
    const separate = await serve({ METRICS_PORT: '9464' });
    const response = await fetch(`${separate}/metrics`);
    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toContain('hub_http_requests_total');
  });
});
