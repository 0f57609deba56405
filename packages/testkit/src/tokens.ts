/**
 * A throw-away token issuer for tests: real key pairs, real signatures, and
 * the bad tokens a service must refuse (expired, foreign key, wrong issuer or
 * audience, `alg: none`, HS256 signed with the public key, tampered).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';
import type { AuthenticatorOptions, Role } from '@referral-hub/platform';

/** The claims every hub token carries, plus any extra ones a test wants. */
export type TestClaims = {
  sub: string;
  org: string;
  roles: readonly (Role | string)[];
  name?: string;
  email?: string;
  phone_number?: string;
  locale?: string;
  supervisor_sub?: string;
  [claim: string]: unknown;
};

export type SignOptions = {
  /** jose time span or seconds from now. Default `'10m'`. */
  expiresIn?: string | number;
  /** Override the issuer / audience for this one token. */
  issuer?: string;
  audience?: string | string[];
  /** Extra protected-header members, e.g. a forged `kid`. */
  header?: Record<string, unknown>;
};

export type TestIssuer = {
  issuer: string;
  audience: string;
  /** Public keys, as an identity provider would publish them. */
  jwks: JSONWebKeySet;
  /** Ready to pass to `createAuthenticator`. */
  authConfig: AuthenticatorOptions & { jwks: JSONWebKeySet };
  sign(claims: TestClaims, options?: SignOptions): Promise<string>;
  signExpired(claims: TestClaims, options?: SignOptions): Promise<string>;
  /** Signed by a key that is not in `jwks` (its own `kid`). */
  signWithUnknownKey(claims: TestClaims, options?: SignOptions): Promise<string>;
  signWithWrongIssuer(claims: TestClaims, options?: SignOptions): Promise<string>;
  signWithWrongAudience(claims: TestClaims, options?: SignOptions): Promise<string>;
  /** `alg: none`, no signature. */
  unsigned(claims: TestClaims, options?: SignOptions): string;
  /** HS256 with the published public key as the HMAC secret (the classic key-confusion attack). */
  signHs256WithPublicKey(claims: TestClaims, options?: SignOptions): string;
  /** A valid token whose payload was altered after signing. */
  tampered(claims: TestClaims, changes: Record<string, unknown>, options?: SignOptions): Promise<string>;
};

type KeyPair = { privateKey: CryptoKey; publicJwk: JWK; kid: string };

async function makeKey(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  return { privateKey, publicJwk: { ...exported, kid, alg: 'ES256', use: 'sig' }, kid };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function expiry(expiresIn: string | number | undefined): string | number {
  if (expiresIn === undefined) return '10m';
  return typeof expiresIn === 'number' ? nowSeconds() + expiresIn : expiresIn;
}

/**
 * Creates an issuer with a fresh ES256 key. Each call is independent, so
 * test files never share keys.
 */
export async function createTestIssuer(
  options: { issuer?: string; audience?: string } = {},
): Promise<TestIssuer> {
  const issuer = options.issuer ?? `https://issuer.test/${randomUUID()}`;
  const audience = options.audience ?? 'referral-hub';
  const key = await makeKey();
  const foreignKey = await makeKey();
  const jwks: JSONWebKeySet = { keys: [key.publicJwk] };

  const signWith = async (pair: KeyPair, claims: TestClaims, signOptions: SignOptions = {}, exp?: number) => {
    const { sub, ...rest } = claims;
    const payload: JWTPayload = { ...rest, roles: [...claims.roles] };
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ typ: 'at+jwt', kid: pair.kid, ...signOptions.header, alg: 'ES256' })
      .setSubject(sub)
      .setIssuer(signOptions.issuer ?? issuer)
      .setAudience(signOptions.audience ?? audience)
      .setIssuedAt(exp === undefined ? undefined : exp - 600)
      .setJti(randomUUID())
      .setExpirationTime(exp ?? expiry(signOptions.expiresIn));
    return jwt.sign(pair.privateKey);
  };

  const unsignedPayload = (claims: TestClaims, signOptions: SignOptions = {}) => {
    const now = nowSeconds();
    const { roles, ...rest } = claims;
    const exp = signOptions.expiresIn;
    return {
      ...rest,
      roles: [...roles],
      iss: signOptions.issuer ?? issuer,
      aud: signOptions.audience ?? audience,
      iat: now,
      exp: typeof exp === 'number' ? now + exp : now + 600,
      jti: randomUUID(),
    };
  };

  return {
    issuer,
    audience,
    jwks,
    authConfig: { issuer, audience, algorithms: ['ES256', 'RS256'], jwks, clockToleranceSeconds: 5 },
    sign: (claims, signOptions) => signWith(key, claims, signOptions),
    // Well past any clock tolerance.
    signExpired: (claims, signOptions) => signWith(key, claims, signOptions, nowSeconds() - 3600),
    signWithUnknownKey: (claims, signOptions) => signWith(foreignKey, claims, signOptions),
    signWithWrongIssuer: (claims, signOptions) =>
      signWith(key, claims, { ...signOptions, issuer: `https://elsewhere.test/${randomUUID()}` }),
    signWithWrongAudience: (claims, signOptions) => signWith(key, claims, { ...signOptions, audience: 'another-api' }),
    unsigned: (claims, signOptions) =>
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(unsignedPayload(claims, signOptions))}.`,
    signHs256WithPublicKey: (claims, signOptions) => {
      const signingInput = `${base64url({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${base64url(unsignedPayload(claims, signOptions))}`;
      const secret = JSON.stringify(key.publicJwk);
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      return `${signingInput}.${signature}`;
    },
    tampered: async (claims, changes, signOptions) => {
      const token = await signWith(key, claims, signOptions);
      const [header, payload, signature] = token.split('.');
      const altered = { ...(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as object), ...changes };
      return `${header}.${base64url(altered)}.${signature}`;
    },
  };
}
