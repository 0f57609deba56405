/**
 * The development identity's sign-in for people: a real OpenID Connect
 * provider (`oidc-provider`, a certified OP) with the authorization-code flow
 * and PKCE, refresh tokens and RP-initiated logout, whose login page lists the
 * demo network's people to sign in as (no password: development only).
 *
 * Access tokens are RFC 9068 JWTs (`typ: at+jwt`) for the audience the
 * services expect, carrying the hub's claims (`org`, `roles`, `name`, `email`,
 * `phone_number`, `locale`, `supervisor_sub`), signed with the same ES256 key
 * as everything else the development identity signs, so the services verify
 * them with the JWKS they already use. Never for production.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import Provider, { errors } from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { DevIdentity } from './dev-identity.js';
import type { Locale, Role } from './principal.js';

/** A person the login page offers to sign in as. */
export type DevPerson = {
  userId: string;
  name: string;
  organizationId: string;
  organizationName: string;
  roles: readonly Role[];
  /** Their job, shown on the login page. */
  title?: string;
  email?: string;
  phoneNumber?: string;
  locale?: Locale;
  supervisorUserId?: string;
};

/** An application people sign in to (the console), a confidential client. */
export type DevLoginClient = {
  clientId: string;
  secret: string;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
};

export type DevLoginOptions = {
  issuer: string;
  identity: DevIdentity;
  clients: readonly DevLoginClient[];
  /** The people to list; asked at every login page (the directory may be seeded later). */
  people: () => Promise<readonly DevPerson[]>;
  /** The `aud` of access tokens. Default `referral-hub`. */
  audience?: string;
  /** Access token lifetime in seconds. Default 900. */
  accessTokenTtlSeconds?: number;
};

export type DevLogin = {
  /** Handles a request for any path of the provider (authorization, token, logout, interactions, discovery). */
  handle(req: IncomingMessage, res: ServerResponse): void;
};

/** The resource indicator of the hub's APIs; its audience is the one the services check. */
export const DEV_LOGIN_RESOURCE = 'urn:referral-hub:api';
/** The scope the console asks for to call the hub's APIs. */
export const DEV_LOGIN_API_SCOPE = 'hub';

const ROUTES = {
  authorization: '/authorize',
  token: '/oidc/token',
  jwks: '/oidc/jwks',
  userinfo: '/oidc/userinfo',
  end_session: '/oidc/logout',
  revocation: '/oidc/revoke',
  introspection: '/oidc/introspect',
} as const;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function hubClaims(person: DevPerson): Record<string, unknown> {
  const claims: Record<string, unknown> = { org: person.organizationId, roles: [...person.roles], name: person.name };
  if (person.email !== undefined) claims.email = person.email;
  if (person.phoneNumber !== undefined) claims.phone_number = person.phoneNumber;
  if (person.locale !== undefined) claims.locale = person.locale;
  if (person.supervisorUserId !== undefined) claims.supervisor_sub = person.supervisorUserId;
  return claims;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;line-height:1.4}' +
  'ul{list-style:none;padding:0}li{margin:.5rem 0}button{width:100%;text-align:left;padding:.75rem;border:1px solid #555;border-radius:.4rem;background:#fff;font:inherit;cursor:pointer}' +
  'button:focus,button:hover{background:#eef}small{display:block;color:#333}';

