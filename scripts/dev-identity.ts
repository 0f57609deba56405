/**
 * The development identity provider: creates (once) an ES256 key pair under
 * .hub/dev-identity/ and serves its JWKS and OpenID configuration, so the
 * services can verify tokens minted by `npm run token`. Never for production.
 */
import { fileURLToPath } from 'node:url';
import { isRole, mintDevToken, startDevIdentityServer } from '@referral-hub/platform';
import type { DevClient } from '@referral-hub/platform';
import { createDevLogin } from '@referral-hub/platform/dev-login';
import type { DevLoginClient, DevPerson } from '@referral-hub/platform/dev-login';
import { DEMO_PEOPLE } from './demo/case.js';
import { DEMO_COORDINATOR, DEMO_ORGANIZATIONS, demoOrganization } from './demo/network.js';
import { findDemoOrganizations } from './demo/seed.js';

const dir = process.env.DEV_IDENTITY_DIR ?? fileURLToPath(new URL('../.hub/dev-identity/', import.meta.url));
const port = Number(process.env.DEV_IDENTITY_PORT ?? 4400);
const host = process.env.DEV_IDENTITY_HOST ?? '127.0.0.1';

/**
 * Machine clients allowed the client-credentials grant, from DEV_IDENTITY_CLIENTS:
 * `[{ "clientId", "secret", "organizationId", "roles": [...] }]`.
 */
function clientsFromEnv(raw: string | undefined): DevClient[] {
  if (raw === undefined || raw.trim() === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error('DEV_IDENTITY_CLIENTS must be a JSON array');
  return parsed.map((entry: unknown, index) => {
    const client = entry as Partial<Record<keyof DevClient, unknown>>;
    const roles = Array.isArray(client.roles) ? client.roles.filter(isRole) : [];
    if (typeof client.clientId !== 'string' || typeof client.secret !== 'string' || typeof client.organizationId !== 'string' || roles.length === 0) {
      throw new Error(`DEV_IDENTITY_CLIENTS[${index}] needs clientId, secret, organizationId and roles`);
    }
    return { clientId: client.clientId, secret: client.secret, organizationId: client.organizationId, roles };
  });
}

/**
 * Applications people sign in to, from DEV_IDENTITY_LOGIN_CLIENTS:
 * `[{ "clientId", "secret", "redirectUris": [...], "postLogoutRedirectUris": [...] }]`.
 * Without any, the identity only serves keys and client-credentials tokens.
 */
function loginClientsFromEnv(raw: string | undefined): DevLoginClient[] {
  if (raw === undefined || raw.trim() === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error('DEV_IDENTITY_LOGIN_CLIENTS must be a JSON array');
  return parsed.map((entry: unknown, index) => {
    const client = entry as Partial<Record<keyof DevLoginClient, unknown>>;
    const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
    if (typeof client.clientId !== 'string' || typeof client.secret !== 'string' || strings(client.redirectUris).length === 0) {
      throw new Error(`DEV_IDENTITY_LOGIN_CLIENTS[${index}] needs clientId, secret and redirectUris`);
    }
    return { clientId: client.clientId, secret: client.secret, redirectUris: strings(client.redirectUris), postLogoutRedirectUris: strings(client.postLogoutRedirectUris) };
  });
}

const loginClients = loginClientsFromEnv(process.env.DEV_IDENTITY_LOGIN_CLIENTS);

/** The access tokens' lifetime in seconds, from DEV_IDENTITY_ACCESS_TOKEN_TTL (default 900): short, to see the console refresh them. */
function accessTokenTtlFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 900;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error('DEV_IDENTITY_ACCESS_TOKEN_TTL must be a positive whole number of seconds');
  return seconds;
}
const accessTokenTtlSeconds = accessTokenTtlFromEnv(process.env.DEV_IDENTITY_ACCESS_TOKEN_TTL);
const directoryUrl = process.env.DEV_IDENTITY_DIRECTORY_URL;

/**
 * The demo network's people, once the directory holds its organisations (their
 * ids are the directory's, known only after the seed): asked again until found.
 */
function demoPeople(issuer: string): () => Promise<readonly DevPerson[]> {
  let found: readonly DevPerson[] | undefined;
  return async () => {
    if (found !== undefined || directoryUrl === undefined) return found ?? [];
    const organizations = await findDemoOrganizations({
      directoryUrl,
      token: (claims) =>
        mintDevToken({ dir, issuer, organizationId: claims.org, roles: claims.roles, userId: claims.sub, expiresIn: '5m', ...(claims.name === undefined ? {} : { name: claims.name }) }),
    }).catch(() => null);
    if (organizations === null) return [];
    found = Object.values(DEMO_PEOPLE).map((person) => ({
      userId: person.userId,
      name: person.name,
      organizationId: organizations[person.organizationKey],
      organizationName: demoOrganization(person.organizationKey).name,
      roles: person.roles,
      title: person.title,
      email: person.email,
      ...(person.phone === null ? {} : { phoneNumber: person.phone }),
      locale: person.locale,
      ...(person.supervisorUserId === undefined ? {} : { supervisorUserId: person.supervisorUserId }),
    }));
    // Those who keep the network (the coordinator, each organisation's administrator), to manage it in the console.
    found = [
      ...found,
      { userId: DEMO_COORDINATOR.userId, name: DEMO_COORDINATOR.name, organizationId: DEMO_COORDINATOR.organizationId, organizationName: DEMO_COORDINATOR.name, roles: ['network_coordinator'], title: 'Coordination du réseau', locale: 'fr' },
      ...DEMO_ORGANIZATIONS.flatMap((organization) => {
        const id = organizations[organization.key];
        return id === undefined ? [] : [{ userId: organization.adminUserId, name: `Administration ${organization.acronym ?? organization.name}`, organizationId: id, organizationName: organization.name, roles: ['org_admin' as const], title: "Administration de l'organisation", locale: 'fr' as const }];
      }),
    ];
    return found;
  };
}

const server = await startDevIdentityServer({
  dir,
  port,
  host,
  clients: clientsFromEnv(process.env.DEV_IDENTITY_CLIENTS),
  ...(process.env.AUTH_ISSUER ? { issuer: process.env.AUTH_ISSUER } : {}),
  ...(loginClients.length === 0
    ? {}
    : {
        otherwise: async ({ issuer, identity }) =>
          (await createDevLogin({ issuer, identity, clients: loginClients, people: demoPeople(issuer), audience: process.env.AUTH_AUDIENCE ?? 'referral-hub', accessTokenTtlSeconds })).handle,
      }),
});
process.stdout.write(`development identity: ${server.issuer}/.well-known/jwks.json\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
