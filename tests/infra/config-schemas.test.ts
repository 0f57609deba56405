import { readFileSync } from 'node:fs';
import { describeConfig, loadConfig } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema as consent } from '../../services/consent/src/config.js';
import { configSchema as directory } from '../../services/directory/src/config.js';
import { configSchema as notifications } from '../../services/notifications/src/config.js';
import { configSchema as referrals } from '../../services/referrals/src/config.js';
import { serviceEnv, SERVICES } from '../../scripts/lib/services.mjs';

/** Each service's own configuration schema: what it really reads at start. */
const SCHEMAS = { directory, consent, referrals, notifications } as const;
type ServiceName = keyof typeof SCHEMAS;
const names = Object.keys(SCHEMAS) as ServiceName[];

/** Resolves compose's `${NAME:-default}` to its default, as an empty .env would. */
const withDefaults = (value: string): string =>
  value.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');

function composeEnvironment(name: ServiceName): Record<string, string> {
  const document = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const environment = document.services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, withDefaults(String(value))]));
}

function hubStartEnvironment(name: ServiceName): Record<string, string> {
  const spec = SERVICES.find((candidate) => candidate.name === name);
  if (spec === undefined) throw new Error(`scripts/lib/services.mjs has no service ${name}`);
  return serviceEnv(spec);
}

describe.each(names)('the %s service configuration', (name) => {
  const schema = SCHEMAS[name];
  const known = new Set(describeConfig(schema).map((variable) => variable.name));

  it('is satisfied by docker-compose.yml, which sets no variable the service ignores', () => {
    const environment = composeEnvironment(name);
    expect(() => loadConfig(schema, environment)).not.toThrow();
    expect(Object.keys(environment).filter((key) => !known.has(key))).toEqual([]);
  });

  it('is satisfied by what `npm start` gives the service, which sets no variable it ignores', () => {
    const environment = hubStartEnvironment(name);
    expect(() => loadConfig(schema, environment)).not.toThrow();
    expect(Object.keys(environment).filter((key) => !known.has(key))).toEqual([]);
  });
});
