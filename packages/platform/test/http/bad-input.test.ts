import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_DATABASE_URL } from '../../../testkit/src/database.js';
import { createHttpApp } from '../../src/http/app.js';
import type { OpenApiDocument } from '../../src/http/openapi.js';
import { startHttpServer } from '../../src/http/server.js';
import type { RunningHttpServer } from '../../src/http/server.js';
import { captureLogger } from '../logging/capture.js';

type Problem = { status: number; title: string; detail?: string; errors?: { field: string; code?: string }[] };

const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });

/** Bodies whose arrays are bounded: plain strings, enum refs and objects compared for uniqueness. */
const document: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Bad input', version: '1.0.0' },
  paths: {
    '/things/{code}': {
      parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string', maxLength: 50 } }],
      put: {
        operationId: 'putThing',
        parameters: [{ name: 'q', in: 'query', schema: { type: 'string', maxLength: 200 } }],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/Thing' }) },
        responses: { '200': { description: 'ok' } },
      },
    },
    '/sql': {
      post: {
        operationId: 'runSql',
        requestBody: { required: true, ...json({ type: 'object', properties: { kind: { type: 'string' } } }) },
        responses: { '200': { description: 'ok' } },
      },
    },
    '/ping': { get: { operationId: 'ping', responses: { '200': { description: 'ok' } } } },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: { type: 'string', maxLength: 200 },
          fields: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', maxLength: 64, pattern: '^[a-z][a-zA-Z.]*$' } },
          channels: { type: 'array', maxItems: 3, uniqueItems: true, items: { enum: ['email', 'sms', 'webhook'] } },
          recipients: {
            type: 'array',
            maxItems: 50,
            uniqueItems: true,
            items: { type: 'object', additionalProperties: false, properties: { id: { type: 'string', maxLength: 64 } } },
          },
          nested: { type: 'object', additionalProperties: { type: 'string', maxLength: 100 } },
        },
      },
    },
  },
};

let server: RunningHttpServer;
let baseUrl: string;
let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL, max: 2 });
  const { logger } = captureLogger('bad-input');
  const app = createHttpApp({
    service: 'bad-input',
    version: '1.0.0',
    logger,
    openapi: document,
    healthChecks: [],
    bodyLimit: '1mb',
    routes: (router) => {
      router.put('/things/:code', (req, res) => {
        res.json({ received: req.body as unknown });
      });
      router.post('/sql', async (req, res) => {
        // Real PostgreSQL refusals, as a repository would meet them.
        const { kind } = req.body as { kind: string };
        const client = await pool.connect();
        try {
          if (kind === 'nul') await client.query('SELECT $1::text', ['a\u0000b']);
          if (kind === 'range') await client.query('SELECT $1::int', ['99999999999']);
          if (kind === 'text') await client.query('SELECT $1::int', ['twelve']);
          if (kind === 'unique') {
            await client.query('CREATE TEMP TABLE IF NOT EXISTS area (code text PRIMARY KEY)');
            await client.query('INSERT INTO area VALUES ($1) ON CONFLICT DO NOTHING', ['A']);
            await client.query('INSERT INTO area VALUES ($1)', ['A']);
          }
          if (kind === 'syntax') await client.query('SELEC 1');
        } finally {
          client.release();
        }
        res.json({ ok: true });
      });
      router.get('/ping', (_req, res) => {
        res.json({ ok: true });
      });
    },
  });
  server = await startHttpServer(app, 0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close(1000);
  await pool?.end();
});

function put(path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function problem(response: Response, status: number): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Problem;
}

describe('a NUL character (U+0000) anywhere in a request', () => {
  it.each([
    ['a body string', '/things/a', { name: 'a\u0000b' }, 'body.name'],
    ['an array item', '/things/a', { fields: ['ok', 'x\u0000'] }, 'body.fields[1]'],
    ['a nested value', '/things/a', { nested: { deep: '\u0000' } }, 'body.nested.deep'],
    ['an object key', '/things/a', { nested: { 'k\u0000': 'v' } }, 'body.nested["k\\u0000"]'],
    ['the query', '/things/a?q=caf%00e', { name: 'n' }, 'query.q'],
    ['a path parameter', '/things/a%00b', { name: 'n' }, 'path.code'],
  ])('in %s is a 400 naming the field', async (_name, path, body, field) => {
    const answer = await problem(await put(path, body), 400);
    expect(answer.errors?.map((e) => e.field)).toContain(field);
    expect(answer.errors?.find((e) => e.field === field)?.code).toBe('nul_character');
  });
});

describe('what PostgreSQL refuses because of the request', () => {
  const sql = (kind: string) =>
    fetch(`${baseUrl}/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind }) });

  it.each(['nul', 'range', 'text'])('a %s value is a 400, not a 500', async (kind) => {
    const answer = await problem(await sql(kind), 400);
    expect(answer.errors?.[0]?.field).toBe('request');
    expect(JSON.stringify(answer)).not.toMatch(/invalid input|out of range|syntax/i);
  });

  it('a unique violation (another request created it first) is a 409', async () => {
    await problem(await sql('unique'), 409);
  });

  it('a server mistake stays a 500 that tells nothing of it', async () => {
    const answer = await problem(await sql('syntax'), 500);
    expect(JSON.stringify(answer)).not.toMatch(/SELEC/);
  });
});

describe('a 30,000-item array under the body limit', () => {
  const many = 30_000;
  it.each([
    ['strings', 'fields', Array.from({ length: many }, (_, i) => `field${i}`)],
    ['enum values', 'channels', Array.from({ length: many }, () => 'email')],
    ['objects compared for uniqueness', 'recipients', Array.from({ length: many }, (_, i) => ({ id: `r${i}` }))],
  ])('of %s is refused at once with a 400 naming it, and the service keeps answering', async (_kind, field, items) => {
    const started = performance.now();
    const pending = put('/things/a', { [field]: items });
    // A small request sent meanwhile is answered too.
    const ping = await fetch(`${baseUrl}/ping`);
    expect(ping.status).toBe(200);
    const answer = await problem(await pending, 400);
    const elapsed = performance.now() - started;
    console.log(`30,000 ${field}: 400 in ${elapsed.toFixed(0)} ms`);
    expect(answer.errors).toEqual([expect.objectContaining({ field: `body.${field}`, code: 'maxItems' })]);
  });

  it('within its bound is still checked item by item', async () => {
    const answer = await problem(await put('/things/a', { fields: ['ok', 'Bad Field', 'ok'] }), 400);
    expect(answer.errors?.map((e) => e.field).sort()).toEqual(['body.fields', 'body.fields[1]']);
  });
});
