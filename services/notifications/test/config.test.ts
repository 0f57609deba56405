import { randomBytes } from 'node:crypto';
import { ConfigError, describeConfig } from '@referral-hub/platform';
import { describeServiceConfig } from '@referral-hub/testkit';
import { describe, expect, it } from 'vitest';
import { configSchema, loadNotificationsConfig, messageIdDomain } from '../src/config.js';

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

  it('takes the referrals client whole or not at all, naming what is missing', () => {
    const client = {
      REFERRALS_URL: 'http://127.0.0.1:4030',
      AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:4400/token',
      AUTH_CLIENT_ID: 'notifications-service',
      AUTH_CLIENT_SECRET: 'a-secret-value',
    };
    expect(loadNotificationsConfig({ ...valid, ...client }).REFERRALS_URL).toBe('http://127.0.0.1:4030');
    expect(loadNotificationsConfig(valid).REFERRALS_URL).toBeUndefined();
    const { AUTH_CLIENT_SECRET: _secret, AUTH_CLIENT_ID: _id, ...half } = client;
    const attempt = () => loadNotificationsConfig({ ...valid, ...half });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/AUTH_CLIENT_ID/);
    expect(attempt).toThrow(/AUTH_CLIENT_SECRET/);
    expect(() => loadNotificationsConfig({ ...valid, AUTH_CLIENT_SECRET: 'a-secret-value' })).toThrow(/REFERRALS_URL/);
    expect(() => loadNotificationsConfig({ ...valid, AUTH_CLIENT_SECRET: 'a-secret-value' })).not.toThrow(/a-secret-value/);
  });

  it('needs its own secret key ring in production, and reads one in order', () => {
    expect(() => loadNotificationsConfig({ ...valid, NODE_ENV: 'production' })).toThrow(/NOTIFICATIONS_SECRET_KEYS/);
    const first = randomBytes(32).toString('base64');
    const config = loadNotificationsConfig({ ...valid, NODE_ENV: 'production', NOTIFICATIONS_SECRET_KEYS: `k2:${first},k1:${randomBytes(32).toString('base64')}` });
    expect(config.NOTIFICATIONS_SECRET_KEYS?.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(config.NOTIFICATIONS_SECRET_KEYS?.[0]?.key.toString('base64')).toBe(first);
    // Outside production, none is needed (a development key is used).
    expect(loadNotificationsConfig(valid).NOTIFICATIONS_SECRET_KEYS).toBeUndefined();
    const short = () => loadNotificationsConfig({ ...valid, NOTIFICATIONS_SECRET_KEYS: 'k1:c2hvcnQta2V5' });
    expect(short).toThrow(/NOTIFICATIONS_SECRET_KEYS/);
    expect(short).not.toThrow(/c2hvcnQta2V5/);
  });

  it('never lifts the webhook address guard in production', () => {
    const production = { ...valid, NODE_ENV: 'production', NOTIFICATIONS_SECRET_KEYS: `k1:${randomBytes(32).toString('base64')}` };
    expect(loadNotificationsConfig(production).WEBHOOK_ALLOW_HTTP).toBe(false);
    expect(() => loadNotificationsConfig({ ...production, WEBHOOK_ALLOW_HTTP: 'true' })).toThrow(/WEBHOOK_ALLOW_HTTP/);
    expect(loadNotificationsConfig({ ...valid, NODE_ENV: 'development', WEBHOOK_ALLOW_HTTP: 'true' }).WEBHOOK_ALLOW_HTTP).toBe(true);
  });

  it("makes e-mails' Message-ID domain from MAIL_FROM unless given one", () => {
    expect(messageIdDomain(loadNotificationsConfig(valid))).toBe('referral-hub.invalid');
    expect(messageIdDomain(loadNotificationsConfig({ ...valid, MAIL_FROM: 'Hub <alerts@hub.example.org>' }))).toBe('hub.example.org');
    expect(messageIdDomain(loadNotificationsConfig({ ...valid, MAIL_FROM: 'alerts@mail.example.org' }))).toBe('mail.example.org');
    expect(messageIdDomain(loadNotificationsConfig({ ...valid, MAIL_MESSAGE_ID_DOMAIN: 'ids.example.org' }))).toBe('ids.example.org');
    expect(() => loadNotificationsConfig({ ...valid, MAIL_MESSAGE_ID_DOMAIN: 'not a domain' })).toThrow(/MAIL_MESSAGE_ID_DOMAIN/);
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
