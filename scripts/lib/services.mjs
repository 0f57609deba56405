// What runs locally and how each process is configured. The same names, ports
// and variables appear in docker-compose.yml and infra/.env.example; the infra
// test (tests/infra) keeps those in step.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {object} ServiceSpec
 * @property {'directory' | 'consent' | 'referrals' | 'notifications'} name
 * @property {number} port
 * @property {string} database
 * @property {string} colour  name of a colour in ui.mjs
 */

/** @type {readonly ServiceSpec[]} */
export const SERVICES = Object.freeze([
  { name: 'directory', port: 4010, database: 'hub_directory', colour: 'cyan' },
  { name: 'consent', port: 4020, database: 'hub_consent', colour: 'magenta' },
  { name: 'referrals', port: 4030, database: 'hub_referrals', colour: 'green' },
  { name: 'notifications', port: 4040, database: 'hub_notifications', colour: 'blue' },
]);

export const IDENTITY = Object.freeze({ name: 'identity', port: 4400, colour: 'yellow' });

/** The console (apps/console): people's web app, signed in through the identity provider. */
export const CONSOLE = Object.freeze({ name: 'console', port: 4300, colour: 'brightCyan' });

/** @returns {string} where people open the console locally */
export function consoleBaseUrl() {
  return process.env.CONSOLE_PUBLIC_URL ?? `http://${LOCAL_HOST}:${CONSOLE.port}`;
}

export const LOCAL_HOST = '127.0.0.1';

/** Default admin connection used for creating databases and roles (trust auth locally). */
export function adminDatabaseUrl() {
  return process.env.HUB_POSTGRES_URL ?? `postgresql://postgres@${LOCAL_HOST}:5432/postgres`;
}

/**
 * The connection string a service uses locally: `<NAME>_DATABASE_URL` when set,
 * else the admin URL pointed at the service's own database. Locally services
 * connect as `postgres` to keep set-up trivial; in Docker each uses its own role.
 * @param {ServiceSpec} service
 * @returns {string}
 */
export function serviceDatabaseUrl(service) {
  const override = process.env[`${service.name.toUpperCase()}_DATABASE_URL`];
  if (override) return override;
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${service.database}`;
  return url.toString();
}

/** @returns {string} base URL of the local development identity provider */
export function identityBaseUrl() {
  return `http://${LOCAL_HOST}:${IDENTITY.port}`;
}

/** The `org` claim of the hub's own machine clients (referrals calling consent, notifications calling referrals). */
export const HUB_ORGANIZATION_ID = '00000000-0000-4000-8000-00000000a0b1';

/**
 * @typedef {object} DevSecrets
 * @property {string} referralsClientSecret      the referrals service's client secret at the identity provider
 * @property {string} referralPayloadKeys        REFERRAL_PAYLOAD_KEYS: the key referral payloads are encrypted with
 * @property {string} notificationsClientSecret  the notifications service's client secret at the identity provider
 * @property {string} notificationsSecretKeys    NOTIFICATIONS_SECRET_KEYS: the key webhook secrets are encrypted with
 * @property {string} consoleClientSecret        the console's client secret at the identity provider
 * @property {string} consentTextKeys            CONSENT_TEXT_KEYS: the key consent's free texts are sealed with
 * @property {string} actionLinkKeys             ACTION_LINK_KEYS: the key e-mail action links are signed with
 * @property {string} phoneCallbackKey           PHONE_CALLBACK_KEY: the secret part of the SMS/USSD providers' callback URLs
 */

/**
 * Makes one development secret of each kind. Keys are kept once made: a key
 * that changed would leave what it encrypted unreadable.
 * @type {Readonly<Record<keyof DevSecrets, () => string>>}
 */
const MAKE_DEV_SECRET = Object.freeze({
  referralsClientSecret: () => randomBytes(24).toString('base64url'),
  referralPayloadKeys: () => `dev1:${randomBytes(32).toString('base64')}`,
  notificationsClientSecret: () => randomBytes(24).toString('base64url'),
  notificationsSecretKeys: () => `dev1:${randomBytes(32).toString('base64')}`,
  consoleClientSecret: () => randomBytes(24).toString('base64url'),
  consentTextKeys: () => `dev1:${randomBytes(32).toString('base64')}`,
  actionLinkKeys: () => `dev1:${randomBytes(32).toString('base64')}`,
  phoneCallbackKey: () => randomBytes(24).toString('base64url'),
});

/**
 * Local development secrets, made on first use and kept in .hub/dev-secrets.json
 * (git-ignored, mode 0600): stable across restarts, since a payload key that
 * changed would leave stored referrals unreadable. A file from an older
 * version gets the secrets it lacks added; those it has are kept as they are.
 * @returns {DevSecrets}
 */
