import { ConfigError, describeConfig } from '@referral-hub/platform';
import { describeServiceConfig } from '@referral-hub/testkit';
import { describe, expect, it } from 'vitest';
import { configSchema, loadNotificationsConfig } from '../src/config.js';

const valid = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub_notifications',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  AUTH_ISSUER: 'http://127.0.0.1:4400',
  AUTH_AUDIENCE: 'referral-hub',
  AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('notifications configuration', () => {
  it('starts from the documented defaults, without a mail relay', () => {
    const config = loadNotificationsConfig(valid);
    expect(config.PORT).toBe(4040);
    expect(config.AMQP_EXCHANGE).toBe('hub.events');
    expect(config.SMTP_URL).toBeUndefined();
  });

  it('documents Redis as required and the mail relay as optional', () => {
    const described = describeConfig(configSchema);
    expect(described.find((v) => v.name === 'REDIS_URL')?.required).toBe(true);
    expect(described.find((v) => v.name === 'SMTP_URL')?.required).toBe(false);
    expect(described.find((v) => v.name === 'PORT')?.default).toBe('4040');
  });

  it('accepts a mail relay over smtp or smtps', () => {
    expect(loadNotificationsConfig({ ...valid, SMTP_URL: 'smtps://relay.example:465' }).SMTP_URL).toBe('smtps://relay.example:465');
  });

  it('a missing Redis stops start-up with its name', () => {
    const { REDIS_URL: _missing, ...rest } = valid;
    expect(() => loadNotificationsConfig(rest)).toThrow(ConfigError);
    expect(() => loadNotificationsConfig(rest)).toThrow(/REDIS_URL/);
  });

  it('malformed URLs stop start-up with their names and never echo their values', () => {
    const attempt = () =>
      loadNotificationsConfig({ ...valid, REDIS_URL: 'http://:hunter2@redis-host', SMTP_URL: 'http://mail-secret-host' });
    expect(attempt).toThrow(/REDIS_URL/);
    expect(attempt).toThrow(/SMTP_URL/);
    expect(attempt).not.toThrow(/hunter2|secret-host/);
  });

});

describeServiceConfig({
  service: 'notifications',
  serviceRoot: new URL('..', import.meta.url),
  schema: configSchema,
  load: loadNotificationsConfig,
  defaultPort: 4040,
  extraEnv: { REDIS_URL: 'redis://127.0.0.1:6379' },
});
