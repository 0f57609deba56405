import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { startDevIdentityServer } from '../../src/auth/dev-identity.js';
import type { DevIdentityServer } from '../../src/auth/dev-identity.js';
import { createDevLogin } from '../../src/auth/dev-login.js';
import type { DevPerson } from '../../src/auth/dev-login.js';

const REDIRECT = 'http://127.0.0.1:9/auth/callback';
const organizationId = randomUUID();
const person: DevPerson = {
  userId: 'fp-clinic',
  name: 'Claudine Niyonzima',
  organizationId,
  organizationName: 'Clinique Ubuzima',
  roles: ['focal_point'],
  title: 'Point focal',
  email: 'fp@clinic.example.org',
  locale: 'fr',
};

let dir: string;
let server: DevIdentityServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-dev-login-'));
  server = await startDevIdentityServer({
    dir,
    port: 0,
    clients: [{ clientId: 'svc', secret: 'svc-secret', organizationId: randomUUID(), roles: ['system'] }],
    otherwise: async ({ issuer, identity }) =>
      (await createDevLogin({ issuer, identity, people: () => Promise.resolve([person]), clients: [{ clientId: 'console', secret: 'console-secret', redirectUris: [REDIRECT], postLogoutRedirectUris: ['http://127.0.0.1:9/'] }] })).handle,
  });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A tiny cookie jar: the browser's part of the flow. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    keep(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, ...value] = (pair ?? '').split('=');
        if (name !== undefined) cookies.set(name.trim(), value.join('='));
      }
    },
  };
}

async function follow(url: string, cookies: ReturnType<typeof jar>, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookies.header() } });
  cookies.keep(response);
  return response;
}

describe('development identity: people sign in', () => {
  it('publishes discovery with an authorization endpoint, PKCE and logout, and keeps the client-credentials token and JWKS', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: server.issuer, authorization_endpoint: `${server.issuer}/authorize`, code_challenge_methods_supported: ['S256'] });
    expect(discovery.end_session_endpoint).toBe(`${server.issuer}/oidc/logout`);
    const jwks = (await (await fetch(server.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([server.identity.kid]);
    const machine = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('svc:svc-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(machine.status).toBe(200);
  });

  it('lists people on its login page and issues an at+jwt access token the services accept, with the hub claims', async () => {
    const cookies = jar();
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = new URL(`${server.issuer}/authorize`);
    for (const [k, v] of Object.entries({ client_id: 'console', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile email hub', code_challenge: challenge, code_challenge_method: 'S256', state: 'st' })) {
      authorize.searchParams.set(k, v);
    }
    let response = await follow(authorize.href, cookies);
    expect(response.status).toBe(303);
    const interaction = new URL(response.headers.get('location') ?? '', server.issuer).href;
    response = await follow(interaction, cookies);
    // The login form's answer redirects on to the client: its CSP must let the form go there.
    expect(response.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:9;");
    const page = await response.text();
    expect(page).toContain('Claudine Niyonzima');
    expect(page).toContain('Clinique Ubuzima');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

    // A forged login without the page's token is refused.
    const forged = await follow(`${interaction}/login`, cookies, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'userId=fp-clinic&csrf=nope' });
    expect(forged.status).toBe(400);

    response = await follow(`${interaction}/login`, cookies, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ userId: 'fp-clinic', csrf }).toString() });
    let location = response.headers.get('location') ?? '';
    for (let hops = 0; hops < 5 && !location.startsWith(REDIRECT); hops += 1) {
      response = await follow(new URL(location, server.issuer).href, cookies);
      location = response.headers.get('location') ?? '';
    }
    const code = new URL(location).searchParams.get('code') ?? '';
    expect(code).not.toBe('');

    const token = await fetch(`${server.issuer}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('console:console-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
    });
    const tokens = (await token.json()) as { access_token: string; id_token: string; refresh_token?: string };
    expect(token.status).toBe(200);
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: server.identity.kid });
    expect(decodeJwt(tokens.id_token)).toMatchObject({ sub: 'fp-clinic', name: 'Claudine Niyonzima', org: organizationId, roles: ['focal_point'] });
    expect(tokens.refresh_token).toBeTypeOf('string');

    const authenticator = createAuthenticator({ issuer: server.issuer, audience: 'referral-hub', jwksUrl: server.jwksUrl, accessTokenTypes: ['at+jwt'] });
    const principal = await authenticator.authenticate(`Bearer ${tokens.access_token}`);
    expect(principal).toMatchObject({ userId: 'fp-clinic', organizationId, roles: ['focal_point'], name: 'Claudine Niyonzima', email: 'fp@clinic.example.org', locale: 'fr' });
  });
});
