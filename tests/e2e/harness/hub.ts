/**
 * A whole hub for one end-to-end test file: the development identity
 * provider and the four services as separate processes (the way `npm start`
 * runs them), each with an environment built here, never inherited: fresh
 * databases migrated with the platform's runner, free ports, a broker
 * exchange and queue prefix of their own, a BullMQ prefix of their own, a
 * temporary identity key, a real SMTP server and a fake SMS gateway (the
 * generic JSON one by default, or a fake Africa's Talking), and a phone
 * callback key so that tests can play the provider's inbound callbacks.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { networkTopology } from '@referral-hub/platform';
import { createTestDatabase, deleteTopology, uniqueTopologyNames } from '@referral-hub/testkit';
import type { TestDatabase } from '@referral-hub/testkit';
import { devTokenSource } from '../../../scripts/demo/scenario.js';
import type { HubEndpoints, TokenSource } from '../../../scripts/demo/scenario.js';
import { seedDemoNetwork } from '../../../scripts/demo/seed.js';
import type { DemoSeedResult } from '../../../scripts/demo/seed.js';
import { RUNTIME_NODE_ARGS } from '../../../scripts/lib/build.mjs';
import { deleteRedisKeys } from './redis-keys.js';
import { catcherMailbox, startSmsGateway, startSmtpCatcher } from './catchers.js';
import type { SmsGateway, SmtpCatcher } from './catchers.js';
import { phoneCallbacks, startFakeAfricasTalking } from './fake-africastalking.js';
import type { FakeAfricasTalking, PhoneCallbacks } from './fake-africastalking.js';
import { freePort, killStrays, startProcess, tailLogs } from './processes.js';
import type { ProcessSpec, RunningProcess } from './processes.js';
import type { Mailbox } from '../../../scripts/demo/mailbox.js';

export const SERVICE_NAMES = ['directory', 'consent', 'referrals', 'notifications'] as const;
export type HubServiceName = (typeof SERVICE_NAMES)[number];
export type HubProcessName = HubServiceName | 'identity';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The hub's own organisation: the `org` of its services' machine tokens. */
const HUB_ORGANIZATION_ID = '00000000-0000-4000-8000-00000000a0b1';
/** Every service declares the whole broker topology, retry queue TTL included: one value for all. */
const RETRY_DELAY_MS = '300';

/**
 * A second (third…) process of a service: same environment, databases, broker
 * exchange and queues, and Redis prefix as the first, on a port of its own.
 */
export type HubReplica = {
  /** Its process's name, e.g. `referrals-2`: its log file is `<name>.log`. */
  name: string;
  url: string;
  port: number;
  process(): RunningProcess;
  /** Stops it (SIGTERM, or SIGKILL with `crash`); `start` brings it back on the same port. */
  stop(options?: { crash?: boolean }): Promise<void>;
  start(options?: { env?: EnvChanges }): Promise<void>;
};

/** Variables to change when (re)starting a process; `undefined` removes one. */
export type EnvChanges = Record<string, string | undefined>;

export type E2eHubOptions = {
  /**
   * Variables merged into a service's environment (after the harness's own,
   * so they win; `undefined` removes one), e.g. a short `ACTION_LINK_TTL_SECONDS`
   * for referrals. Kept on a restart.
   */
  serviceEnv?: Partial<Record<HubServiceName, EnvChanges>>;
  /**
   * Which provider notifications sends SMS through: the generic JSON gateway
   * (`http`, the default) or the fake Africa's Talking (`africastalking`).
   * Both fakes run either way; only the chosen one receives.
   */
  smsProvider?: 'http' | 'africastalking';
};

