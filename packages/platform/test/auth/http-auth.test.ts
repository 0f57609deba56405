import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer } from '../../../testkit/src/tokens.js';
import type { TestClaims, TestIssuer } from '../../../testkit/src/tokens.js';
import { AUTH_FAILURES, createAuthenticator } from '../../src/auth/authenticator.js';
import { startFixture } from '../http/fixture.js';
import type { FixtureServer } from '../http/fixture.js';

let issuer: TestIssuer;
let server: FixtureServer;
const organizationId = randomUUID();
const claims: TestClaims = { sub: 'user-42', org: organizationId, roles: ['caseworker', 'not-a-hub-role'] };
const path = `/v1/organizations/${organizationId}/referrals`;

beforeAll(async () => {
  issuer = await createTestIssuer();
  server = await startFixture({ authenticator: createAuthenticator(issuer.authConfig) });
});

afterAll(async () => {
  await server.close();
});

function get(token: string | undefined, target = path): Promise<Response> {
  // English wording, compared with AUTH_FAILURES; French (the default) is covered in problems.test.ts.
  const headers: Record<string, string> = { 'accept-language': 'en' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return fetch(`${server.baseUrl}${target}`, { headers });
}

async function expectUnauthenticated(response: Response, detail: string): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  const problem = (await response.json()) as { type: string; detail: string };
  expect(problem.type).toBe('https://referral-hub.org/problems/unauthenticated');
  expect(problem.detail).toBe(detail);
}

describe('bearer authentication over HTTP', () => {
  it('lets a valid token through and hands the handler its principal', async () => {
    const token = await issuer.sign({ ...claims, name: 'Awa Diallo', locale: 'fr-SN', supervisor_sub: 'boss-1' });
    const response = await get(token);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { principal: Record<string, unknown> };
    expect(body.principal).toMatchObject({
      userId: 'user-42',
      organizationId,
      roles: ['caseworker'],
      name: 'Awa Diallo',
      locale: 'fr',
      supervisorUserId: 'boss-1',
    });
    expect(typeof body.principal.tokenId).toBe('string');
  });

  it('refuses a request without a token', async () => {
    await expectUnauthenticated(await get(undefined), AUTH_FAILURES.missing);
  });

  it('refuses an expired token', async () => {
    await expectUnauthenticated(await get(await issuer.signExpired(claims)), AUTH_FAILURES.expired);
  });

  it('refuses a token from another issuer', async () => {
    await expectUnauthenticated(await get(await issuer.signWithWrongIssuer(claims)), AUTH_FAILURES.issuer);
  });

  it('refuses a token for another audience', async () => {
    await expectUnauthenticated(await get(await issuer.signWithWrongAudience(claims)), AUTH_FAILURES.audience);
  });

  it('refuses an unsigned token (alg none)', async () => {
    await expectUnauthenticated(await get(issuer.unsigned(claims)), AUTH_FAILURES.algorithm);
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    await expectUnauthenticated(await get(await issuer.signWithUnknownKey(claims)), AUTH_FAILURES.unknownKey);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const token = await issuer.tampered(claims, { roles: ['org_admin'] });
    await expectUnauthenticated(await get(token), AUTH_FAILURES.signature);
  });

  it('refuses HS256 signed with the public key (key confusion)', async () => {
    await expectUnauthenticated(await get(issuer.signHs256WithPublicKey(claims)), AUTH_FAILURES.algorithm);
  });

  it('refuses a token without an organisation or a subject', async () => {
    const { org: _org, ...withoutOrg } = claims;
    await expectUnauthenticated(
      await get(await issuer.sign(withoutOrg as TestClaims)),
      AUTH_FAILURES.organization,
    );
    await expectUnauthenticated(await get(await issuer.sign({ ...claims, org: 'not-a-uuid' })), AUTH_FAILURES.organization);
    await expectUnauthenticated(await get(await issuer.sign({ ...claims, sub: '' })), AUTH_FAILURES.subject);
  });

  it('refuses another scheme', async () => {
    const token = await issuer.sign(claims);
    const response = await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Basic ${token}`, 'accept-language': 'en' } });
    await expectUnauthenticated(response, AUTH_FAILURES.scheme);
  });

  it('answers 403 when the caller lacks the role an action requires', async () => {
    const token = await issuer.sign({ ...claims, roles: ['focal_point'] });
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ caseCode: 'CASE-9', urgency: 'routine', scope: { fields: ['child.age'] } }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await response.json()) as { type: string }).type).toBe('https://referral-hub.org/problems/forbidden');
  });

  it('authenticates before validating, so an anonymous caller learns nothing about the input rules', async () => {
    await expectUnauthenticated(await get(undefined, '/v1/organizations/not-a-uuid/referrals?limit=0'), AUTH_FAILURES.missing);
  });

  it('leaves operations without security open and identifies a caller on optional ones', async () => {
    expect((await get(undefined, '/v1/public/ping')).status).toBe(200);
    const anonymous = await get(undefined, '/v1/public/whoami');
    expect(await anonymous.json()).toEqual({ userId: null });
    const identified = await get(await issuer.sign(claims), '/v1/public/whoami');
    expect(await identified.json()).toEqual({ userId: 'user-42' });
    await expectUnauthenticated(await get(await issuer.signExpired(claims), '/v1/public/whoami'), AUTH_FAILURES.expired);
  });
});
