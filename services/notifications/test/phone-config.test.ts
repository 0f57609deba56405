import { ConfigError } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { loadNotificationsConfig } from '../src/config.js';

const valid = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub_notifications',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  AUTH_ISSUER: 'http://127.0.0.1:4400',
  AUTH_AUDIENCE: 'referral-hub',
  AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('the phone callbacks configuration', () => {
  it('has no callback key by default (the callbacks answer 404), and counts 10 messages per 10 minutes', () => {
    const config = loadNotificationsConfig({ ...valid, PHONE_CALLBACK_KEY: '' });
    expect(config.PHONE_CALLBACK_KEY).toBeUndefined();
    expect(config.PHONE_RATE_LIMIT_MESSAGES).toBe(10);
    expect(config.PHONE_RATE_LIMIT_WINDOW_MS).toBe(600_000);
  });

  it('takes a URL-safe key of 32 characters or more', () => {
    const key = 'aZ09-_.~'.repeat(4);
    expect(loadNotificationsConfig({ ...valid, PHONE_CALLBACK_KEY: key }).PHONE_CALLBACK_KEY).toBe(key);
  });

  it.each(['short-key-of-31-characters-xxxx', 'a key with spaces that is long enough', 'slash/and?query=in-a-key-long-enough'])(
    'refuses %j, naming the variable and never its value',
    (key) => {
      const attempt = () => loadNotificationsConfig({ ...valid, PHONE_CALLBACK_KEY: key });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/PHONE_CALLBACK_KEY/);
      expect(attempt).not.toThrow(key);
    },
  );
});