export type E2eHub = {
  endpoints: HubEndpoints;
  identityUrl: string;
  issuer: string;
  audience: string;
  identityDir: string;
  amqpUrl: string;
  exchange: string;
  queuePrefix: string;
  smtp: SmtpCatcher;
  sms: SmsGateway;
  /** The fake Africa's Talking: its bulk SMS API, and the provider's callbacks to the hub. */
  africasTalking: FakeAfricasTalking;
  /** The provider notifications sends SMS through. */
  smsProvider: 'http' | 'africastalking';
  /** `PHONE_CALLBACK_KEY` of notifications: the secret in its callback URLs. */
  phoneCallbackKey: string;
  /** The providers' callbacks to notifications (incoming SMS, USSD, delivery reports), with that key. */
  callbacks: PhoneCallbacks;
  /** The demo's mailbox over the SMTP server and the SMS gateway. */
  mailbox: Mailbox;
  token: TokenSource;
  seed: DemoSeedResult;
  /** Each service's database, for tests that look at what is kept at rest. */
  databaseUrls: Readonly<Record<HubServiceName, string>>;
  /** The prefix of every Redis key this hub's notifications service writes (its BullMQ queues). */
  redisUrl: string;
  redisPrefix: string;
  /** The environment a process was last started with. */
  envOf(name: HubProcessName): Record<string, string>;
  process(name: HubProcessName): RunningProcess;
  /**
   * Stops a service (SIGTERM, or SIGKILL with `crash`), then starts it again
   * with its environment changed by `env`, and waits until it is ready.
   */
  restart(name: HubServiceName, options?: { crash?: boolean; env?: EnvChanges }): Promise<void>;
  /** Stops a service, SIGKILL with `crash`; `start` brings it back. */
  stop(name: HubServiceName, options?: { crash?: boolean }): Promise<void>;
  start(name: HubServiceName, options?: { env?: EnvChanges }): Promise<void>;
  /**
   * Starts one more process of a service, with the first one's environment
   * (changed by `env`) but its own port, and waits until it is ready. Stopped
   * with the hub.
   */
  startReplica(name: HubServiceName, options?: { env?: EnvChanges }): Promise<HubReplica>;
  /** The whole log file of a process (`identity`, a service, or a replica's name). */
  logFile(name: string): string;
  /** The tail of every process's log. */
  logs(): Promise<string>;
  close(): Promise<void>;
};

function applyChanges(env: Record<string, string>, changes: EnvChanges = {}): Record<string, string> {
  const next = { ...env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete next[name];
    else next[name] = value;
  }
  return next;
}

/**
 * Stops a hub that may not have finished starting: `close()` when there is
 * one, else every process started so far (a start that timed out).
 */
export async function closeE2eHub(hub: E2eHub | undefined): Promise<void> {
  if (hub !== undefined) await hub.close();
  else await killStrays();
}

/**
 * Starts a hub and seeds the demo network into it. On failure everything
 * started so far is stopped and removed, and the logs are printed.
 */
