/**
 * Pages and the stylesheet travel gzipped to browsers that take it (a slow
 * link counts every kilobyte), plain to those that do not, and caches are
 * told the answer varies with Accept-Encoding.
 */
import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { createLogger } from '@referral-hub/platform';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createSignIn } from '../src/oidc.js';
import { redisSessionStore } from '../src/session.js';

const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
const prefix = `console-test-gzip-${randomBytes(4).toString('hex')}:`;
let server: Server;
let base: string;

beforeAll(async () => {
  const config = loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 'secret', CONSOLE_SESSION_PREFIX: prefix });
  const app = createConsoleApp({ config, logger: createLogger({ service: 'console-test', version: '0', level: 'silent' }), sessions: redisSessionStore(redis, prefix, 60), signIn: createSignIn(config) });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** A raw GET (fetch would decompress and hide the encoding). */
function get(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('compression', () => {
  it.each(['/', '/static/console.css'])('sends %s gzipped when asked, plain otherwise, with the same content', async (path) => {
    const zipped = await get(path, { 'accept-encoding': 'gzip, deflate, br', 'accept-language': 'fr' });
    const plain = await get(path, { 'accept-language': 'fr' });
    expect(zipped.status).toBe(plain.status);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(String(zipped.headers.vary)).toMatch(/Accept-Encoding/i);
    const unzipped = gunzipSync(zipped.body).toString('utf8');
    expect(unzipped.length).toBeGreaterThan(zipped.body.length);
    // Same page apart from the per-session CSRF token.
    const withoutTokens = (text: string) => text.replace(/name="_csrf" value="[^"]*"/g, '');
    expect(withoutTokens(unzipped)).toBe(withoutTokens(plain.body.toString('utf8')));
  });
});
