import { randomBytes } from 'node:crypto';
import { describeServiceConfig } from '@referral-hub/testkit';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConsentConfig } from '../src/config.js';

describeServiceConfig({
  service: 'consent',
  serviceRoot: new URL('..', import.meta.url),
  schema: configSchema,
  load: loadConsentConfig,
  defaultPort: 4020,
});

describe('the free-text key ring', () => {
  const valid = {
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub_consent',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    AUTH_ISSUER: 'http://127.0.0.1:4400',
    AUTH_AUDIENCE: 'referral-hub',
    AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
  };

  it('is required in production, read in order, and never echoed when malformed', () => {
    expect(() => loadConsentConfig({ ...valid, NODE_ENV: 'production' })).toThrow(/CONSENT_TEXT_KEYS/);
    const first = randomBytes(32).toString('base64');
    const config = loadConsentConfig({ ...valid, NODE_ENV: 'production', CONSENT_TEXT_KEYS: `t2:${first},t1:${randomBytes(32).toString('base64')}` });
    expect(config.CONSENT_TEXT_KEYS?.map((k) => k.id)).toEqual(['t2', 't1']);
    expect(config.CONSENT_TEXT_KEYS?.[0]?.key.toString('base64')).toBe(first);
    // Outside production, none is needed (a development key is used).
    expect(loadConsentConfig(valid).CONSENT_TEXT_KEYS).toBeUndefined();
    const short = () => loadConsentConfig({ ...valid, CONSENT_TEXT_KEYS: 't1:c2hvcnQta2V5' });
    expect(short).toThrow(/CONSENT_TEXT_KEYS/);
    expect(short).not.toThrow(/c2hvcnQta2V5/);
  });
});
