import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { AppError, unauthenticated } from '../errors.js';
import { isUuid } from '../uuid.js';
import { DEFAULT_ALGORITHMS, isAsymmetricAlgorithm } from './algorithms.js';
import type { AsymmetricAlgorithm } from './algorithms.js';
import { LOCALES, isRole } from './principal.js';
import type { Locale, Principal, Role } from './principal.js';

/** Turns an `Authorization` header into a verified principal. */
export type Authenticator = {
  /** @throws AppError `unauthenticated` (401) or `service_unavailable` (503) when the keys cannot be fetched. */
  authenticate(authorizationHeader: string | undefined): Promise<Principal>;
};

export type AuthenticatorOptions = {
  /** The only accepted `iss`. */
  issuer: string;
  /** The accepted `aud` (one of them must appear in the token). */
  audience: string | readonly string[];
  /** Accepted signing algorithms; only asymmetric ones are allowed. Default RS256, ES256. */
  algorithms?: readonly string[];
  /** The identity provider's JWKS endpoint. */
  jwksUrl?: string | URL;
  /** A local JSON Web Key Set, instead of `jwksUrl`. */
  jwks?: JSONWebKeySet;
  /** Leeway for `exp`/`nbf`/`iat`, in seconds. Default 5. */
  clockToleranceSeconds?: number;
  /** Remote JWKS: how long fetched keys are trusted before a refetch. Default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /** Remote JWKS: minimum time between refetches triggered by an unknown `kid`. Default 30 s. */
  jwksCooldownMs?: number;
  /** Remote JWKS: fetch timeout. Default 5 s. */
  jwksTimeoutMs?: number;
  /**
   * The JOSE header `typ` values an access token may carry, compared without
   * case and without an `application/` prefix. Default `at+jwt` (RFC 9068) and
   * `JWT` (what most providers put on access tokens); a token without `typ`
   * passes only when `JWT` is listed. A provider that marks its access tokens
   * `at+jwt` should be configured with that alone.
   */
  accessTokenTypes?: readonly string[];
};

/** Safe, distinct explanations; they help a client developer and reveal nothing about keys. */
export const AUTH_FAILURES = {
  missing: 'A bearer token is required.',
  scheme: 'Use the Bearer authorization scheme.',
  malformed: 'The bearer token is malformed.',
  algorithm: 'The token is signed with an algorithm that is not accepted.',
  unknownKey: 'The token is signed with an unknown key.',
  signature: 'The token signature is invalid.',
  expired: 'The token has expired.',
  notYetValid: 'The token is not valid yet.',
  issuer: 'The token was issued by an untrusted issuer.',
  audience: 'The token is not intended for this service.',
  claims: 'The token claims are invalid.',
  subject: 'The token names no user.',
  organization: 'The token names no organisation.',
  tokenType: 'The token is not an access token (an ID token or another kind of token was sent).',
} as const;

/** Default accepted `typ` headers of access tokens (see {@link AuthenticatorOptions.accessTokenTypes}). */
export const DEFAULT_ACCESS_TOKEN_TYPES: readonly string[] = ['at+jwt', 'JWT'];

/** Claims only an OpenID Connect ID token carries (OIDC Core 2, 3.1.3.6, 3.3.2.11): a token with one is never an access token. */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'] as const;

function normaliseType(type: string): string {
  return type.trim().toLowerCase().replace(/^application\//, '');
}

/**
 * Refuses what is not an access token: a `typ` header outside the accepted
 * list, a claim that only ID tokens carry, or Keycloak's `typ: ID` claim. An ID
 * token is signed by the same provider, for a client whose id may equal the
 * hub's audience, and names the same user: without this check it would pass
 * every other test.
 */
function checkAccessTokenType(headerType: unknown, payload: JWTPayload, accepted: ReadonlySet<string>): void {
  if (headerType === undefined) {
    if (!accepted.has('jwt')) throw unauthenticated(AUTH_FAILURES.tokenType);
  } else if (typeof headerType !== 'string' || !accepted.has(normaliseType(headerType))) {
    throw unauthenticated(AUTH_FAILURES.tokenType);
  }
  if (ID_TOKEN_CLAIMS.some((claim) => payload[claim] !== undefined)) throw unauthenticated(AUTH_FAILURES.tokenType);
  const typeClaim = payload.typ;
  if (typeof typeClaim === 'string' && normaliseType(typeClaim) === 'id') throw unauthenticated(AUTH_FAILURES.tokenType);
}

// A compact JWS: three base64url parts. Bounded so a huge header costs nothing.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

function checkAlgorithms(algorithms: readonly string[]): AsymmetricAlgorithm[] {
  if (algorithms.length === 0) throw new Error('createAuthenticator: at least one algorithm is required');
  return algorithms.map((alg) => {
    if (!isAsymmetricAlgorithm(alg)) {
      throw new Error(`createAuthenticator: algorithm ${alg} is not accepted; use asymmetric algorithms only`);
    }
    return alg;
  });
}

function keySource(options: AuthenticatorOptions): { getKey: JWTVerifyGetKey; remote: boolean } {
  if ((options.jwksUrl === undefined) === (options.jwks === undefined)) {
    throw new Error('createAuthenticator: give exactly one of jwksUrl and jwks');
  }
  if (options.jwks !== undefined) return { getKey: createLocalJWKSet(options.jwks), remote: false };
  const url = new URL(options.jwksUrl ?? '');
  return {
    getKey: createRemoteJWKSet(url, {
      cacheMaxAge: options.jwksCacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      timeoutDuration: options.jwksTimeoutMs ?? 5000,
    }),
    remote: true,
  };
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw unauthenticated(AUTH_FAILURES.missing);
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header.trim());
  if (match === null) throw unauthenticated(AUTH_FAILURES.malformed);
  const [, scheme = '', token = ''] = match;
  if (scheme.toLowerCase() !== 'bearer') throw unauthenticated(AUTH_FAILURES.scheme);
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) throw unauthenticated(AUTH_FAILURES.malformed);
  return token;
}

