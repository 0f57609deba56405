/**
 * The development identity provider: creates (once) an ES256 key pair under
 * .hub/dev-identity/ and serves its JWKS and OpenID configuration, so the
 * services can verify tokens minted by `npm run token`. Never for production.
 */
import { fileURLToPath } from 'node:url';
import { startDevIdentityServer } from '@referral-hub/platform';

const dir = process.env.DEV_IDENTITY_DIR ?? fileURLToPath(new URL('../.hub/dev-identity/', import.meta.url));
const port = Number(process.env.DEV_IDENTITY_PORT ?? 4400);
const host = process.env.DEV_IDENTITY_HOST ?? '127.0.0.1';

const server = await startDevIdentityServer({
  dir,
  port,
  host,
  ...(process.env.AUTH_ISSUER ? { issuer: process.env.AUTH_ISSUER } : {}),
});
process.stdout.write(`development identity: ${server.issuer}/.well-known/jwks.json\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