export async function startE2eHub(name: string, options: E2eHubOptions = {}): Promise<E2eHub> {
  const smsProvider = options.smsProvider ?? 'http';
  const cleanups: (() => Promise<void>)[] = [];
  const processes = new Map<HubProcessName, RunningProcess>();
  const envs = new Map<HubProcessName, Record<string, string>>();
  const specs = new Map<HubProcessName, Omit<ProcessSpec, 'env'>>();
  const logDir = await mkdtemp(join(tmpdir(), `hub-e2e-${name}-`));
  const names = uniqueTopologyNames(`e2e-${name}`);
  const queuePrefix = names.consumer('');
  const notificationsQueuePrefix = `e2e-${name}-${names.suffix}`;
  const replicas = new Map<string, RunningProcess>();

  const close = async (): Promise<void> => {
    await Promise.all([...replicas.values(), ...processes.values()].map((p) => p.stop(5_000).catch(() => undefined)));
    await killStrays();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  const logs = () => tailLogs(logDir, ['identity', ...SERVICE_NAMES, ...replicas.keys()]);

  const startOne = async (processName: HubProcessName, env: Record<string, string>): Promise<void> => {
    const spec = specs.get(processName);
    if (spec === undefined) throw new Error(`unknown process ${processName}`);
    envs.set(processName, env);
    processes.set(processName, await startProcess({ ...spec, env }, join(logDir, `${processName}.log`)));
  };

  try {
    cleanups.push(() => rm(logDir, { recursive: true, force: true }));
    const smtp = await startSmtpCatcher();
    cleanups.push(() => smtp.close());
    const sms = await startSmsGateway();
    cleanups.push(() => sms.close());
    const phoneCallbackKey = randomBytes(32).toString('base64url');
    const africasTalking = await startFakeAfricasTalking({ username: 'e2e-hub', apiKey: randomBytes(24).toString('hex') });
    cleanups.push(() => africasTalking.close());

    const databases = {} as Record<HubServiceName, TestDatabase>;
    await Promise.all(
      SERVICE_NAMES.map(async (service) => {
        databases[service] = await createTestDatabase({ migrationsDir: join(repoRoot, 'services', service, 'prisma', 'migrations') });
        cleanups.push(() => databases[service].drop());
      }),
    );
    cleanups.push(async () => {
      const topology = networkTopology({ exchange: names.exchange, queuePrefix, retryDelayMs: Number(RETRY_DELAY_MS), deliveryLimit: 10 });
      await deleteTopology(AMQP_URL, { exchanges: topology.exchanges, queues: topology.queues });
    });
    cleanups.push(() => deleteRedisKeys(REDIS_URL, notificationsQueuePrefix));

    const ports = { identity: await freePort(), directory: await freePort(), consent: await freePort(), referrals: await freePort(), notifications: await freePort() };
    const url = (port: number) => `http://127.0.0.1:${port}`;
    const identityUrl = url(ports.identity);
    const issuer = identityUrl;
    const audience = 'referral-hub';
    const identityDir = join(logDir, 'identity');
    const secrets = { referrals: randomBytes(18).toString('base64url'), notifications: randomBytes(18).toString('base64url') };
    const endpoints: HubEndpoints = {
      directoryUrl: url(ports.directory),
      consentUrl: url(ports.consent),
      referralsUrl: url(ports.referrals),
      notificationsUrl: url(ports.notifications),
    };

    const common: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: '5',
      AMQP_URL,
      AMQP_EXCHANGE: names.exchange,
      AMQP_QUEUE_PREFIX: queuePrefix,
      AMQP_RETRY_DELAY_MS: RETRY_DELAY_MS,
      AMQP_MAX_ATTEMPTS: '10',
      OUTBOX_POLL_INTERVAL_MS: '200',
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_JWKS_URL: `${identityUrl}/.well-known/jwks.json`,
    };
    const serviceEnv: Record<HubServiceName, Record<string, string>> = {
      directory: { ...common, PORT: String(ports.directory), DATABASE_URL: databases.directory.url },
      consent: {
        ...common,
        PORT: String(ports.consent),
        DATABASE_URL: databases.consent.url,
        DECISION_CLIENT_SUBJECTS: 'referrals-service',
        CONSENT_TEXT_KEYS: `e2e1:${randomBytes(32).toString('base64')}`,
      },
      referrals: {
        ...common,
        PORT: String(ports.referrals),
        DATABASE_URL: databases.referrals.url,
        CONSENT_URL: endpoints.consentUrl,
        DIRECTORY_URL: endpoints.directoryUrl,
        DIRECTORY_REFRESH_INTERVAL_MS: '300',
        AUTH_CLIENT_TOKEN_URL: `${identityUrl}/token`,
        AUTH_CLIENT_ID: 'referrals-service',
        AUTH_CLIENT_SECRET: secrets.referrals,
        REFERRAL_PAYLOAD_KEYS: `e2e1:${randomBytes(32).toString('base64')}`,
        NOTIFICATION_CLIENT_SUBJECTS: 'notifications-service',
        HUB_ORGANIZATION_ID,
      },
      notifications: {
        ...common,
        PORT: String(ports.notifications),
        DATABASE_URL: databases.notifications.url,
        REDIS_URL,
        NOTIFICATIONS_QUEUE_PREFIX: notificationsQueuePrefix,
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Hub de référencement <no-reply@hub.example.org>',
        ...(smsProvider === 'africastalking'
          ? {
              SMS_PROVIDER: 'africastalking',
              AFRICASTALKING_BASE_URL: africasTalking.url,
              AFRICASTALKING_USERNAME: africasTalking.username,
              AFRICASTALKING_API_KEY: africasTalking.apiKey,
            }
          : { SMS_PROVIDER: 'http', SMS_HTTP_URL: sms.url }),
        PHONE_CALLBACK_KEY: phoneCallbackKey,
        DELIVERY_ATTEMPTS: '5',
        DELIVERY_BACKOFF_MS: '200',
        REFERRAL_LINK_TEMPLATE: 'https://hub.example.org/r/{referralCode}',
        REFERRALS_URL: endpoints.referralsUrl,
        AUTH_CLIENT_TOKEN_URL: `${identityUrl}/token`,
        AUTH_CLIENT_ID: 'notifications-service',
        AUTH_CLIENT_SECRET: secrets.notifications,
        NOTIFICATIONS_SECRET_KEYS: `e2e1:${randomBytes(32).toString('base64')}`,
      },
    };
    for (const service of SERVICE_NAMES) serviceEnv[service] = applyChanges(serviceEnv[service], options.serviceEnv?.[service]);
    const identityEnv: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DEV_IDENTITY_DIR: identityDir,
      DEV_IDENTITY_HOST: '127.0.0.1',
      DEV_IDENTITY_PORT: String(ports.identity),
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      DEV_IDENTITY_CLIENTS: JSON.stringify([
        { clientId: 'referrals-service', secret: secrets.referrals, organizationId: HUB_ORGANIZATION_ID, roles: ['system'] },
        { clientId: 'notifications-service', secret: secrets.notifications, organizationId: HUB_ORGANIZATION_ID, roles: ['system'] },
      ]),
    };

    specs.set('identity', { name: 'identity', args: ['scripts/dev-identity.ts'], cwd: repoRoot, readyUrl: `${identityUrl}/.well-known/jwks.json` });
    for (const service of SERVICE_NAMES) {
      // With `npm start`'s Node options: the platform's preload starts tracing when a test sets OTEL_EXPORTER_OTLP_ENDPOINT.
      specs.set(service, { name: service, args: [...RUNTIME_NODE_ARGS, 'src/start.ts'], cwd: join(repoRoot, 'services', service), readyUrl: `${url(ports[service])}/readyz` });
    }

    // The identity first: the services fetch its keys on their first request, and its key must exist before a token is signed.
    await startOne('identity', identityEnv);
    await Promise.all(SERVICE_NAMES.map((service) => startOne(service, serviceEnv[service])));

    const token = devTokenSource({ dir: identityDir, issuer, audience });
    const seed = await seedDemoNetwork({ directoryUrl: endpoints.directoryUrl, consentUrl: endpoints.consentUrl, token });

    const stopService = async (service: HubServiceName, options: { crash?: boolean } = {}): Promise<void> => {
      const running = processes.get(service);
      if (running === undefined) return;
      if (options.crash === true) await running.kill();
      else await running.stop();
    };
    const startService = async (service: HubServiceName, options: { env?: EnvChanges } = {}): Promise<void> => {
      const running = processes.get(service);
      if (running !== undefined && !running.hasExited()) throw new Error(`${service} is still running`);
      await startOne(service, applyChanges(envs.get(service) ?? serviceEnv[service], options.env));
    };

    const startReplica = async (service: HubServiceName, options: { env?: EnvChanges } = {}): Promise<HubReplica> => {
      const spec = specs.get(service);
      if (spec === undefined) throw new Error(`unknown service ${service}`);
      let count = 2;
      while (replicas.has(`${service}-${count}`)) count += 1;
      const replicaName = `${service}-${count}`;
      const port = await freePort();
      const replicaUrl = url(port);
      const replicaSpec = { ...spec, name: replicaName, readyUrl: `${replicaUrl}/readyz` };
      let env = applyChanges({ ...(envs.get(service) ?? serviceEnv[service]), PORT: String(port) }, options.env);
      const launch = async (): Promise<void> => {
        replicas.set(replicaName, await startProcess({ ...replicaSpec, env }, join(logDir, `${replicaName}.log`)));
      };
      await launch();
      const current = (): RunningProcess => {
        const running = replicas.get(replicaName);
        if (running === undefined) throw new Error(`${replicaName} was never started`);
        return running;
      };
      return {
        name: replicaName,
        url: replicaUrl,
        port,
        process: current,
        stop: async (stopOptions = {}) => {
          if (stopOptions.crash === true) await current().kill();
          else await current().stop();
        },
        start: async (startOptions = {}) => {
          if (!current().hasExited()) throw new Error(`${replicaName} is still running`);
          env = applyChanges(env, startOptions.env);
          await launch();
        },
      };
    };

    return {
      endpoints,
      identityUrl,
      issuer,
      audience,
      identityDir,
      amqpUrl: AMQP_URL,
      exchange: names.exchange,
      queuePrefix,
      smtp,
      sms,
      africasTalking,
      smsProvider,
      phoneCallbackKey,
      callbacks: phoneCallbacks(endpoints.notificationsUrl, phoneCallbackKey),
      mailbox: catcherMailbox(smtp, sms, africasTalking),
      token,
      seed,
      databaseUrls: { directory: databases.directory.url, consent: databases.consent.url, referrals: databases.referrals.url, notifications: databases.notifications.url },
      redisUrl: REDIS_URL,
      redisPrefix: notificationsQueuePrefix,
      envOf: (processName) => ({ ...(envs.get(processName) ?? {}) }),
      process: (processName) => {
        const running = processes.get(processName);
        if (running === undefined) throw new Error(`${processName} was never started`);
        return running;
      },
      stop: stopService,
      start: startService,
      restart: async (service, options = {}) => {
        await stopService(service, options);
        await startService(service, options);
      },
      startReplica,
      logFile: (processName) => join(logDir, `${processName}.log`),
      logs,
      close,
    };
  } catch (error) {
    process.stderr.write(`\nThe end-to-end hub "${name}" did not start:\n${await logs()}\n`);
    await close();
    throw error;
  }
}
