/**
 * A whole hub and the console, for one browser test file: the end-to-end
 * harness's identity, four services and demo network, then the identity
 * restarted with the console registered as a client (same key, issuer and
 * port), and the console as a process of its own, as `npm start` runs it.
 * The focal points' e-mails link to this console's action-link pages.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { closeE2eHub, startE2eHub } from '../../../../tests/e2e/harness/hub.js';
import type { E2eHub, E2eHubOptions } from '../../../../tests/e2e/harness/hub.js';
import { freePort, startProcess } from '../../../../tests/e2e/harness/processes.js';
import type { RunningProcess } from '../../../../tests/e2e/harness/processes.js';
import { deleteRedisKeys } from '../../../../tests/e2e/harness/redis-keys.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export type ConsoleHub = {
  hub: E2eHub;
  consoleUrl: string;
  browser: Browser;
  /** The console's Redis key prefix, to look at a session from a test. */
  sessionPrefix: string;
  redisUrl: string;
  logs(): Promise<string>;
  close(): Promise<void>;
};

export type ConsoleHubOptions = {
  /** Extra environment for the identity and the console (a short token lifetime, a tiny idle time, a small page…). */
  env?: { identity?: Record<string, string>; console?: Record<string, string> };
  /** Passed to the end-to-end hub as is (each service's extra environment, the SMS provider). */
  hub?: E2eHubOptions;
};

export async function startConsoleHub(name: string, options: ConsoleHubOptions = {}): Promise<ConsoleHub> {
  let hub: E2eHub | undefined;
  const started: RunningProcess[] = [];
  let browser: Browser | undefined;
  const logDir = await mkdtemp(join(tmpdir(), `hub-console-${name}-`));
  const sessionPrefix = `console-test-${name}-${randomBytes(4).toString('hex')}:`;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    await Promise.all(started.map((p) => p.stop(5_000).catch(() => undefined)));
    await closeE2eHub(hub);
    await deleteRedisKeys(REDIS_URL, sessionPrefix).catch(() => undefined);
    await rm(logDir, { recursive: true, force: true });
  };
  const logs = async () => {
    const own = await Promise.all(['identity', 'console'].map(async (n) => `----- ${n} -----\n${(await readFile(join(logDir, `${n}.log`), 'utf8').catch(() => '(no log)')).split('\n').slice(-80).join('\n')}`));
    return `${hub === undefined ? '' : await hub.logs()}\n${own.join('\n')}`;
  };
  const t0 = Date.now();
  const progress = (step: string) => process.stderr.write(`console hub: ${step} after ${Math.round((Date.now() - t0) / 1000)} s\n`);
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    progress('browser launched');
    // The console's address is chosen first, so that the focal points' e-mails link to its action-link pages.
    const consolePort = await freePort();
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    const hubOptions = options.hub ?? {};
    hub = await startE2eHub(name, {
      ...hubOptions,
      serviceEnv: { ...hubOptions.serviceEnv, notifications: { ACTION_LINK_URL_TEMPLATE: `${consoleUrl}/a/{token}`, ...hubOptions.serviceEnv?.notifications } },
    });
    progress('hub started and seeded');
    const secret = randomBytes(18).toString('base64url');

    await hub.process('identity').stop();
    started.push(
      await startProcess(
        {
          name: 'identity',
          args: ['scripts/dev-identity.ts'],
          cwd: repoRoot,
          readyUrl: `${hub.identityUrl}/.well-known/openid-configuration`,
          env: {
            ...hub.envOf('identity'),
            DEV_IDENTITY_DIRECTORY_URL: hub.endpoints.directoryUrl,
            DEV_IDENTITY_LOGIN_CLIENTS: JSON.stringify([{ clientId: 'console', secret, redirectUris: [`${consoleUrl}/auth/callback`], postLogoutRedirectUris: [`${consoleUrl}/signed-out`] }]),
            ...options.env?.identity,
          },
        },
        join(logDir, 'identity.log'),
      ),
    );
    started.push(
      await startProcess(
        {
          name: 'console',
          args: ['src/start.ts'],
          cwd: join(repoRoot, 'apps', 'console'),
          readyUrl: `${consoleUrl}/readyz`,
          env: {
            NODE_ENV: 'test',
            LOG_LEVEL: 'info',
            PORT: String(consolePort),
            CONSOLE_PUBLIC_URL: consoleUrl,
            OIDC_ISSUER: hub.issuer,
            OIDC_CLIENT_ID: 'console',
            OIDC_CLIENT_SECRET: secret,
            REDIS_URL,
            CONSOLE_SESSION_PREFIX: sessionPrefix,
            DIRECTORY_URL: hub.endpoints.directoryUrl,
            CONSENT_URL: hub.endpoints.consentUrl,
            REFERRALS_URL: hub.endpoints.referralsUrl,
            NOTIFICATIONS_URL: hub.endpoints.notificationsUrl,
            ...options.env?.console,
          },
        },
        join(logDir, 'console.log'),
      ),
    );
    progress('identity and console ready');
    return { hub, consoleUrl, browser, sessionPrefix, redisUrl: REDIS_URL, logs, close };
  } catch (error) {
    process.stderr.write(`\nlogs:\n${await logs()}\n`);
    await close();
    throw error;
  }
}
