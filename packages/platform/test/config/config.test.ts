import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  amqpEnv,
  authEnv,
  databaseEnv,
  describeConfig,
  envBool,
  envList,
  envSchema,
  httpEnv,
  loadConfig,
  logEnv,
  redisEnv,
} from '../../src/config/index.js';

const serviceSchema = envSchema({ ...httpEnv(4102), ...logEnv, ...databaseEnv, ...amqpEnv, ...authEnv, ...redisEnv });

const minimal = {
  DATABASE_URL: 'postgresql://hub:pw@127.0.0.1:5432/referrals',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  AUTH_ISSUER: 'http://127.0.0.1:4400',
  AUTH_AUDIENCE: 'referral-hub',
  AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every documented default', () => {
    const config = loadConfig(serviceSchema, minimal);
    expect(config).toEqual({
      ...minimal,
      PORT: 4102,
      HTTP_BODY_LIMIT: '256kb',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      DATABASE_POOL_MAX: 10,
      AMQP_EXCHANGE: 'hub.events',
      AMQP_PREFETCH: 20,
      AMQP_RETRY_DELAY_MS: 5000,
      AMQP_MAX_ATTEMPTS: 5,
      AMQP_DELIVERY_LIMIT: 10,
      OUTBOX_POLL_INTERVAL_MS: 500,
      AUTH_ALGORITHMS: ['RS256', 'ES256'],
      AUTH_CLOCK_TOLERANCE_S: 5,
      AUTH_ACCESS_TOKEN_TYPES: ['at+jwt', 'JWT'],
    });
  });

  it('parses explicit values and treats empty variables as unset', () => {
    const config = loadConfig(serviceSchema, {
      ...minimal,
      PORT: ' 8080 ',
      LOG_LEVEL: '',
      AUTH_ALGORITHMS: 'ES256, PS256,ES256',
      PUBLIC_BASE_URL: 'https://hub.example.org',
    });
    expect(config.PORT).toBe(8080);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.AUTH_ALGORITHMS).toEqual(['ES256', 'PS256']);
    expect(config.PUBLIC_BASE_URL).toBe('https://hub.example.org');
  });

  it('names every missing and malformed variable at once, without their values', () => {
    const error = configError(() =>
      loadConfig(serviceSchema, {
        ...minimal,
        DATABASE_URL: undefined,
        PORT: '70000',
        AMQP_URL: 'http://user:hunter2@broker',
        AUTH_ALGORITHMS: 'RS256,HS256',
        NODE_ENV: 'staging',
      }),
    );
    expect(error.message).toMatch(/^Invalid configuration: /);
    expect(error.message).toContain('DATABASE_URL is required');
    expect(error.message).toContain('PORT must be an integer between 0 and 65535');
    expect(error.message).toContain('AMQP_URL must be a URL starting with amqp:// or amqps://');
    expect(error.message).toContain('AUTH_ALGORITHMS must be a comma-separated list');
    expect(error.message).toContain('NODE_ENV must be one of development, test, production');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('70000');
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'AMQP_URL',
      'AUTH_ALGORITHMS',
      'DATABASE_URL',
      'NODE_ENV',
      'PORT',
    ]);
  });

  it('requires exactly one JWKS source, reported alongside other problems', () => {
    const neither = configError(() =>
      loadConfig(serviceSchema, { ...minimal, AUTH_JWKS_URL: undefined, REDIS_URL: 'nope' }),
    );
    expect(neither.message).toContain('AUTH_JWKS_URL is required: set exactly one of AUTH_JWKS_URL, AUTH_JWKS_FILE');
    expect(neither.message).toContain('REDIS_URL must be a URL starting with redis:// or rediss://');
    const both = configError(() => loadConfig(serviceSchema, { ...minimal, AUTH_JWKS_FILE: '/etc/hub/jwks.json' }));
    expect(both.message).toContain('must not be combined');
    expect(loadConfig(serviceSchema, { ...minimal, AUTH_JWKS_URL: undefined, AUTH_JWKS_FILE: '/etc/hub/jwks.json' }).AUTH_JWKS_FILE).toBe(
      '/etc/hub/jwks.json',
    );
  });

  it('offers helpers for booleans and lists', () => {
    const schema = envSchema({ FEATURE: envBool({ default: false }), CHANNELS: envList({ allowed: ['email', 'sms'] }) });
    expect(loadConfig(schema, { FEATURE: 'YES', CHANNELS: 'sms,email' })).toEqual({ FEATURE: true, CHANNELS: ['sms', 'email'] });
    expect(loadConfig(schema, { CHANNELS: 'email' }).FEATURE).toBe(false);
    const error = configError(() => loadConfig(schema, { FEATURE: 'maybe', CHANNELS: 'pigeon' }));
    expect(error.message).toBe(
      'Invalid configuration: FEATURE must be true or false; CHANNELS must be a comma-separated list of at least 1 of: email, sms',
    );
  });

  it('reports plain zod failures by variable name too', () => {
    const error = configError(() => loadConfig(z.object({ NAME: z.string().min(5) }), { NAME: 'abc' }));
    expect(error.issues[0]?.variable).toBe('NAME');
    expect(error.message).toMatch(/^Invalid configuration: NAME: /);
  });
});

describe('describeConfig', () => {
  it('lists each variable with whether it is required and its default', () => {
    const described = describeConfig(serviceSchema);
    const byName = new Map(described.map((v) => [v.name, v]));
    expect(byName.get('PORT')).toEqual({ name: 'PORT', required: false, default: '4102' });
    expect(byName.get('DATABASE_URL')).toEqual({ name: 'DATABASE_URL', required: true });
    expect(byName.get('PUBLIC_BASE_URL')).toEqual({ name: 'PUBLIC_BASE_URL', required: false });
    expect(byName.get('AUTH_ALGORITHMS')).toEqual({ name: 'AUTH_ALGORITHMS', required: false, default: 'RS256,ES256' });
    expect(byName.get('AUTH_JWKS_FILE')).toEqual({
      name: 'AUTH_JWKS_FILE',
      required: false,
      exactlyOneOf: ['AUTH_JWKS_URL', 'AUTH_JWKS_FILE'],
    });
    expect(byName.get('AMQP_EXCHANGE')?.default).toBe('hub.events');
    expect(described.map((v) => v.name)).toContain('REDIS_URL');
  });
});
