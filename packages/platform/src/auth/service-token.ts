/**
 * Tokens a service presents when it calls another service: OAuth 2.0 client
 * credentials (RFC 6749 §4.4) against any OpenID Connect provider, cached
 * until shortly before they expire.
 */

/** Where a service gets the bearer token it sends to other services. */
export type ServiceTokenProvider = {
  /** A valid access token; fetched again only when the cached one is about to expire. */
  getToken(): Promise<string>;
};

export type ClientCredentialsOptions = {
  /** The provider's token endpoint (`AUTH_CLIENT_TOKEN_URL`). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The audience to ask for (Auth0-style `audience`; others ignore it). */
  audience?: string;
  /** Space-separated scopes, when the provider needs them. */
  scope?: string;
  /** Refresh this long before expiry (default 30 s). */
  refreshBeforeMs?: number;
  /** Default 5 s. */
  timeoutMs?: number;
  /** For tests: the clock. */
  now?: () => number;
};

/** The token endpoint did not give a token. The message never carries the secret. */
export class ServiceTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceTokenError';
  }
}

function isTokenResponse(value: unknown): value is { access_token: string; expires_in?: number } {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.access_token === 'string' && body.access_token !== '' && (body.expires_in === undefined || typeof body.expires_in === 'number');
}

/**
 * A provider that asks the token endpoint with `grant_type=client_credentials`
 * (client authenticated by HTTP Basic, as RFC 6749 recommends, and in the form
 * for providers that only read the body) and caches the token until
 * `refreshBeforeMs` before its `expires_in`. Concurrent callers share one request.
 */
export function createClientCredentialsProvider(options: ClientCredentialsOptions): ServiceTokenProvider {
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? 30_000;
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret });
    if (options.audience !== undefined) form.set('audience', options.audience);
    if (options.scope !== undefined) form.set('scope', options.scope);
    const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
        body: form,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
    } catch (error) {
      throw new ServiceTokenError('The token endpoint could not be reached', { cause: error });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok || !isTokenResponse(body)) {
      const code = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : 'invalid_response';
      throw new ServiceTokenError(`The token endpoint refused the client credentials (${response.status} ${code})`);
    }
    const lifetimeMs = (body.expires_in ?? 300) * 1000;
    cached = { token: body.access_token, refreshAt: now() + Math.max(0, lifetimeMs - refreshBeforeMs) };
    return body.access_token;
  };

  return {
    getToken() {
      if (cached !== undefined && now() < cached.refreshAt) return Promise.resolve(cached.token);
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