function translateJoseError(error: unknown, remote: boolean): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof joseErrors.JWTExpired) return unauthenticated(AUTH_FAILURES.expired);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return unauthenticated(AUTH_FAILURES.issuer);
    if (error.claim === 'aud') return unauthenticated(AUTH_FAILURES.audience);
    if (error.claim === 'nbf' || error.claim === 'iat') return unauthenticated(AUTH_FAILURES.notYetValid);
    if (error.claim === 'sub') return unauthenticated(AUTH_FAILURES.subject);
    return unauthenticated(AUTH_FAILURES.claims);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return unauthenticated(AUTH_FAILURES.algorithm);
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return unauthenticated(AUTH_FAILURES.unknownKey);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return unauthenticated(AUTH_FAILURES.signature);
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return unauthenticated(AUTH_FAILURES.malformed);
  }
  // Anything else while keys come from the network (timeout, refused
  // connection, a non-200 or malformed JWKS) is the identity provider's
  // trouble, not the caller's: 503 so clients retry instead of re-logging in.
  if (remote) {
    return new AppError('service_unavailable', 503, 'Service unavailable', {
      detail: 'The identity provider could not be reached; try again shortly.',
      cause: error,
    });
  }
  return new AppError('unauthenticated', 401, 'Unauthenticated', {
    detail: AUTH_FAILURES.malformed,
    cause: error,
    headers: { ...unauthenticated().headers },
  });
}