function loginPage(people: readonly DevPerson[], action: string, csrf: string, clientName: string): string {
  const items = people
    .map(
      (p) =>
        `<li><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">` +
        `<input type="hidden" name="userId" value="${escapeHtml(p.userId)}">` +
        `<button type="submit"><strong>${escapeHtml(p.name)}</strong><small>${escapeHtml(p.organizationName)} — ${escapeHtml(p.title ?? p.roles.join(', '))}</small>` +
        `<small lang="en">${escapeHtml(p.roles.join(', '))}</small></button></form></li>`,
    )
    .join('');
  const empty = people.length === 0 ? '<p>Aucune personne : le réseau de démonstration n’est pas encore en place. <span lang="en">No one yet: the demo network is not seeded.</span></p>' : '';
  return (
    `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>Connexion (développement) — Sign in (development)</title><style>${STYLE}</style></head><body><main>` +
    `<h1>Se connecter à ${escapeHtml(clientName)} <span lang="en">— Sign in</span></h1>` +
    `<p>Identité de développement : choisissez la personne à incarner. <span lang="en">Development identity: choose whom to sign in as.</span></p>` +
    `${empty}<ul>${items}</ul></main></body></html>`
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Creates the provider; mount its `handle` on the development identity's server. */
export async function createDevLogin(options: DevLoginOptions): Promise<DevLogin> {
  const stored: unknown = JSON.parse(await readFile(join(options.identity.dir, 'signing-key.jwk.json'), 'utf8'));
  if (typeof stored !== 'object' || stored === null) throw new Error('the development signing key is unreadable');
  const signingJwk = { ...(stored as Record<string, string>), kid: options.identity.kid, alg: 'ES256', use: 'sig' };
  const audience = options.audience ?? 'referral-hub';
  const findPerson = async (userId: string): Promise<DevPerson | undefined> => (await options.people()).find((p) => p.userId === userId);

  const configuration: Configuration = {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.secret,
      client_name: 'Console',
      redirect_uris: [...c.redirectUris],
      post_logout_redirect_uris: [...c.postLogoutRedirectUris],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys: [signingJwk] },
    routes: ROUTES,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'phone', 'offline_access', DEV_LOGIN_API_SCOPE],
    claims: {
      openid: ['sub'],
      profile: ['name', 'locale'],
      email: ['email'],
      phone: ['phone_number'],
      [DEV_LOGIN_API_SCOPE]: ['org', 'roles', 'supervisor_sub'],
    },
    conformIdTokenClaims: false,
    ttl: { AccessToken: options.accessTokenTtlSeconds ?? 900, IdToken: 3600, RefreshToken: 8 * 3600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEV_LOGIN_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== DEV_LOGIN_RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: DEV_LOGIN_API_SCOPE,
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtlSeconds ?? 900,
            jwt: { sign: { alg: 'ES256', kid: options.identity.kid } },
          };
        },
      },
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx, sub) => {
      const person = await findPerson(sub);
      if (person === undefined) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...hubClaims(person) }) };
    },
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind !== 'AccessToken' || typeof token.accountId !== 'string') return undefined;
      const person = await findPerson(token.accountId);
      return person === undefined ? undefined : hubClaims(person);
    },
    // The console is the hub's own application: people are not asked to consent to it.
    loadExistingGrant: async (ctx) => {
      const client = ctx.oidc.client;
      const session = ctx.oidc.session;
      if (client === undefined || session?.accountId === undefined) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId !== undefined) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing !== undefined) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(`openid profile email phone offline_access ${DEV_LOGIN_API_SCOPE}`);
      grant.addOIDCClaims(['org', 'roles', 'supervisor_sub', 'name', 'locale', 'email', 'phone_number']);
      grant.addResourceScope(DEV_LOGIN_RESOURCE, DEV_LOGIN_API_SCOPE);
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
  };

  const provider = new Provider(options.issuer, configuration);
  const callback = provider.callback();
  // The login form's own CSRF token, per interaction (the interaction cookie binds it to the browser).
  const csrfTokens = new Map<string, string>();
  const formTargets = [...new Set(options.clients.flatMap((c) => c.redirectUris.map((uri) => new URL(uri).origin)))].join(' ');

  const interaction = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const uid = details.uid;
    if (req.method === 'GET' && path === `/interaction/${uid}`) {
      const csrf = randomBytes(16).toString('base64url');
      csrfTokens.set(uid, csrf);
      const body = loginPage(await options.people(), `/interaction/${uid}/login`, csrf, 'la console du hub');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // The form's answer redirects on to the application's callback: form-action must allow its origin.
        'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formTargets}; frame-ancestors 'none'`,
      });
      res.end(body);
      return;
    }
    if (req.method === 'POST' && path === `/interaction/${uid}/login`) {
      const form = await readForm(req);
      const expected = csrfTokens.get(uid);
      const userId = form.get('userId') ?? '';
      if (expected === undefined || form.get('csrf') !== expected || (await findPerson(userId)) === undefined) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Demande de connexion invalide. Invalid sign-in request.');
        return;
      }
      csrfTokens.delete(uid);
      await provider.interactionFinished(req, res, { login: { accountId: userId } }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found');
  };

  return {
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path.startsWith('/interaction/')) {
        interaction(req, res, path).catch(() => {
          if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('Cette connexion a expiré : recommencez depuis l’application. This sign-in expired: start again from the application.');
        });
        return;
      }
      callback(req, res);
    },
  };
}
