/**
 * A local stand-in for an OpenID Connect provider, for development, demos and
 * tests only: one ES256 key pair kept on disk, a tiny server publishing its
 * JWKS and discovery document, and a function minting tokens with it.
 *
 * Production uses a real identity provider (AUTH_JWKS_URL); nothing here is
 * wired into a service's start-up.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK } from 'jose';
import type { Locale, Role } from './principal.js';

export const DEV_IDENTITY_ALGORITHM = 'ES256';
export const DEV_IDENTITY_DEFAULT_PORT = 4400;
export const DEV_ISSUER_DEFAULT = `http://127.0.0.1:${DEV_IDENTITY_DEFAULT_PORT}`;
export const DEV_AUDIENCE_DEFAULT = 'referral-hub';

const PRIVATE_KEY_FILE = 'signing-key.jwk.json';
const JWKS_FILE = 'jwks.json';

export type DevIdentity = {
  dir: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** The public key set, as served at `/.well-known/jwks.json`. */
  jwks: JSONWebKeySet;
  /** Path of the public key set on disk, usable as `AUTH_JWKS_FILE`. */
  jwksFile: string;
};

/**
 * `.hub/dev-identity` under the repository root (the nearest folder above
 * `from` holding `pnpm-workspace.yaml`), or under `from` outside the repository.
 */
export function defaultDevIdentityDir(from: string = process.cwd()): string {
  let current = resolve(from);
  for (;;) {
    if (existsSync(join(current, 'pnpm-workspace.yaml'))) return join(current, '.hub', 'dev-identity');
    const parent = dirname(current);
    if (parent === current) return join(resolve(from), '.hub', 'dev-identity');
    current = parent;
  }
}

function isPrivateEcJwk(value: unknown): value is JWK & { kty: 'EC'; crv: 'P-256'; d: string; x: string; y: string } {
  if (typeof value !== 'object' || value === null) return false;
  const jwk = value as Record<string, unknown>;
  return (
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.d === 'string' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string'
  );
}

async function writeExclusive(path: string, content: string): Promise<boolean> {
  // Write aside, then hard-link into place: `link` fails if the file exists,
  // so two processes starting together never end up with different keys.
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, path);
}

/**
 * Returns the development signing key in `dir`, creating it (and the public
 * `jwks.json`) on first use. The key's `kid` is its RFC 7638 thumbprint.
 */
export async function ensureDevIdentity(dir: string = defaultDevIdentityDir()): Promise<DevIdentity> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, PRIVATE_KEY_FILE);

  if (!existsSync(keyPath)) {
    const { privateKey } = await generateKeyPair(DEV_IDENTITY_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    await writeExclusive(keyPath, `${JSON.stringify(jwk, null, 2)}\n`);
  }

  const stored: unknown = JSON.parse(await readFile(keyPath, 'utf8'));
  if (!isPrivateEcJwk(stored)) {
    throw new Error(`${keyPath} is not a P-256 private JWK; delete it to make a new development identity`);
  }
  const publicBase: JWK = { kty: stored.kty, crv: stored.crv, x: stored.x, y: stored.y };
  const kid = await calculateJwkThumbprint(publicBase, 'sha256');
  const publicJwk: JWK = { ...publicBase, kid, alg: DEV_IDENTITY_ALGORITHM, use: 'sig' };
  const privateKey = await importJWK({ ...stored, kid, alg: DEV_IDENTITY_ALGORITHM }, DEV_IDENTITY_ALGORITHM);
  if (privateKey instanceof Uint8Array) throw new Error('unexpected symmetric development key');

  const jwks: JSONWebKeySet = { keys: [publicJwk] };
  const jwksFile = join(dir, JWKS_FILE);
  const jwksText = `${JSON.stringify(jwks, null, 2)}\n`;
  const current = existsSync(jwksFile) ? await readFile(jwksFile, 'utf8') : undefined;
  if (current !== jwksText) await writeAtomically(jwksFile, jwksText);

  return { dir, kid, privateKey, publicJwk, jwks, jwksFile };
}

export type DevIdentityServerOptions = {
  dir?: string;
  /** Default 4400; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Issuer to announce; default `http://127.0.0.1:<port>` (or `http://<host>:<port>` for a named host). */
  issuer?: string;
  /**
   * Machine clients that may get a token from `POST /token` with the OAuth 2.0
   * client-credentials grant (services calling each other). None by default.
   */
  clients?: readonly DevClient[];
  /** Audience of client-credentials tokens when the request names none. Default `referral-hub`. */
  audience?: string;
  /**
   * Handles every other request, discovery included (the people's sign-in of
   * `dev-login.ts`); made once the issuer and key are known.
   */
  otherwise?: (context: { issuer: string; identity: DevIdentity }) => Promise<(req: IncomingMessage, res: ServerResponse) => void>;
};

/** A machine client of the development identity server. */
export type DevClient = {
  /** The token's `sub`. */
  clientId: string;
  secret: string;
  /** The token's `org` claim (the network hub's own organisation id for the hub's services). */
  organizationId: string;
  roles: readonly Role[];
};

const CLIENT_TOKEN_LIFETIME_S = 3600;