function optionalString(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function rolesFrom(claim: unknown): Role[] {
  // An array is the norm; a space- or comma-separated string is tolerated
  // because some identity providers flatten multi-valued claims.
  const items = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  return [...new Set(items.filter(isRole))];
}

function localeFrom(claim: unknown): Locale | undefined {
  if (typeof claim !== 'string') return undefined;
  const primary = claim.trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((locale) => locale === primary);
}

/** Maps verified claims to a principal; a token without user or organisation is refused. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const userId = optionalString(payload, 'sub');
  if (userId === undefined) throw unauthenticated(AUTH_FAILURES.subject);
  const organizationId = optionalString(payload, 'org');
  if (organizationId === undefined || !isUuid(organizationId)) throw unauthenticated(AUTH_FAILURES.organization);

  const principal: Principal = { userId, organizationId: organizationId.toLowerCase(), roles: rolesFrom(payload.roles) };
  const name = optionalString(payload, 'name');
  if (name !== undefined) principal.name = name;
  const email = optionalString(payload, 'email');
  if (email !== undefined) principal.email = email;
  const phoneNumber = optionalString(payload, 'phone_number');
  if (phoneNumber !== undefined) principal.phoneNumber = phoneNumber;
  const locale = localeFrom(payload.locale);
  if (locale !== undefined) principal.locale = locale;
  const supervisorUserId = optionalString(payload, 'supervisor_sub');
  if (supervisorUserId !== undefined) principal.supervisorUserId = supervisorUserId;
  const tokenId = optionalString(payload, 'jti');
  if (tokenId !== undefined) principal.tokenId = tokenId;
  const clientId = optionalString(payload, 'client_id');
  if (clientId !== undefined) principal.clientId = clientId;
  return principal;
}

/** How many verified tokens are kept, and for how long at most (see {@link createVerifiedTokens}). */
const VERIFIED_TOKENS_MAX = 1000;
const VERIFIED_TOKEN_KEPT_MS = 60_000;

/**
 * The tokens verified in the last minute and the principal each gave, so that a client sending
 * the same token again (a service's machine token, a person's session token) is not verified
 * again at every request: the signature, issuer, audience, type and claims of one exact token
 * string cannot change, so only its expiry is checked again, at each use, with the same
 * tolerance. A token is kept at most a minute after its verification, so a key the identity
 * provider withdraws stops being trusted as soon as it would without this (remote key sets are
 * trusted for minutes anyway). Bounded: beyond {@link VERIFIED_TOKENS_MAX}, the oldest goes.
 */
function createVerifiedTokens(clockToleranceSeconds: number) {
  const tokens = new Map<string, { principal: Principal; expiresAtMs: number; keptUntilMs: number }>();
  return {
    get(token: string): Principal | undefined {
      const entry = tokens.get(token);
      if (entry === undefined) return undefined;
      const now = Date.now();
      // As jose refuses it: expired once `exp` is not after now, less the tolerance.
      if (now >= entry.keptUntilMs || entry.expiresAtMs <= now - clockToleranceSeconds * 1000) {
        tokens.delete(token);
        return undefined;
      }
      return { ...entry.principal, roles: [...entry.principal.roles] };
    },
    remember(token: string, payload: JWTPayload, principal: Principal): void {
      if (typeof payload.exp !== 'number') return;
      if (tokens.size >= VERIFIED_TOKENS_MAX) tokens.delete(tokens.keys().next().value as string);
      tokens.set(token, { principal: { ...principal, roles: [...principal.roles] }, expiresAtMs: payload.exp * 1000, keptUntilMs: Date.now() + VERIFIED_TOKEN_KEPT_MS });
    },
  };
}

/**
 * Creates the bearer-token authenticator. Issuer, audience and algorithms are
 * pinned; `exp` is required; HS* and `none` are refused whatever the options
 * say (creation throws if they are listed).
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const algorithms = checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS);
  const { getKey, remote } = keySource(options);
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const acceptedTypes = new Set((options.accessTokenTypes ?? DEFAULT_ACCESS_TOKEN_TYPES).map(normaliseType));
  if (acceptedTypes.size === 0) throw new Error('createAuthenticator: at least one access token type is required');

  const verified = createVerifiedTokens(clockTolerance);

  return {
    async authenticate(authorizationHeader) {
      const token = bearerToken(authorizationHeader);
      const known = verified.get(token);
      if (known !== undefined) return known;
      let alg: unknown;
      let headerType: unknown;
      try {
        ({ alg, typ: headerType } = decodeProtectedHeader(token));
      } catch {
        throw unauthenticated(AUTH_FAILURES.malformed);
      }
      // Checked before any key lookup so `none`/HS* tokens never reach the JWKS.
      if (typeof alg !== 'string' || !(algorithms as readonly string[]).includes(alg)) {
        throw unauthenticated(AUTH_FAILURES.algorithm);
      }
      try {
        const { payload } = await jwtVerify(token, getKey, {
          issuer: options.issuer,
          audience,
          algorithms,
          clockTolerance,
          requiredClaims: ['exp'],
        });
        checkAccessTokenType(headerType, payload, acceptedTypes);
        const principal = principalFromClaims(payload);
        verified.remember(token, payload, principal);
        return principal;
      } catch (error) {
        throw translateJoseError(error, remote);
      }
    },
  };
}

/** The `authEnv` part of a service configuration. */
export type AuthEnvConfig = {
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_ALGORITHMS: readonly string[];
  AUTH_JWKS_URL?: string | undefined;
  AUTH_JWKS_FILE?: string | undefined;
  AUTH_CLOCK_TOLERANCE_S: number;
  AUTH_ACCESS_TOKEN_TYPES?: readonly string[] | undefined;
};

function isJwks(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' &&
    value !== null &&
    'keys' in value &&
    Array.isArray(value.keys) &&
    value.keys.every((key: unknown) => typeof key === 'object' && key !== null)
  );
}

/**
 * Builds the authenticator from validated configuration, reading
 * `AUTH_JWKS_FILE` when that is the key source.
 */
export async function createAuthenticatorFromConfig(config: AuthEnvConfig): Promise<Authenticator> {
  const base = {
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    algorithms: config.AUTH_ALGORITHMS,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_S,
    ...(config.AUTH_ACCESS_TOKEN_TYPES === undefined ? {} : { accessTokenTypes: config.AUTH_ACCESS_TOKEN_TYPES }),
  };
  if (config.AUTH_JWKS_FILE !== undefined && config.AUTH_JWKS_URL === undefined) {
    const parsed: unknown = JSON.parse(await readFile(config.AUTH_JWKS_FILE, 'utf8'));
    if (!isJwks(parsed)) throw new Error('AUTH_JWKS_FILE does not contain a JSON Web Key Set ({ "keys": [...] })');
    return createAuthenticator({ ...base, jwks: parsed });
  }
  if (config.AUTH_JWKS_URL !== undefined && config.AUTH_JWKS_FILE === undefined) {
    return createAuthenticator({ ...base, jwksUrl: config.AUTH_JWKS_URL });
  }
  throw new Error('Set exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE');
}
