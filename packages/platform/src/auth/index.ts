export { ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS, isAsymmetricAlgorithm } from './algorithms.js';
export type { AsymmetricAlgorithm } from './algorithms.js';
export { LOCALES, ROLES, hasRole, isRole } from './principal.js';
export type { Locale, Principal, Role } from './principal.js';
export {
  AUTH_FAILURES,
  createAuthenticator,
  createAuthenticatorFromConfig,
  principalFromClaims,
} from './authenticator.js';
export type { AuthEnvConfig, Authenticator, AuthenticatorOptions } from './authenticator.js';
export {
  DEV_AUDIENCE_DEFAULT,
  DEV_IDENTITY_ALGORITHM,
  DEV_IDENTITY_DEFAULT_PORT,
  DEV_ISSUER_DEFAULT,
  defaultDevIdentityDir,
  ensureDevIdentity,
  mintDevToken,
  startDevIdentityServer,
} from './dev-identity.js';
export type { DevClient, DevIdentity, DevIdentityServer, DevIdentityServerOptions, MintDevTokenOptions } from './dev-identity.js';
export { ServiceTokenError, createClientCredentialsProvider } from './service-token.js';
export type { ClientCredentialsOptions, ServiceTokenProvider } from './service-token.js';
export { UpstreamUnavailableError, createServiceCall } from './service-call.js';
export type { ServiceCall, ServiceCallOptions } from './service-call.js';