/** Reads the client id and secret from HTTP Basic or, failing that, the form (RFC 6749 §2.3.1). */
function clientCredentialsOf(authorization: string | undefined, form: URLSearchParams): { id: string; secret: string } | undefined {
  if (authorization?.startsWith('Basic ') === true) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) return undefined;
    return { id: decodeURIComponent(decoded.slice(0, separator)), secret: decodeURIComponent(decoded.slice(separator + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id === null || secret === null ? undefined : { id, secret };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export type DevIdentityServer = {
  issuer: string;
  jwksUrl: string;
  port: number;
  identity: DevIdentity;
  close(): Promise<void>;
};

/**
 * Serves `/.well-known/jwks.json` and `/.well-known/openid-configuration` for
 * the development key, so services can run with `AUTH_JWKS_URL` exactly as
 * they would against a real provider.
 */
export async function startDevIdentityServer(options: DevIdentityServerOptions = {}): Promise<DevIdentityServer> {
  const identity = await ensureDevIdentity(options.dir ?? defaultDevIdentityDir());
  const host = options.host ?? '127.0.0.1';
  let issuer = options.issuer ?? '';
  let jwksUrl = '';

  const clients = options.clients ?? [];
  const issueClientToken = async (body: string, authorization: string | undefined): Promise<{ status: number; body: unknown }> => {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const credentials = clientCredentialsOf(authorization, form);
    const client = credentials === undefined ? undefined : clients.find((c) => c.clientId === credentials.id);
    if (credentials === undefined || client === undefined || !sameSecret(client.secret, credentials.secret)) {
      return { status: 401, body: { error: 'invalid_client' } };
    }
    const token = await new SignJWT({ org: client.organizationId, roles: [...client.roles], client_id: client.clientId })
      .setProtectedHeader({ alg: DEV_IDENTITY_ALGORITHM, kid: identity.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(form.get('audience') ?? options.audience ?? DEV_AUDIENCE_DEFAULT)
      .setSubject(client.clientId)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(Math.floor(Date.now() / 1000) + CLIENT_TOKEN_LIFETIME_S)
      .sign(identity.privateKey);
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: CLIENT_TOKEN_LIFETIME_S } };
  };

  let otherwise: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (otherwise !== undefined && path !== '/token' && path !== '/.well-known/jwks.json') {
      otherwise(req, res);
      return;
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    if (req.method === 'POST' && path === '/token') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // A token request is a few hundred bytes; anything much larger is not one.
        if (size > 16_384) req.destroy();
        else chunks.push(chunk);
      });
      req.on('end', () => {
        issueClientToken(Buffer.concat(chunks).toString('utf8'), req.headers.authorization).then(
          (answer) => {
            res.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
            res.end(JSON.stringify(answer.body));
          },
          () => send(500, { error: 'server_error' }),
        );
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD, POST');
      send(405, { error: 'method_not_allowed' });
    } else if (path === '/.well-known/jwks.json') {
      send(200, identity.jwks);
    } else if (path === '/.well-known/openid-configuration') {
      send(200, {
        issuer,
        jwks_uri: jwksUrl,
        id_token_signing_alg_values_supported: [DEV_IDENTITY_ALGORITHM],
        subject_types_supported: ['public'],
        response_types_supported: ['id_token'],
        token_endpoint: `${issuer}/token`,
        grant_types_supported: ['client_credentials'],
        claims_supported: ['sub', 'org', 'roles', 'name', 'email', 'phone_number', 'locale', 'supervisor_sub'],
      });
    } else {
      send(404, { error: 'not_found' });
    }
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? DEV_IDENTITY_DEFAULT_PORT, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const origin = `http://${publicHost}:${port}`;
  if (issuer === '') issuer = origin;
  jwksUrl = `${origin}/.well-known/jwks.json`;
  if (options.otherwise !== undefined) otherwise = await options.otherwise({ issuer, identity });

  return {
    issuer,
    jwksUrl,
    port,
    identity,
    close: () =>
      new Promise<void>((resolveClose, rejectClose) => {
        server.close((error) => (error === undefined ? resolveClose() : rejectClose(error)));
        server.closeAllConnections();
      }),
  };
}

export type MintDevTokenOptions = {
  dir?: string;
  issuer?: string;
  audience?: string;
  organizationId: string;
  roles: readonly Role[];
  userId: string;
  name?: string;
  email?: string;
  phoneNumber?: string;
  locale?: Locale;
  supervisorUserId?: string;
  /** A jose time span (`'1h'`, `'15m'`) or seconds. Default one hour. */
  expiresIn?: string | number;
};

/** Signs a token with the development key, carrying the claims the hub reads. */
export async function mintDevToken(options: MintDevTokenOptions): Promise<string> {
  const identity = await ensureDevIdentity(options.dir ?? defaultDevIdentityDir());
  const claims: Record<string, unknown> = { org: options.organizationId, roles: [...options.roles] };
  if (options.name !== undefined) claims.name = options.name;
  if (options.email !== undefined) claims.email = options.email;
  if (options.phoneNumber !== undefined) claims.phone_number = options.phoneNumber;
  if (options.locale !== undefined) claims.locale = options.locale;
  if (options.supervisorUserId !== undefined) claims.supervisor_sub = options.supervisorUserId;
  const expiresIn = options.expiresIn ?? '1h';

  return new SignJWT(claims)
    .setProtectedHeader({ alg: DEV_IDENTITY_ALGORITHM, kid: identity.kid, typ: 'at+jwt' })
    .setIssuer(options.issuer ?? DEV_ISSUER_DEFAULT)
    .setAudience(options.audience ?? DEV_AUDIENCE_DEFAULT)
    .setSubject(options.userId)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(typeof expiresIn === 'number' ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn)
    .sign(identity.privateKey);
}
