/**
 * The console's relying party (openid-client) against the development
 * identity's certified provider, in-process: authorization code with PKCE,
 * state and nonce, the ID token's claims, refresh, RP-initiated logout; and
 * sessions in a real Redis that expire when idle.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator, startDevIdentityServer } from '@referral-hub/platform';
import type { DevIdentityServer } from '@referral-hub/platform';
import { createDevLogin } from '@referral-hub/platform/dev-login';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createSignIn } from '../src/oidc.js';
import { redisSessionStore } from '../src/session.js';

const CONSOLE = 'http://127.0.0.1:9';
const organizationId = randomUUID();
let dir: string;
let identity: DevIdentityServer;
const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
const prefix = `console-test-${randomBytes(4).toString('hex')}:`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-sign-in-'));
  identity = await startDevIdentityServer({
    dir,
    port: 0,
    otherwise: async ({ issuer, identity: key }) =>
      (
        await createDevLogin({
          issuer,
          identity: key,
          accessTokenTtlSeconds: 60,
          people: () => Promise.resolve([{ userId: 'fp-1', name: 'Point Focal', organizationId, organizationName: 'Clinique', roles: ['focal_point'], locale: 'fr' }]),
          clients: [{ clientId: 'console', secret: 'console-secret', redirectUris: [`${CONSOLE}/auth/callback`], postLogoutRedirectUris: [`${CONSOLE}/signed-out`] }],
        })
      ).handle,
  });
});

afterAll(async () => {
  await identity.close();
  await rm(dir, { recursive: true, force: true });
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** The browser's part: follows redirects by hand, keeping cookies, and signs in on the login page. */
async function browse(start: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = start;
  let method = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.startsWith(CONSOLE)) return new URL(url);
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(body === undefined ? {} : { body }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (location !== null) {
      url = new URL(location, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const page = await response.text();
    const action = /action="([^"]+)"/.exec(page)?.[1] ?? '';
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    url = new URL(action, url).href;
    method = 'POST';
    body = new URLSearchParams({ csrf, userId: 'fp-1' }).toString();
  }
  throw new Error('too many hops');
}

describe('signing in to the console', () => {
  it('gets tokens with code + PKCE, reads who signed in from the ID token, refreshes, and logs out at the provider', async () => {
    const config = loadConfig({ OIDC_ISSUER: identity.issuer, OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 'console-secret', CONSOLE_PUBLIC_URL: CONSOLE });
    const signIn = createSignIn(config);
    const { url, pending } = await signIn.start('/r/REF-AAAAA');
    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBe(pending.state);
    expect(pending.returnTo).toBe('/r/REF-AAAAA');

    const callback = await browse(url);
    expect(callback.pathname).toBe('/auth/callback');
    // A callback with another state is refused.
    await expect(signIn.finish(callback, { ...pending, state: 'forged' })).rejects.toThrow();

    const { user, tokens } = await signIn.finish(callback, pending);
    expect(user).toEqual({ sub: 'fp-1', name: 'Point Focal', organizationId, roles: ['focal_point'] });
    expect(tokens.refreshToken).toBeTypeOf('string');
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 30_000);

    const authenticator = createAuthenticator({ issuer: identity.issuer, audience: 'referral-hub', jwksUrl: identity.jwksUrl, accessTokenTypes: ['at+jwt'] });
    expect(await authenticator.authenticate(`Bearer ${tokens.accessToken}`)).toMatchObject({ userId: 'fp-1', organizationId, roles: ['focal_point'] });

    const refreshed = await signIn.refresh(tokens);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(await authenticator.authenticate(`Bearer ${refreshed.accessToken}`)).toMatchObject({ userId: 'fp-1' });

    const logout = new URL((await signIn.logoutUrl(tokens.idToken)) ?? '');
    expect(logout.origin + logout.pathname).toBe(`${identity.issuer}/oidc/logout`);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${CONSOLE}/signed-out`);
    expect(logout.searchParams.get('id_token_hint')).toBe(tokens.idToken);
  });

  it('keeps a session while it is used and forgets it once idle', async () => {
    const store = redisSessionStore(redis, prefix, 60);
    await store.save('session-a', { csrf: 'token', language: 'en' });
    const [key] = await redis.keys(`${prefix}*`);
    expect(key).toBeDefined();
    expect(key).not.toContain('session-a');
    await redis.expire(key ?? '', 5);
    // A use extends the idle time again.
    expect(await store.load('session-a')).toEqual({ csrf: 'token', language: 'en' });
    expect(await redis.ttl(key ?? '')).toBeGreaterThan(50);
    // Idle past the limit: gone.
    await redis.pexpire(key ?? '', 1);
    // (Watched without loading it: a load would be a use, and extend it.)
    await expect.poll(() => redis.exists(key ?? ''), { timeout: 5_000 }).toBe(0);
    expect(await store.load('session-a')).toBeUndefined();
  });
});
