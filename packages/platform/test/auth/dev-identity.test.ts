import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { ensureDevIdentity, mintDevToken, startDevIdentityServer } from '../../src/auth/dev-identity.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-dev-identity-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('development identity', () => {
  it('creates a key pair on first use and reuses it afterwards, even when started concurrently', async () => {
    const [a, b, c] = await Promise.all([ensureDevIdentity(dir), ensureDevIdentity(dir), ensureDevIdentity(dir)]);
    expect(a.kid).toBe(b.kid);
    expect(b.kid).toBe(c.kid);
    const later = await ensureDevIdentity(dir);
    expect(later.kid).toBe(a.kid);
    expect(later.publicJwk).toEqual(a.publicJwk);
    expect(a.publicJwk).not.toHaveProperty('d');
    const jwksOnDisk = JSON.parse(await readFile(a.jwksFile, 'utf8')) as unknown;
    expect(jwksOnDisk).toEqual({ keys: [a.publicJwk] });
    // The private key is readable by its owner only.
    expect((await stat(join(dir, 'signing-key.jwk.json'))).mode & 0o077).toBe(0);
  });

  it('serves its JWKS so a service verifies minted tokens exactly as against a real provider', async () => {
    const server = await startDevIdentityServer({ dir, port: 0 });
    try {
      expect(server.issuer).toBe(`http://127.0.0.1:${server.port}`);
      const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovery).toMatchObject({ issuer: server.issuer, jwks_uri: server.jwksUrl });

      const authenticator = createAuthenticator({
        issuer: server.issuer,
        audience: 'referral-hub',
        jwksUrl: server.jwksUrl,
      });
      const organizationId = randomUUID();
      const token = await mintDevToken({
        dir,
        issuer: server.issuer,
        audience: 'referral-hub',
        organizationId,
        roles: ['supervisor'],
        userId: 'dev-user',
        name: 'Dev User',
        email: 'dev@example.org',
        phoneNumber: '+221700000000',
        locale: 'en',
      });
      const principal = await authenticator.authenticate(`Bearer ${token}`);
      expect(principal).toMatchObject({
        userId: 'dev-user',
        organizationId,
        roles: ['supervisor'],
        name: 'Dev User',
        email: 'dev@example.org',
        phoneNumber: '+221700000000',
        locale: 'en',
      });

      // A token for another audience from the same key is still refused.
      const foreign = await mintDevToken({ dir, issuer: server.issuer, audience: 'other', organizationId, roles: [], userId: 'x' });
      await expect(authenticator.authenticate(`Bearer ${foreign}`)).rejects.toMatchObject({ status: 401 });
    } finally {
      await server.close();
    }
  });
});
