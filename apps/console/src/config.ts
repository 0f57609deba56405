/** The console's settings, from the environment (see the README's table). */
export type ConsoleConfig = {
  port: number;
  host: string;
  /** Where people reach the console (redirect and logout URLs are built from it). */
  publicUrl: string;
  oidc: {
    issuer: string;
    clientId: string;
    clientSecret: string;
    scope: string;
    resource?: string;
    /** Where the console's server reaches the provider when the issuer's address is only right for browsers (containers). */
    backchannelUrl?: string;
  };
  redisUrl: string;
  sessionPrefix: string;
  /** A session unused this long is gone. */
  sessionIdleSeconds: number;
  /** How many referrals a page of the inbox lists. */
  inboxPageSize: number;
  /**
   * How often an e-mail action link (`/a/{token}`) may be opened or used:
   * per link and per client address, in one window (counts in Redis).
   */
  actionLinkLimits: { perToken: number; perAddress: number; windowSeconds: number };
  directoryUrl: string;
  consentUrl: string;
  referralsUrl: string;
  notificationsUrl: string;
  logLevel: string;
  /** `GET /metrics` on a port of its own (`METRICS_PORT`): never beside the public pages then. */
  metricsPort?: number;
  /**
   * Proxies in front (an Ingress controller, a load balancer) that append to `X-Forwarded-For`
   * (`TRUSTED_PROXY_HOPS`): a browser's address, which the action links' per-address limit counts,
   * is read that many hops from the right. 0: the connection's own address.
   */
  trustedProxyHops: number;
};

export class ConfigError extends Error {}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`${name} is required`);
  return value.trim();
}

function url(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const value = env[name]?.trim() || fallback;
  if (value === undefined) throw new ConfigError(`${name} is required`);
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL`);
  }
  return value.replace(/\/+$/, '');
}

function hopCount(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 10) throw new ConfigError(`${name} must be an integer from 0 to 10`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const port = positiveInteger(env, 'PORT', 4300);
  const resource = env.OIDC_RESOURCE?.trim();
  const backchannelUrl = env.OIDC_BACKCHANNEL_URL?.trim() ? url(env, 'OIDC_BACKCHANNEL_URL') : undefined;
  return {
    port,
    ...(env.METRICS_PORT?.trim() ? { metricsPort: positiveInteger(env, 'METRICS_PORT', 0) } : {}),
    host: env.HOST?.trim() || '127.0.0.1',
    publicUrl: url(env, 'CONSOLE_PUBLIC_URL', `http://127.0.0.1:${port}`),
    oidc: {
      issuer: url(env, 'OIDC_ISSUER', env.AUTH_ISSUER),
      clientId: required(env, 'OIDC_CLIENT_ID'),
      clientSecret: required(env, 'OIDC_CLIENT_SECRET'),
      scope: env.OIDC_SCOPE?.trim() || 'openid profile email phone hub',
      ...(resource ? { resource } : {}),
      ...(backchannelUrl === undefined ? {} : { backchannelUrl }),
    },
    redisUrl: env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
    sessionPrefix: env.CONSOLE_SESSION_PREFIX?.trim() || 'console:',
    // SESSION_IDLE_SECONDS, when set, wins: tests need an idle time of seconds, people think in minutes.
    sessionIdleSeconds: positiveInteger(env, 'SESSION_IDLE_SECONDS', positiveInteger(env, 'SESSION_IDLE_MINUTES', 30) * 60),
    inboxPageSize: Math.min(positiveInteger(env, 'INBOX_PAGE_SIZE', 50), 200),
    actionLinkLimits: {
      perToken: positiveInteger(env, 'ACTION_LINK_LIMIT_PER_TOKEN', 20),
      perAddress: positiveInteger(env, 'ACTION_LINK_LIMIT_PER_ADDRESS', 120),
      windowSeconds: positiveInteger(env, 'ACTION_LINK_LIMIT_WINDOW_SECONDS', 600),
    },
    directoryUrl: url(env, 'DIRECTORY_URL', 'http://127.0.0.1:4010'),
    consentUrl: url(env, 'CONSENT_URL', 'http://127.0.0.1:4020'),
    referralsUrl: url(env, 'REFERRALS_URL', 'http://127.0.0.1:4030'),
    notificationsUrl: url(env, 'NOTIFICATIONS_URL', 'http://127.0.0.1:4040'),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    trustedProxyHops: hopCount(env, 'TRUSTED_PROXY_HOPS'),
  };
}
