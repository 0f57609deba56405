import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestIssuer } from '../../../testkit/src/tokens.js';
import type { TestIssuer } from '../../../testkit/src/tokens.js';
import { AUTH_FAILURES, createAuthenticator, createAuthenticatorFromConfig } from '../../src/auth/authenticator.js';
import { hasRole } from '../../src/auth/principal.js';
import { AppError } from '../../src/errors.js';

let issuer: TestIssuer;
const org = randomUUID();

beforeAll(async () => {
  issuer = await createTestIssuer();
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('createAuthenticator', () => {
  it('refuses to be configured with symmetric or empty algorithm lists', () => {
    expect(() => createAuthenticator({ ...issuer.authConfig, algorithms: ['HS256'] })).toThrow(/HS256/);
    expect(() => createAuthenticator({ ...issuer.authConfig, algorithms: ['none'] })).toThrow(/none/);
    expect(() => createAuthenticator({ ...issuer.authConfig, algorithms: [] })).toThrow(/at least one/);
  });

  it('refuses a token signed with an algorithm outside the pinned list', async () => {
    const onlyRs = createAuthenticator({ ...issuer.authConfig, algorithms: ['RS256'] });
    const error = await failure(onlyRs.authenticate(`Bearer ${await issuer.sign({ sub: 'u', org, roles: [] })}`));
    expect(error.status).toBe(401);
    expect(error.detail).toBe(AUTH_FAILURES.algorithm);
  });

  it('keeps known roles only, accepts a flattened role string, and lower-cases the organisation', async () => {
    const authenticator = createAuthenticator(issuer.authConfig);
    const upper = org.toUpperCase();
    const principal = await authenticator.authenticate(
      `bearer ${await issuer.sign({ sub: 'u', org: upper, roles: ['supervisor', 'root', 'system'] })}`,
    );
    expect(principal.roles).toEqual(['supervisor', 'system']);
    expect(principal.organizationId).toBe(org);
    expect(hasRole(principal, 'org_admin', 'system')).toBe(true);
    expect(hasRole(principal, 'caseworker')).toBe(false);
  });

  it('accepts tokens within the clock tolerance and refuses them beyond it', async () => {
    const lenient = createAuthenticator({ ...issuer.authConfig, clockToleranceSeconds: 30 });
    const strict = createAuthenticator({ ...issuer.authConfig, clockToleranceSeconds: 0 });
    const justExpired = await issuer.sign({ sub: 'u', org, roles: [] }, { expiresIn: -10 });
    await expect(lenient.authenticate(`Bearer ${justExpired}`)).resolves.toMatchObject({ userId: 'u' });
    expect((await failure(strict.authenticate(`Bearer ${justExpired}`))).detail).toBe(AUTH_FAILURES.expired);
  });

  it('accepts a token sent again without verifying it again, until it expires, checked at each use with the tolerance', async () => {
    const authenticator = createAuthenticator({ ...issuer.authConfig, clockToleranceSeconds: 2 });
    const token = await issuer.sign({ sub: 'u', org, roles: ['caseworker'] }, { expiresIn: 30 });
    const first = await authenticator.authenticate(`Bearer ${token}`);
    first.roles.push('system');
    // The principal of a token seen before is the one verified, whatever a caller did to a copy.
    expect((await authenticator.authenticate(`Bearer ${token}`)).roles).toEqual(['caseworker']);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 31_000);
      await expect(authenticator.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'u' });
      vi.setSystemTime(Date.now() + 2_000);
      expect((await failure(authenticator.authenticate(`Bearer ${token}`))).detail).toBe(AUTH_FAILURES.expired);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an ID token, even one signed by the same provider for a client whose id is the audience (issue: ID tokens were accepted)', async () => {
    const authenticator = createAuthenticator(issuer.authConfig);
    const claims = { sub: 'u', org, roles: ['caseworker'] };
    // What an OpenID Connect provider puts in an ID token and never in an access token.
    for (const extra of [{ nonce: 'n-0S6_WzA2Mj' }, { at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' }, { c_hash: 'LDktKdoQak3Pk0cnXxCltA' }, { s_hash: 'x' }, { typ: 'ID' }]) {
      const error = await failure(authenticator.authenticate(`Bearer ${await issuer.sign({ ...claims, ...extra })}`));
      expect(error.status, JSON.stringify(extra)).toBe(401);
      expect(error.detail).toBe(AUTH_FAILURES.tokenType);
    }
    // A JOSE typ that names another kind of token.
    const logout = await failure(authenticator.authenticate(`Bearer ${await issuer.sign(claims, { header: { typ: 'logout+jwt' } })}`));
    expect(logout.detail).toBe(AUTH_FAILURES.tokenType);
    // Access tokens as providers mark them: RFC 9068's at+jwt (also as a media type), JWT, or no typ at all.
    for (const typ of ['at+jwt', 'application/at+jwt', 'JWT', undefined]) {
      await expect(authenticator.authenticate(`Bearer ${await issuer.sign(claims, { header: { typ } })}`), String(typ)).resolves.toMatchObject({ userId: 'u' });
    }
  });

  it('requires typ at+jwt when configured so, for a provider that marks its access tokens', async () => {
    const strict = createAuthenticator({ ...issuer.authConfig, accessTokenTypes: ['at+jwt'] });
    const claims = { sub: 'u', org, roles: [] };
    await expect(strict.authenticate(`Bearer ${await issuer.sign(claims)}`)).resolves.toMatchObject({ userId: 'u' });
    for (const typ of ['JWT', undefined]) {
      expect((await failure(strict.authenticate(`Bearer ${await issuer.sign(claims, { header: { typ } })}`))).detail).toBe(AUTH_FAILURES.tokenType);
    }
    expect(() => createAuthenticator({ ...issuer.authConfig, accessTokenTypes: [] })).toThrow(/access token type/);
  });

  it('refuses garbage that is not a compact JWS', async () => {
    const authenticator = createAuthenticator(issuer.authConfig);
    expect((await failure(authenticator.authenticate('Bearer not.a-jwt'))).detail).toBe(AUTH_FAILURES.malformed);
    expect((await failure(authenticator.authenticate('Bearer'))).detail).toBe(AUTH_FAILURES.malformed);
    expect((await failure(authenticator.authenticate('Bearer a.b.c'))).detail).toBe(AUTH_FAILURES.malformed);
  });

  it('answers 503, not 401, when the identity provider cannot be reached', async () => {
    // A port that was free a moment ago: connections are refused.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const authenticator = createAuthenticator({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      jwksTimeoutMs: 1000,
    });
    const error = await failure(authenticator.authenticate(`Bearer ${await issuer.sign({ sub: 'u', org, roles: [] })}`));
    expect(error.status).toBe(503);
  });

  it('builds from configuration with a JWKS file', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'hub-jwks-'));
    try {
      const file = join(dir, 'jwks.json');
      await writeFile(file, JSON.stringify(issuer.jwks));
      const authenticator = await createAuthenticatorFromConfig({
        AUTH_ISSUER: issuer.issuer,
        AUTH_AUDIENCE: issuer.audience,
        AUTH_ALGORITHMS: ['ES256'],
        AUTH_JWKS_FILE: file,
        AUTH_CLOCK_TOLERANCE_S: 5,
      });
      const principal = await authenticator.authenticate(`Bearer ${await issuer.sign({ sub: 'file-user', org, roles: ['focal_point'] })}`);
      expect(principal).toMatchObject({ userId: 'file-user', roles: ['focal_point'] });

      await writeFile(file, '{"not":"a key set"}');
      await expect(
        createAuthenticatorFromConfig({
          AUTH_ISSUER: issuer.issuer,
          AUTH_AUDIENCE: issuer.audience,
          AUTH_ALGORITHMS: ['ES256'],
          AUTH_JWKS_FILE: file,
          AUTH_CLOCK_TOLERANCE_S: 5,
        }),
      ).rejects.toThrow(/JSON Web Key Set/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
