/**
 * Signing in the way a backend-for-frontend does it, with `openid-client`
 * (a certified relying party): discovery from the issuer URL, authorization
 * code with PKCE, state and nonce, refresh, and RP-initiated logout when the
 * provider offers it. Any OpenID Connect provider works by configuration.
 */
import * as client from 'openid-client';
import type { ConsoleConfig } from './config.js';
import type { PendingLogin, SessionTokens, SessionUser } from './session.js';

export type SignIn = {
  /** Where to send the browser, and what to keep in the session until it comes back. */
  start(returnTo: string): Promise<{ url: string; pending: PendingLogin }>;
  /** Exchanges the code of the callback URL; checks state, nonce and PKCE. */
  finish(callbackUrl: URL, pending: PendingLogin): Promise<{ user: Omit<SessionUser, 'organizationName'>; tokens: SessionTokens }>;
  refresh(tokens: SessionTokens): Promise<SessionTokens>;
  /** The provider's logout URL, or undefined when it offers none. */
  logoutUrl(idToken: string | undefined): Promise<string | undefined>;
};

function tokensOf(response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, previous?: SessionTokens): SessionTokens {
  const expiresIn = response.expiresIn() ?? 300;
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  return {
    accessToken: response.access_token,
    expiresAt: Date.now() + expiresIn * 1000,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(idToken === undefined ? {} : { idToken }),
  };
}

export function createSignIn(config: ConsoleConfig): SignIn {
  const redirectUri = `${config.publicUrl}/auth/callback`;
  let discovered: Promise<client.Configuration> | undefined;
  const issuerOrigin = new URL(config.oidc.issuer).origin;
  const backchannel = config.oidc.backchannelUrl;
  // Server-to-provider calls go to the back-channel address when there is one; browsers still use the issuer's.
  const fetchThrough: client.CustomFetch | undefined =
    backchannel === undefined
      ? undefined
      : (url, options) => fetch(url.startsWith(issuerOrigin) ? `${backchannel}${url.slice(issuerOrigin.length)}` : url, options);
  // Discovery on first use, retried after a failure (the provider may start after the console).
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(
        new URL(config.oidc.issuer),
        config.oidc.clientId,
        undefined,
        client.ClientSecretBasic(config.oidc.clientSecret),
        {
          ...(new URL(config.oidc.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
          ...(fetchThrough === undefined ? {} : { [client.customFetch]: fetchThrough }),
        },
      )
      .then((found) => {
        if (fetchThrough !== undefined) found[client.customFetch] = fetchThrough;
        return found;
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };
  const resource: Record<string, string> = config.oidc.resource === undefined ? {} : { resource: config.oidc.resource };

  return {
    async start(returnTo) {
      const oidc = await configuration();
      const codeVerifier = client.randomPKCECodeVerifier();
      const pending: PendingLogin = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, returnTo };
      const url = client.buildAuthorizationUrl(oidc, {
        redirect_uri: redirectUri,
        scope: config.oidc.scope,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        ...resource,
      });
      return { url: url.href, pending };
    },
    async finish(callbackUrl, pending) {
      const oidc = await configuration();
      const response = await client.authorizationCodeGrant(oidc, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      }, resource);
      const claims = response.claims();
      if (claims === undefined) throw new Error('the provider returned no ID token');
      const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
      return {
        user: {
          sub: claims.sub,
          name: typeof claims.name === 'string' ? claims.name : claims.sub,
          organizationId: typeof claims.org === 'string' ? claims.org : '',
          roles,
        },
        tokens: tokensOf(response),
      };
    },
    async refresh(tokens) {
      if (tokens.refreshToken === undefined) throw new Error('no refresh token');
      const oidc = await configuration();
      return tokensOf(await client.refreshTokenGrant(oidc, tokens.refreshToken, resource), tokens);
    },
    async logoutUrl(idToken) {
      const oidc = await configuration();
      if (oidc.serverMetadata().end_session_endpoint === undefined) return undefined;
      return client.buildEndSessionUrl(oidc, {
        post_logout_redirect_uri: `${config.publicUrl}/signed-out`,
        ...(idToken === undefined ? {} : { id_token_hint: idToken }),
      }).href;
    },
  };
}
