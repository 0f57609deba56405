import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { startDevIdentityServer } from '../../src/auth/dev-identity.js';
import type { DevIdentityServer } from '../../src/auth/dev-identity.js';
import { ServiceTokenError, createClientCredentialsProvider } from '../../src/auth/service-token.js';

let dir: string;
let server: DevIdentityServer;
const hubOrg = randomUUID();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-service-token-'));
  server = await startDevIdentityServer({
    dir,
    port: 0,
    clients: [{ clientId: 'referrals-service', secret: 'dev-secret', organizationId: hubOrg, roles: ['system'] }],
  });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const tokenUrl = () => `${server.issuer}/token`;

describe('client-credentials tokens', () => {
  it('a known client gets a token a service accepts, naming the client, its organisation and the system role', async () => {
    const provider = createClientCredentialsProvider({ tokenUrl: tokenUrl(), clientId: 'referrals-service', clientSecret: 'dev-secret', audience: 'referral-hub' });
    const token = await provider.getToken();
    const authenticator = createAuthenticator({ issuer: server.issuer, audience: 'referral-hub', algorithms: ['ES256'], jwks: server.identity.jwks });
    const principal = await authenticator.authenticate(`Bearer ${token}`);
    expect(principal).toMatchObject({ userId: 'referrals-service', clientId: 'referrals-service', organizationId: hubOrg, roles: ['system'] });
  });

  it('keeps the token until shortly before it expires, then fetches a new one; concurrent callers share one request', async () => {
    let clock = Date.now();
    const provider = createClientCredentialsProvider({
      tokenUrl: tokenUrl(),
      clientId: 'referrals-service',
      clientSecret: 'dev-secret',
      refreshBeforeMs: 60_000,
      now: () => clock,
    });
    const [a, b] = await Promise.all([provider.getToken(), provider.getToken()]);
    expect(a).toBe(b);
    clock += 3_600_000 - 61_000;
    expect(await provider.getToken()).toBe(a);
    clock += 2_000;
    expect(await provider.getToken()).not.toBe(a);
  });

  it('a wrong secret or an unknown client is refused, and the error never carries the secret', async () => {
    const wrong = createClientCredentialsProvider({ tokenUrl: tokenUrl(), clientId: 'referrals-service', clientSecret: 'guessed-secret' });
    const error = await wrong.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceTokenError);
    expect(String((error as Error).message)).toContain('invalid_client');
    expect(String((error as Error).message)).not.toContain('guessed-secret');
    const unknown = createClientCredentialsProvider({ tokenUrl: tokenUrl(), clientId: 'someone', clientSecret: 'dev-secret' });
    await expect(unknown.getToken()).rejects.toThrow(/invalid_client/);
  });

  it('an unreachable token endpoint is a ServiceTokenError, not a hang', async () => {
    const provider = createClientCredentialsProvider({ tokenUrl: 'http://127.0.0.1:1/token', clientId: 'a', clientSecret: 'b', timeoutMs: 500 });
    await expect(provider.getToken()).rejects.toBeInstanceOf(ServiceTokenError);
  });
});
