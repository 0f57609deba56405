import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkSchemaDrift, ConfigError, describeConfig } from '@referral-hub/platform';
import type { Env } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createTestDatabase } from './database.js';

/** Variables every service requires, with values that parse. */
export const VALID_BASE_ENV: Readonly<Record<string, string>> = {
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  AUTH_ISSUER: 'http://127.0.0.1:4400',
  AUTH_AUDIENCE: 'referral-hub',
  AUTH_JWKS_URL: 'http://127.0.0.1:4400/.well-known/jwks.json',
};

/**
 * The configuration checks every service must pass: documented defaults, a
 * missing or malformed variable stopping start-up with its name (never its
 * value), and a README whose variable table matches the schema.
 *
 * @param serviceRoot URL of the service folder (`new URL('..', import.meta.url)` from `test/`).
 */
export function describeServiceConfig(options: {
  service: string;
  serviceRoot: URL;
  schema: z.ZodObject;
  load: (env: Env) => { PORT: number; AMQP_EXCHANGE: string };
  defaultPort: number;
  /** The service's own required variables, on top of {@link VALID_BASE_ENV} and DATABASE_URL. */
  extraEnv?: Record<string, string>;
}): void {
  const valid = {
    ...VALID_BASE_ENV,
    DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/hub_${options.service}`,
    ...options.extraEnv,
  };

  describe(`${options.service} configuration`, () => {
    it('starts from the documented defaults', () => {
      const config = options.load(valid);
      expect(config.PORT).toBe(options.defaultPort);
      expect(config.AMQP_EXCHANGE).toBe('hub.events');
      expect(describeConfig(options.schema).find((v) => v.name === 'PORT')?.default).toBe(String(options.defaultPort));
    });

    it('a missing variable stops start-up with its name', () => {
      const { DATABASE_URL: _missing, ...rest } = valid;
      expect(() => options.load(rest)).toThrow(ConfigError);
      expect(() => options.load(rest)).toThrow(/DATABASE_URL/);
    });

    it('a malformed variable stops start-up with its name and never echoes its value', () => {
      const attempt = () => options.load({ ...valid, AMQP_URL: 'http://secret-host', PORT: 'eighty' });
      expect(attempt).toThrow(/AMQP_URL/);
      expect(attempt).toThrow(/PORT/);
      expect(attempt).not.toThrow(/secret-host/);
    });

    it('the README documents every variable it reads, with its default', () => {
      const readme = readFileSync(new URL('README.md', options.serviceRoot), 'utf8');
      for (const variable of describeConfig(options.schema)) {
        const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\` |`));
        expect(row, variable.name).toBeDefined();
        expect(row, variable.name).toContain(variable.default === undefined ? '| — |' : `| \`${variable.default}\` |`);
      }
    });
  });
}

/**
 * Migrates a scratch database with the service's SQL migrations and checks
 * that every model and field of its `schema.prisma` has its table and column
 * with a compatible type.
 */
export function itKeepsMigrationsAndSchemaInStep(serviceRoot: URL): void {
  it('the migrations create every table and column schema.prisma expects, with compatible types', async () => {
    const database = await createTestDatabase({ migrationsDir: fileURLToPath(new URL('prisma/migrations', serviceRoot)) });
    try {
      const problems = await checkSchemaDrift({
        schemaPath: fileURLToPath(new URL('prisma/schema.prisma', serviceRoot)),
        connectionString: database.url,
      });
      expect(problems.map((p) => p.message)).toEqual([]);
    } finally {
      await database.drop();
    }
  });
}
