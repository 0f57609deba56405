import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envSchema, loadConfig } from '../../src/config/index.js';
import type { OpenApiDocument } from '../../src/http/openapi.js';
import { consumerQueueNames } from '../../src/messaging/topology.js';
import { networkTopology } from '../../src/service/network.js';
import { serviceEnv } from '../../src/service/config.js';
import { startService } from '../../src/service/start-service.js';
import { createServiceMetrics, registerScrapeGauge } from '../../src/observability/metrics.js';
import type { RunningService } from '../../src/service/start-service.js';
import type { SqlClient } from '../../src/db/types.js';
import { AMQP_URL, createTestDatabase, eventually, pgTransaction, testLogger, testValidator } from '../messaging/helpers.js';
import type { TestDatabase } from '../messaging/helpers.js';
import { deleteTopology } from '../../../testkit/src/amqp.js';
import { createTestIssuer } from '../../../testkit/src/tokens.js';

const openapi: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Metrics fixture', version: '1.0.0' },
  paths: {
    '/v1/things/{thingId}': {
      parameters: [{ name: 'thingId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      get: { operationId: 'getThing', security: [], responses: { '200': { description: 'ok' } } },
    },
  },
};

const suffix = randomUUID().slice(0, 8);
const exchange = `metrics-test-${suffix}`;
const queuePrefix = `metrics-test-${suffix}.`;
const queues = consumerQueueNames(`${queuePrefix}consent`);

type Service = RunningService<ReturnType<typeof loadTestConfig>, null, SqlClient>;
function loadTestConfig(env: Record<string, string>) {
  return loadConfig(envSchema(serviceEnv(0)), env);
}

let database: TestDatabase;
let dir: string;
let service: Service;
let separate: Service | undefined;

async function start(extraEnv: Record<string, string> = {}): Promise<Service> {
  const issuer = await createTestIssuer();
  const jwksFile = join(dir, `jwks-${randomUUID()}.json`);
  await writeFile(jwksFile, JSON.stringify(issuer.jwks));
  const config = loadTestConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: '4',
    AMQP_URL,
    AMQP_EXCHANGE: exchange,
    AMQP_QUEUE_PREFIX: queuePrefix,
    AMQP_RETRY_DELAY_MS: '200',
    AMQP_MAX_ATTEMPTS: '2',
    OUTBOX_POLL_INTERVAL_MS: '100',
    RATE_LIMIT_REQUESTS: '0',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_FILE: jwksFile,
    ...extraEnv,
  });
  return await startService({
    name: 'metrics-fixture',
    version: '1.0.0',
    config,
    openapi,
    validator: testValidator,
    logger: testLogger,
    host: '127.0.0.1',
    database: (pool) => ({ client: null, transaction: pgTransaction(pool), close: () => Promise.resolve() }),
    routes: (router) => {
      router.get('/v1/things/:thingId', (_req, res) => {
        res.json({ ok: true });
      });
    },
    consumer: { service: 'consent', handlers: () => ({}) },
  });
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return await response.text();
}

