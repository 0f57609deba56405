import { readFileSync } from 'node:fs';
import { ConfigError, describeConfig } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConsentConfig } from '../src/config.js';

const valid = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub_consent',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  AUTH_ISSUER: 'http://127.0.0.1:4400',
  AUTH_AUDIENCE: 'referral-hub',
  AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
};

describe('consent configuration', () => {
  it('starts from the documented defaults', () => {
    const config = loadConsentConfig(valid);
    expect(config.PORT).toBe(4020);
    expect(config.AMQP_EXCHANGE).toBe('hub.events');
  });

  it('documents the same default port it uses', () => {
    expect(describeConfig(configSchema).find((v) => v.name === 'PORT')?.default).toBe('4020');
  });

  it('a missing variable stops start-up with its name', () => {
    const { DATABASE_URL: _missing, ...rest } = valid;
    expect(() => loadConsentConfig(rest)).toThrow(ConfigError);
    expect(() => loadConsentConfig(rest)).toThrow(/DATABASE_URL/);
  });

  it('a malformed variable stops start-up with its name and never echoes its value', () => {
    const attempt = () => loadConsentConfig({ ...valid, AMQP_URL: 'http://secret-host', PORT: 'eighty' });
    expect(attempt).toThrow(/AMQP_URL/);
    expect(attempt).toThrow(/PORT/);
    expect(attempt).not.toThrow(/secret-host/);
  });

  it('the README documents every variable it reads, with its default', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const variable of describeConfig(configSchema)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\` |`));
      expect(row, variable.name).toBeDefined();
      expect(row, variable.name).toContain(variable.default === undefined ? '| — |' : `| \`${variable.default}\` |`);
    }
  });
});