export function devSecrets() {
  const file = fileURLToPath(new URL('../../.hub/dev-secrets.json', import.meta.url));
  /** @type {Record<string, unknown>} */
  let stored = {};
  if (existsSync(file)) {
    try {
      /** @type {unknown} */
      const parsed = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) stored = /** @type {Record<string, unknown>} */ (parsed);
    } catch {
      // An unreadable file is replaced below.
    }
  }
  /** @type {(name: keyof DevSecrets) => string} */
  const kept = (name) => {
    const value = stored[name];
    return typeof value === 'string' && value !== '' ? value : MAKE_DEV_SECRET[name]();
  };
  /** @type {DevSecrets} */
  const secrets = {
    referralsClientSecret: kept('referralsClientSecret'),
    referralPayloadKeys: kept('referralPayloadKeys'),
    notificationsClientSecret: kept('notificationsClientSecret'),
    notificationsSecretKeys: kept('notificationsSecretKeys'),
    consoleClientSecret: kept('consoleClientSecret'),
    consentTextKeys: kept('consentTextKeys'),
    actionLinkKeys: kept('actionLinkKeys'),
    phoneCallbackKey: kept('phoneCallbackKey'),
  };
  const complete = Object.entries(secrets).every(([name, value]) => stored[name] === value);
  if (!complete) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...stored, ...secrets }, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}

/** Variables shared by every service and the identity provider (issuer and audience must agree). */
function authEnv() {
  return {
    AUTH_ISSUER: process.env.AUTH_ISSUER ?? identityBaseUrl(),
    AUTH_AUDIENCE: process.env.AUTH_AUDIENCE ?? 'referral-hub',
    AUTH_JWKS_URL: process.env.AUTH_JWKS_URL ?? `${identityBaseUrl()}/.well-known/jwks.json`,
  };
}

/**
 * Environment for one service started by `hub start`. Values a developer set in
 * their shell or in `.env` win, except PORT and DATABASE_URL, which are per
 * service (a single inherited value would point all four at the same place).
 * @param {ServiceSpec} service
 * @returns {Record<string, string>}
 */
export function serviceEnv(service) {
  /** @type {Record<string, string>} */
  const env = {
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    PORT: String(service.port),
    DATABASE_URL: serviceDatabaseUrl(service),
    AMQP_URL: process.env.AMQP_URL ?? `amqp://guest:guest@${LOCAL_HOST}:5672`,
    AMQP_EXCHANGE: process.env.AMQP_EXCHANGE ?? 'hub.events',
    // Every service keeps its per-client request counts there (notifications its delivery jobs too).
    REDIS_URL: process.env.REDIS_URL ?? `redis://${LOCAL_HOST}:6379`,
    ...authEnv(),
  };
  if (service.name === 'referrals') {
    const secrets = devSecrets();
    // Referrals asks consent for sharing decisions with its own client-credentials token.
    env.CONSENT_URL = process.env.CONSENT_URL ?? `http://${LOCAL_HOST}:4020`;
    // ...and fetches names and focal points from the directory for its read model.
    env.DIRECTORY_URL = process.env.DIRECTORY_URL ?? `http://${LOCAL_HOST}:4010`;
    env.AUTH_CLIENT_TOKEN_URL = process.env.AUTH_CLIENT_TOKEN_URL ?? `${identityBaseUrl()}/token`;
    env.AUTH_CLIENT_ID = process.env.AUTH_CLIENT_ID ?? 'referrals-service';
    env.AUTH_CLIENT_SECRET = process.env.AUTH_CLIENT_SECRET ?? secrets.referralsClientSecret;
    env.REFERRAL_PAYLOAD_KEYS = process.env.REFERRAL_PAYLOAD_KEYS ?? secrets.referralPayloadKeys;
    // ...and lets the notifications service (its client id, of the hub's organisation) read who to tell about a referral.
    env.NOTIFICATION_CLIENT_SUBJECTS = process.env.NOTIFICATION_CLIENT_SUBJECTS ?? 'notifications-service';
    env.HUB_ORGANIZATION_ID = process.env.HUB_ORGANIZATION_ID ?? HUB_ORGANIZATION_ID;
    // E-mail action links are signed with it: kept across restarts so links already sent keep working.
    env.ACTION_LINK_KEYS = process.env.ACTION_LINK_KEYS ?? secrets.actionLinkKeys;
  }
  if (service.name === 'consent') {
    // Free texts at rest (withdrawal notes, overrides' justifications…); the key must stay the same across restarts.
    env.CONSENT_TEXT_KEYS = process.env.CONSENT_TEXT_KEYS ?? devSecrets().consentTextKeys;
  }
  if (service.name === 'notifications') {
    const secrets = devSecrets();
    // Who to tell about a referral comes from the referrals service, asked with
    // this service's own client-credentials token. The client id and secret are
    // this service's own: a shell's AUTH_CLIENT_ID (the referrals service's) must
    // not leak into it.
    env.REFERRALS_URL = process.env.REFERRALS_URL ?? `http://${LOCAL_HOST}:4030`;
    env.AUTH_CLIENT_TOKEN_URL = process.env.AUTH_CLIENT_TOKEN_URL ?? `${identityBaseUrl()}/token`;
    env.AUTH_CLIENT_ID = 'notifications-service';
    env.AUTH_CLIENT_SECRET = secrets.notificationsClientSecret;
    // Webhook signing secrets at rest; the key must stay the same across restarts.
    env.NOTIFICATIONS_SECRET_KEYS = process.env.NOTIFICATIONS_SECRET_KEYS ?? secrets.notificationsSecretKeys;
    // One-click links in e-mails open the console's confirmation page.
    env.ACTION_LINK_URL_TEMPLATE = process.env.ACTION_LINK_URL_TEMPLATE ?? `${consoleBaseUrl()}/a/{token}`;
    // The SMS/USSD providers' callbacks (/callbacks/{key}/…) answer only with this key in the URL.
    env.PHONE_CALLBACK_KEY = process.env.PHONE_CALLBACK_KEY ?? secrets.phoneCallbackKey;
    // Without a relay, notifications keep what they would send in a local
    // outbox that a person can browse (its page is printed at start).
    if (process.env.SMTP_URL) env.SMTP_URL = process.env.SMTP_URL;
    // A webhook subscriber on this machine (http://127.0.0.1:…) can receive; refused in production.
    if (env.NODE_ENV !== 'production') env.WEBHOOK_ALLOW_HTTP = process.env.WEBHOOK_ALLOW_HTTP ?? 'true';
  }
  return env;
}