/** The value of the sample `name{labels…}` (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-metrics-'));
  database = await createTestDatabase();
  service = await start();
});

afterAll(async () => {
  await separate?.stop();
  await service?.stop();
  const topology = networkTopology({ exchange, queuePrefix, retryDelayMs: 200, deliveryLimit: 10 });
  await deleteTopology(AMQP_URL, { exchanges: topology.exchanges, queues: topology.queues });
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /metrics of a started service', () => {
  it('counts requests by route template, never by the raw path', async () => {
    const before = sample(await scrape(service.metricsUrl), 'hub_http_requests_total', { route: '/v1/things/{thingId}', status: '200' }) ?? 0;
    const id = randomUUID();
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${service.url}/v1/things/${id}?name=Amina`)).status).toBe(200);
    expect((await fetch(`${service.url}/v1/no/such/${id}`)).status).toBe(404);
    const text = await scrape(service.metricsUrl);
    expect(sample(text, 'hub_http_requests_total', { method: 'GET', route: '/v1/things/{thingId}', status: '200', service: 'metrics-fixture' })).toBe(before + 3);
    expect(sample(text, 'hub_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hub_http_request_duration_seconds_count', { route: '/v1/things/{thingId}' })).toBeGreaterThanOrEqual(3);
    expect(text).not.toContain(id);
    expect(text).not.toContain('Amina');
  });

  it('shows a stuck outbox row in the backlog and the age of the oldest unsent event', async () => {
    const empty = await scrape(service.metricsUrl);
    expect(sample(empty, 'hub_outbox_pending_events')).toBe(0);
    expect(sample(empty, 'hub_outbox_oldest_pending_age_seconds')).toBe(0);
    // A row the relay cannot publish yet (its next attempt is tomorrow), written an hour ago.
    const id = randomUUID();
    await database.pool.query(
      `INSERT INTO outbox_message (id, event_type, payload, headers, created_at, available_at, attempts)
       VALUES ($1, 'test.thing.happened', '{}'::jsonb, '{}'::jsonb, now() - interval '1 hour', now() + interval '1 day', 4)`,
      [id],
    );
    try {
      const text = await scrape(service.metricsUrl);
      expect(sample(text, 'hub_outbox_pending_events')).toBe(1);
      expect(sample(text, 'hub_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(3600);
      expect(sample(text, 'hub_outbox_oldest_pending_age_seconds')).toBeLessThan(3700);
    } finally {
      await database.pool.query('DELETE FROM outbox_message WHERE id = $1', [id]);
    }
  });

  it('counts a dead-lettered message and shows it waiting in the dead-letter queue', async () => {
    const before = await scrape(service.metricsUrl);
    const dead = sample(before, 'hub_consumer_dead_lettered_total', { queue: queues.queue }) ?? 0;
    expect(sample(before, 'hub_queue_messages_ready', { queue: queues.deadLetterQueue, role: 'dead_letter' })).toBe(0);
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      channel.sendToQueue(queues.queue, Buffer.from('not json'), { persistent: true, messageId: randomUUID() });
      await channel.waitForConfirms();
      await channel.close();
    } finally {
      await connection.close();
    }
    await eventually(async () => (sample(await scrape(service.metricsUrl), 'hub_consumer_dead_lettered_total', { queue: queues.queue }) ?? 0) > dead, 10_000, 'the dead letter counted');
    const after = await scrape(service.metricsUrl);
    expect(sample(after, 'hub_consumer_dead_lettered_total', { queue: queues.queue })).toBe(dead + 1);
    expect(sample(after, 'hub_queue_messages_ready', { queue: queues.deadLetterQueue, role: 'dead_letter' })).toBe(1);
    expect(sample(after, 'hub_queue_messages_ready', { queue: queues.queue, role: 'main' })).toBe(0);
  });

  it('shows the database pool in use', async () => {
    const text = await scrape(service.metricsUrl);
    expect(sample(text, 'hub_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hub_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'hub_db_pool_waiting_requests')).toBe(0);
  });

  it('leaves out a figure whose source fails, and still answers with the rest', async () => {
    const metrics = createServiceMetrics({ service: 'scrape-test' });
    registerScrapeGauge<'kind'>(metrics, { name: 'hub_test_broken', help: 'A source that is down.', labelNames: ['kind'], read: () => Promise.reject(new Error('Redis down')) });
    registerScrapeGauge(metrics, { name: 'hub_test_working', help: 'A source that answers.', labelNames: ['kind'], read: () => Promise.resolve([{ labels: { kind: 'a' }, value: 7 }]) });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'hub_test_working', { kind: 'a' })).toBe(7);
    expect(sample(text, 'hub_test_broken')).toBeUndefined();
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('serves /metrics on a port of its own when METRICS_PORT is set, and not beside the API', async () => {
    separate = await start({ METRICS_PORT: '0' });
    expect(new URL(separate.metricsUrl).port).not.toBe(String(separate.port));
    expect((await fetch(`${separate.url}/metrics`)).status).toBe(404);
    const text = await scrape(separate.metricsUrl);
    expect(sample(text, 'hub_outbox_pending_events')).toBe(0);
    expect((await fetch(new URL('/v1/things', separate.metricsUrl))).status).toBe(404);
  });
});
