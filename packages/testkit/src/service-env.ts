import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkTopology } from '@referral-hub/platform';
import { deleteTopology, uniqueTopologyNames } from './amqp.js';
import { createTestDatabase } from './database.js';
import type { TestDatabase } from './database.js';
import { createTestIssuer } from './tokens.js';
import type { TestClaims, TestIssuer } from './tokens.js';

export const DEFAULT_TEST_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Everything one test file needs to run a service in-process against the real
 * PostgreSQL and RabbitMQ, isolated from every other file: its own database
 * (migrated), its own exchange and queue prefix, its own token issuer.
 */
export type ServiceTestEnv = {
  /** The variables to hand to the service's `start({ env })`. */
  env: Record<string, string>;
  database: TestDatabase;
  issuer: TestIssuer;
  exchange: string;
  queuePrefix: string;
  amqpUrl: string;
  /** A bearer `Authorization` header value for these claims. */
  authorization(claims: TestClaims): Promise<string>;
  /** Variables for a second service sharing this file's broker names and issuer (own database). */
  envForAnotherService(migrationsDir: string): Promise<Record<string, string>>;
  /** Drops the databases and deletes the exchange and queues. */
  cleanup(): Promise<void>;
};

export async function createServiceTestEnv(options: {
  name: string;
  migrationsDir: string;
  extraEnv?: Record<string, string>;
}): Promise<ServiceTestEnv> {
  const amqpUrl = process.env.TEST_AMQP_URL ?? DEFAULT_TEST_AMQP_URL;
  const names = uniqueTopologyNames(options.name);
  const queuePrefix = names.consumer('');
  const issuer = await createTestIssuer();
  const dir = await mkdtemp(join(tmpdir(), 'hub-test-'));
  const jwksFile = join(dir, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify(issuer.jwks));
  const databases: TestDatabase[] = [];
  const database = await createTestDatabase({ migrationsDir: options.migrationsDir });
  databases.push(database);

  const baseEnv = (databaseUrl: string): Record<string, string> => ({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '5',
    AMQP_URL: amqpUrl,
    AMQP_EXCHANGE: names.exchange,
    AMQP_QUEUE_PREFIX: queuePrefix,
    AMQP_RETRY_DELAY_MS: '200',
    AMQP_MAX_ATTEMPTS: '3',
    OUTBOX_POLL_INTERVAL_MS: '100',
    // Suites and benchmarks send far more than a client's share from one token; a test of the limit sets its own.
    RATE_LIMIT_REQUESTS: '0',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_FILE: jwksFile,
    ...options.extraEnv,
  });

  return {
    env: baseEnv(database.url),
    database,
    issuer,
    exchange: names.exchange,
    queuePrefix,
    amqpUrl,
    authorization: async (claims) => `Bearer ${await issuer.sign(claims)}`,
    envForAnotherService: async (migrationsDir) => {
      const other = await createTestDatabase({ migrationsDir });
      databases.push(other);
      return baseEnv(other.url);
    },
    cleanup: async () => {
      const topology = networkTopology({ exchange: names.exchange, queuePrefix, retryDelayMs: 200, deliveryLimit: 10 });
      await deleteTopology(amqpUrl, { exchanges: topology.exchanges, queues: topology.queues });
      await Promise.all(databases.map((db) => db.drop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