/**
 * Environment for the development identity provider (scripts/dev-identity.ts).
 * Its signing key lives in .hub/dev-identity/, where `npm run token` finds it.
 * @returns {Record<string, string>}
 */
export function identityEnv() {
  const secrets = devSecrets();
  return {
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    DEV_IDENTITY_HOST: LOCAL_HOST,
    DEV_IDENTITY_PORT: String(IDENTITY.port),
    DEV_IDENTITY_CLIENTS: JSON.stringify([
      {
        clientId: 'referrals-service',
        secret: secrets.referralsClientSecret,
        organizationId: HUB_ORGANIZATION_ID,
        roles: ['system'],
      },
      {
        clientId: 'notifications-service',
        secret: secrets.notificationsClientSecret,
        organizationId: HUB_ORGANIZATION_ID,
        roles: ['system'],
      },
    ]),
    // People sign in to the console here, as one of the demo network's people (found in the directory).
    DEV_IDENTITY_LOGIN_CLIENTS: JSON.stringify([
      {
        clientId: 'console',
        secret: secrets.consoleClientSecret,
        redirectUris: [`${consoleBaseUrl()}/auth/callback`],
        postLogoutRedirectUris: [`${consoleBaseUrl()}/signed-out`],
      },
    ]),
    DEV_IDENTITY_DIRECTORY_URL: process.env.DIRECTORY_URL ?? `http://${LOCAL_HOST}:4010`,
    ...authEnv(),
  };
}

/**
 * Environment for the console (apps/console) started by `hub start`.
 * @returns {Record<string, string>}
 */
export function consoleEnv() {
  const secrets = devSecrets();
  return {
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    PORT: String(CONSOLE.port),
    CONSOLE_PUBLIC_URL: consoleBaseUrl(),
    OIDC_ISSUER: process.env.OIDC_ISSUER ?? authEnv().AUTH_ISSUER,
    OIDC_CLIENT_ID: process.env.OIDC_CLIENT_ID ?? 'console',
    OIDC_CLIENT_SECRET: process.env.OIDC_CLIENT_SECRET ?? secrets.consoleClientSecret,
    REDIS_URL: process.env.REDIS_URL ?? `redis://${LOCAL_HOST}:6379`,
    DIRECTORY_URL: process.env.DIRECTORY_URL ?? `http://${LOCAL_HOST}:4010`,
    CONSENT_URL: process.env.CONSENT_URL ?? `http://${LOCAL_HOST}:4020`,
    REFERRALS_URL: process.env.REFERRALS_URL ?? `http://${LOCAL_HOST}:4030`,
    NOTIFICATIONS_URL: process.env.NOTIFICATIONS_URL ?? `http://${LOCAL_HOST}:4040`,
  };
}
