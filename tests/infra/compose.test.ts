import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICES, serviceEnv } from '../../scripts/lib/services.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Service = {
  name: string;
  raw: Record<string, unknown>;
  environment: Record<string, string>;
};

/** Narrows a parsed YAML/JSON value to an object, naming where it was not one. */
function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where} should be a mapping`);
  }
  return value as Record<string, unknown>;
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new Error(`${where} should be a list of strings`);
  }
  return value;
}

/** Resolves compose's `${NAME:-default}` to its default, as an empty .env would. */
function withDefaults(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_match, _name: string, fallback?: string) => fallback ?? '');
}

function loadCompose(): Map<string, Service> {
  const document = record(parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')), 'docker-compose.yml');
  const services = new Map<string, Service>();
  for (const [name, value] of Object.entries(record(document.services, 'services'))) {
    const raw = record(value, `services.${name}`);
    const environment: Record<string, string> = {};
    if (raw.environment !== undefined) {
      for (const [key, v] of Object.entries(record(raw.environment, `services.${name}.environment`))) {
        // Compose wants strings; a bare number or boolean in YAML is a slip.
        if (typeof v !== 'string') throw new Error(`services.${name}.environment.${key} should be a quoted string`);
        environment[key] = withDefaults(v);
      }
    }
    services.set(name, { name, raw, environment });
  }
  return services;
}

function service(services: Map<string, Service>, name: string): Service {
  const found = services.get(name);
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

const compose = loadCompose();
const appNames = SERVICES.map((spec) => spec.name);

/** What each service's configuration reads (the lead extends this from each service's config schema). */
const REQUIRED_ENV: Record<string, readonly string[]> = {
  directory: [],
  consent: [],
  referrals: ['ACTION_LINK_KEYS'],
  notifications: ['REDIS_URL', 'SMTP_URL', 'ACTION_LINK_URL_TEMPLATE'],
};
const COMMON_ENV = [
  'PORT',
  'NODE_ENV',
  'LOG_LEVEL',
  'DATABASE_URL',
  'AMQP_URL',
  'AMQP_EXCHANGE',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_JWKS_URL',
] as const;

/** Settings compose takes from .env (with a default) that `npm start` passes on from the environment as they are. */
const FORWARDED_FROM_ENV = [
  'MAIL_FROM',
  'REFERRAL_LINK_TEMPLATE',
  'SMS_PROVIDER',
  'AFRICASTALKING_BASE_URL',
  'AFRICASTALKING_USERNAME',
  'AFRICASTALKING_API_KEY',
  'AFRICASTALKING_SENDER_ID',
  'SMS_HTTP_URL',
  'SMS_HTTP_TOKEN',
  'WEBHOOK_ALLOW_HTTP',
] as const;

/** The variables a `${NAME…}` in the compose file reads from .env. */
function variablesRead(): Set<string> {
  const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  return new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1] ?? ''));
}

describe('docker-compose.yml', () => {
  it('pins every image it pulls to a version (no floating or latest tags)', () => {
    const floating: string[] = [];
    for (const { name, raw } of compose.values()) {
      if (raw.build !== undefined) continue;
      const image = typeof raw.image === 'string' ? raw.image : '';
      const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
      // A full release: major.minor.patch (PostgreSQL numbers its releases major.minor), e.g. 15.10-bookworm, 3.13.7-management, v1.21.8.
      const release = image.startsWith('postgres:') ? /^\d+\.\d+(-[a-z0-9.]+)?$/ : /^v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/;
      if (!release.test(tag)) floating.push(`${name}: ${image}`);
    }
    expect(floating).toEqual([]);
  });

  it('lets .env set what the runbook says it sets: broker password, mail relay, SMS provider, links, webhooks', () => {
    const read = variablesRead();
    const expected = ['RABBITMQ_HUB_PASSWORD', 'COMPOSE_SMTP_URL', 'HUB_PUBLIC_URL', ...FORWARDED_FROM_ENV.filter((key) => key !== 'REFERRAL_LINK_TEMPLATE')];
    expect(expected.filter((key) => !read.has(key))).toEqual([]);
    const example = readFileSync(join(root, 'infra', '.env.example'), 'utf8');
    const undocumented = [...read].filter((key) => !new RegExp(`^#? ?${key}=`, 'm').test(example));
    expect(undocumented).toEqual([]);
  });

  it.each(appNames)('gives %s every variable its configuration reads', (name) => {
    const { environment } = service(compose, name);
    const missing = [...COMMON_ENV, ...(REQUIRED_ENV[name] ?? [])].filter((key) => !environment[key]);
    expect(missing).toEqual([]);
  });

  it.each(appNames)('connects %s to its own database as its own role, with the password postgres was given', (name) => {
    const url = new URL(service(compose, name).environment.DATABASE_URL ?? '');
    const postgres = service(compose, 'postgres').environment;
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(`${name}_svc`);
    expect(url.pathname).toBe(`/hub_${name}`);
    expect(decodeURIComponent(url.password)).toBe(postgres[`${name.toUpperCase()}_DB_PASSWORD`]);
  });

  it.each(appNames)('points %s at containers that exist, by their compose names', (name) => {
    const env = service(compose, name).environment;
    const hosts = ['AMQP_URL', 'AUTH_JWKS_URL', 'REDIS_URL', 'SMTP_URL', 'CONSENT_URL']
      .filter((key) => env[key] !== undefined)
      .map((key) => new URL(env[key] ?? '').hostname);
    for (const host of hosts) expect(compose.has(host), `${name} refers to "${host}"`).toBe(true);
    expect(new URL(env.AUTH_JWKS_URL ?? '').hostname).toBe('dev-identity');
  });

  it.each(appNames)('has %s accept exactly the tokens the identity provider issues', (name) => {
    const env = service(compose, name).environment;
    const identity = service(compose, 'dev-identity').environment;
    expect(env.AUTH_ISSUER).toBe(identity.AUTH_ISSUER);
    expect(env.AUTH_AUDIENCE).toBe(identity.AUTH_AUDIENCE);
    expect(env.AMQP_EXCHANGE).toBe('hub.events');
  });

  it.each(appNames)('publishes and probes %s on the port it listens on, at /readyz', (name) => {
    const { environment, raw } = service(compose, name);
    const port = environment.PORT;
    expect(port).toBe(String(SERVICES.find((spec) => spec.name === name)?.port));
    expect(strings(raw.ports, `${name}.ports`)).toContain(`127.0.0.1:${port}:${port}`);
    const test = strings(record(raw.healthcheck, `${name}.healthcheck`).test, `${name}.healthcheck.test`).join(' ');
    expect(test).toContain(`http://127.0.0.1:${port}/readyz`);
  });

  it.each(appNames)('builds %s from the Dockerfile with its own SERVICE argument', (name) => {
    const build = record(service(compose, name).raw.build, `${name}.build`);
    expect(build.context).toBe('.');
    expect(build.target).toBeUndefined();
    expect(record(build.args, `${name}.build.args`).SERVICE).toBe(name);
  });

  it('gives every container a health check with a command', () => {
    const without = [...compose.values()]
      .filter(({ raw }) => {
        if (raw.healthcheck === undefined) return true;
        const test = record(raw.healthcheck, 'healthcheck').test;
        return !Array.isArray(test) || test.length < 2;
      })
      .map(({ name }) => name);
    expect(without).toEqual([]);
  });

  it('starts a container only once everything it depends on is healthy', () => {
    const problems: string[] = [];
    for (const { name, raw } of compose.values()) {
      if (raw.depends_on === undefined) continue;
      for (const [dependency, rule] of Object.entries(record(raw.depends_on, `${name}.depends_on`))) {
        if (!compose.has(dependency)) problems.push(`${name} depends on unknown ${dependency}`);
        if (record(rule, `${name}.depends_on.${dependency}`).condition !== 'service_healthy') {
          problems.push(`${name} does not wait for ${dependency} to be healthy`);
        }
      }
    }
    expect(problems).toEqual([]);
    for (const name of appNames) {
      const deps = Object.keys(record(service(compose, name).raw.depends_on, `${name}.depends_on`));
      expect(deps).toEqual(expect.arrayContaining(['postgres', 'rabbitmq', 'dev-identity']));
    }
    const notificationDeps = Object.keys(record(service(compose, 'notifications').raw.depends_on, 'depends_on'));
    expect(notificationDeps).toEqual(expect.arrayContaining(['redis', 'mailpit']));
  });

  it('initialises PostgreSQL with the per-service databases, roles and passwords', () => {
    const volumes = strings(service(compose, 'postgres').raw.volumes, 'postgres.volumes');
    expect(volumes).toContain('./infra/postgres/init.sql:/docker-entrypoint-initdb.d/10-hub-init.sql:ro');
    expect(volumes).toContain('./infra/postgres/set-passwords.sh:/docker-entrypoint-initdb.d/20-hub-passwords.sh:ro');
  });

  it('boots RabbitMQ with the definitions file where rabbitmq.conf loads it from', () => {
    const volumes = strings(service(compose, 'rabbitmq').raw.volumes, 'rabbitmq.volumes');
    const mounted = volumes.find((volume) => volume.startsWith('./infra/rabbitmq/definitions.json:'));
    const target = mounted?.split(':')[1];
    const conf = readFileSync(join(root, 'infra', 'rabbitmq', 'rabbitmq.conf'), 'utf8');
    expect(target).toBeDefined();
    expect(conf).toMatch(new RegExp(`^load_definitions = ${target}$`, 'm'));
    expect(volumes.some((volume) => volume.startsWith('./infra/rabbitmq/rabbitmq.conf:/etc/rabbitmq/conf.d/'))).toBe(true);
  });

  it('uses the broker user that the definitions declare', () => {
    const definitions = record(JSON.parse(readFileSync(join(root, 'infra', 'rabbitmq', 'definitions.json'), 'utf8')), 'definitions');
    const users = (definitions.users as unknown[]).map((user) => record(user, 'user').name);
    for (const name of appNames) {
      const amqp = new URL(service(compose, name).environment.AMQP_URL ?? '');
      expect(users).toContain(decodeURIComponent(amqp.username));
      // guest may only connect from inside the broker's own container.
      expect(amqp.username).not.toBe('guest');
    }
  });

  it.each(appNames)('runs %s locally with the same variables as in Docker', (name) => {
    const spec = SERVICES.find((candidate) => candidate.name === name);
    if (!spec) throw new Error(`no local spec for ${name}`);
    // Locally, without SMTP_URL, notifications keep mail in the browsable
    // development outbox; in Docker, mailpit is the relay. The provider and
    // link settings compose forwards from .env reach a local run through the
    // environment it inherits (.env is loaded by scripts/hub.mjs).
    const localOnlyOptional = new Set(['SMTP_URL', ...FORWARDED_FROM_ENV]);
    const local = Object.keys(serviceEnv(spec)).sort();
    const docker = Object.keys(service(compose, name).environment)
      .filter((key) => !localOnlyOptional.has(key) || local.includes(key))
      .sort();
    expect(local).toEqual(docker);
  });
});

