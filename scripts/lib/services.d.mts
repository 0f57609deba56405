// Generated from services.mjs by scripts/lib/declarations.mjs; do not edit.
/** @returns {string} where people open the console locally */
export function consoleBaseUrl(): string;
/** Default admin connection used for creating databases and roles (trust auth locally). */
export function adminDatabaseUrl(): string;
/**
 * The connection string a service uses locally: `<NAME>_DATABASE_URL` when set,
 * else the admin URL pointed at the service's own database. Locally services
 * connect as `postgres` to keep set-up trivial; in Docker each uses its own role.
 * @param {ServiceSpec} service
 * @returns {string}
 */
export function serviceDatabaseUrl(service: ServiceSpec): string;
/** @returns {string} base URL of the local development identity provider */
export function identityBaseUrl(): string;
/**
 * Local development secrets, made on first use and kept in .hub/dev-secrets.json
 * (git-ignored, mode 0600): stable across restarts, since a payload key that
 * changed would leave stored referrals unreadable. A file from an older
 * version gets the secrets it lacks added; those it has are kept as they are.
 * @returns {DevSecrets}
 */
export function devSecrets(): DevSecrets;
/**
 * Environment for one service started by `hub start`. Values a developer set in
 * their shell or in `.env` win, except PORT and DATABASE_URL, which are per
 * service (a single inherited value would point all four at the same place).
 * @param {ServiceSpec} service
 * @returns {Record<string, string>}
 */
export function serviceEnv(service: ServiceSpec): Record<string, string>;
/**
 * Environment for the development identity provider (scripts/dev-identity.ts).
 * Its signing key lives in .hub/dev-identity/, where `npm run token` finds it.
 * @returns {Record<string, string>}
 */
export function identityEnv(): Record<string, string>;
/**
 * Environment for the console (apps/console) started by `hub start`.
 * @returns {Record<string, string>}
 */
export function consoleEnv(): Record<string, string>;
/**
 * @typedef {object} ServiceSpec
 * @property {'directory' | 'consent' | 'referrals' | 'notifications'} name
 * @property {number} port
 * @property {string} database
 * @property {string} colour  name of a colour in ui.mjs
 */
/** @type {readonly ServiceSpec[]} */
export const SERVICES: readonly ServiceSpec[];
export const IDENTITY: Readonly<{
    name: "identity";
    port: 4400;
    colour: "yellow";
}>;
/** The console (apps/console): people's web app, signed in through the identity provider. */
export const CONSOLE: Readonly<{
    name: "console";
    port: 4300;
    colour: "brightCyan";
}>;
export const LOCAL_HOST: "127.0.0.1";
/** The `org` claim of the hub's own machine clients (referrals calling consent, notifications calling referrals). */
export const HUB_ORGANIZATION_ID: "00000000-0000-4000-8000-00000000a0b1";
export type ServiceSpec = {
    name: "directory" | "consent" | "referrals" | "notifications";
    port: number;
    database: string;
    /**
     * name of a colour in ui.mjs
     */
    colour: string;
};
export type DevSecrets = {
    /**
     * the referrals service's client secret at the identity provider
     */
    referralsClientSecret: string;
    /**
     * REFERRAL_PAYLOAD_KEYS: the key referral payloads are encrypted with
     */
    referralPayloadKeys: string;
    /**
     * the notifications service's client secret at the identity provider
     */
    notificationsClientSecret: string;
    /**
     * NOTIFICATIONS_SECRET_KEYS: the key webhook secrets are encrypted with
     */
    notificationsSecretKeys: string;
    /**
     * the console's client secret at the identity provider
     */
    consoleClientSecret: string;
    /**
     * CONSENT_TEXT_KEYS: the key consent's free texts are sealed with
     */
    consentTextKeys: string;
    /**
     * ACTION_LINK_KEYS: the key e-mail action links are signed with
     */
    actionLinkKeys: string;
    /**
     * PHONE_CALLBACK_KEY: the secret part of the SMS/USSD providers' callback URLs
     */
    phoneCallbackKey: string;
};
