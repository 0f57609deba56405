import { describeServiceConfig } from '@referral-hub/testkit';
import { describe, expect, it } from 'vitest';
import { configSchema, loadReferralsConfig } from '../src/config.js';

describeServiceConfig({
  service: 'referrals',
  serviceRoot: new URL('..', import.meta.url),
  schema: configSchema,
  load: loadReferralsConfig,
  defaultPort: 4030,
  extraEnv: {
    CONSENT_URL: 'http://127.0.0.1:4020',
    DIRECTORY_URL: 'http://127.0.0.1:4010',
    AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:4400/token',
    AUTH_CLIENT_ID: 'referrals-service',
    AUTH_CLIENT_SECRET: 'dev-secret',
    REFERRAL_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  },
});

describe('referrals-specific settings', () => {
  const valid = {
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub_referrals',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    AUTH_ISSUER: 'http://127.0.0.1:4400',
    AUTH_AUDIENCE: 'referral-hub',
    AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
    CONSENT_URL: 'http://127.0.0.1:4020',
    DIRECTORY_URL: 'http://127.0.0.1:4010',
    AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:4400/token',
    AUTH_CLIENT_ID: 'referrals-service',
    AUTH_CLIENT_SECRET: 'dev-secret',
    REFERRAL_PAYLOAD_KEYS: `new:${Buffer.alloc(32, 1).toString('base64')},old:${Buffer.alloc(32, 2).toString('base64')}`,
  };

  it('reads the key ring in order, the first key encrypting, and the default deadlines', () => {
    const config = loadReferralsConfig(valid);
    expect(config.REFERRAL_PAYLOAD_KEYS.map((k) => k.id)).toEqual(['new', 'old']);
    expect(config.REFERRAL_ACKNOWLEDGE_WITHIN).toEqual({ high: 86_400_000, medium: 259_200_000, low: 604_800_000 });
    expect(config.REFERRAL_DECIDE_WITHIN).toEqual({ high: 172_800_000, medium: 432_000_000, low: 864_000_000 });
  });

  it('refuses a short key or a deadline list missing an urgency, naming the variable but not the key', () => {
    const shortKey = Buffer.alloc(16, 3).toString('base64');
    expect(() => loadReferralsConfig({ ...valid, REFERRAL_PAYLOAD_KEYS: `k:${shortKey}` })).toThrow(/REFERRAL_PAYLOAD_KEYS/);
    expect(() => loadReferralsConfig({ ...valid, REFERRAL_PAYLOAD_KEYS: `k:${shortKey}` })).not.toThrow(new RegExp(shortKey.slice(0, 10)));
    expect(() => loadReferralsConfig({ ...valid, REFERRAL_DECIDE_WITHIN: 'high=1h,low=2d' })).toThrow(/REFERRAL_DECIDE_WITHIN/);
  });
});