describe('docker-compose.yml: the console', () => {
  const console_ = service(compose, 'console');
  const identity = service(compose, 'dev-identity');

  it('is a client of the identity provider, with the same secret and its own callback and logout addresses', () => {
    const clients: unknown = JSON.parse(identity.environment.DEV_IDENTITY_LOGIN_CLIENTS ?? '[]');
    expect(clients).toEqual([
      {
        clientId: console_.environment.OIDC_CLIENT_ID,
        secret: console_.environment.OIDC_CLIENT_SECRET,
        redirectUris: [`${console_.environment.CONSOLE_PUBLIC_URL}/auth/callback`],
        postLogoutRedirectUris: [`${console_.environment.CONSOLE_PUBLIC_URL}/signed-out`],
      },
    ]);
    expect(console_.environment.OIDC_ISSUER).toBe(identity.environment.AUTH_ISSUER);
    expect(new URL(console_.environment.OIDC_BACKCHANNEL_URL ?? '').hostname).toBe('dev-identity');
    expect(new URL(identity.environment.DEV_IDENTITY_DIRECTORY_URL ?? '').hostname).toBe('directory');
  });

  it('reaches Redis and the services by their compose names, and is where notification links lead', () => {
    for (const key of ['REDIS_URL', 'DIRECTORY_URL', 'CONSENT_URL', 'REFERRALS_URL', 'NOTIFICATIONS_URL']) {
      const host = new URL(console_.environment[key] ?? '').hostname;
      expect(compose.has(host), `${key} refers to "${host}"`).toBe(true);
    }
    const link = service(compose, 'notifications').environment.REFERRAL_LINK_TEMPLATE ?? '';
    expect(link).toBe(`${console_.environment.CONSOLE_PUBLIC_URL}/r/{referralCode}`);
    expect(Object.keys(record(console_.raw.depends_on, 'console.depends_on'))).toEqual(expect.arrayContaining(['redis', 'dev-identity', 'directory', 'consent', 'referrals', 'notifications']));
  });

  it('runs its own production image, built from the Dockerfile like the services, not the development identity\'s sources', () => {
    const build = record(console_.raw.build, 'console.build');
    expect(build.context).toBe('.');
    expect(build.target).toBeUndefined();
    expect(record(build.args, 'console.build.args').SERVICE).toBe('console');
    expect(console_.raw.image).toBe('referral-hub/console:local');
    // The image's own command (node dist/start.js) and folder: nothing run from sources.
    expect(console_.raw.command).toBeUndefined();
    expect(console_.raw.working_dir).toBeUndefined();
    expect(console_.environment.NODE_ENV).toBe('production');
    // The development identity stays the provider it signs people in with.
    expect(record(identity.raw.build, 'dev-identity.build').target).toBe('dev-identity');
  });

  it('publishes and probes the console on the port it listens on', () => {
    const port = console_.environment.PORT ?? '';
    expect(strings(console_.raw.ports, 'console.ports')).toContain(`127.0.0.1:${port}:${port}`);
    expect(strings(record(console_.raw.healthcheck, 'console.healthcheck').test, 'console.healthcheck.test').join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
    expect(console_.environment.HOST).toBe('0.0.0.0');
  });
});
