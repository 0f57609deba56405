/**
 * The development identity provider: creates (once) an ES256 key pair under
 * .hub/dev-identity/ and serves its JWKS and OpenID configuration, so the
 * services can verify tokens minted by `npm run token`. Never for production.
 */
import { fileURLToPath } from 'node:url';
import { isRole, startDevIdentityServer } from '@referral-hub/platform';
import type { DevClient } from '@referral-hub/platform';

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

const server = await startDevIdentityServer({
  dir,
  port,
  host,
  clients: clientsFromEnv(process.env.DEV_IDENTITY_CLIENTS),
  ...(process.env.AUTH_ISSUER ? { issuer: process.env.AUTH_ISSUER } : {}),
});
process.stdout.write(`development identity: ${server.issuer}/.well-known/jwks.json\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
