import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer } from '../../../testkit/src/tokens.js';
import type { TestIssuer } from '../../../testkit/src/tokens.js';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { createHttpApp } from '../../src/http/app.js';
import type { HealthCheck } from '../../src/health/types.js';
import { captureLogger } from '../logging/capture.js';
import { INTERNAL_SECRET, fixtureDocument, startFixture } from './fixture.js';
import type { FixtureServer } from './fixture.js';

type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string; code?: string }[];
};

let issuer: TestIssuer;
let server: FixtureServer;
let token: string;
const organizationId = randomUUID();
let dbHealthy = true;

const healthChecks: HealthCheck[] = [
  { name: 'database', check: async () => {
    if (!dbHealthy) throw Object.assign(new Error(`connect ECONNREFUSED ${INTERNAL_SECRET}`), { code: 'ECONNREFUSED' });
  } },
  { name: 'broker', check: async () => undefined },
];

beforeAll(async () => {
  issuer = await createTestIssuer();
  token = await issuer.sign({ sub: 'user-1', org: organizationId, roles: ['caseworker'] });
  server = await startFixture({ authenticator: createAuthenticator(issuer.authConfig), healthChecks, bodyLimit: '1kb' });
});

afterAll(async () => {
  await server.close();
});

function call(path: string, init: RequestInit & { auth?: boolean } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.auth !== false) headers.set('authorization', `Bearer ${token}`);
  // These tests read the English wording; French (the default) is covered in problems.test.ts.
  if (!headers.has('accept-language')) headers.set('accept-language', 'en');
  return fetch(`${server.baseUrl}${path}`, { ...init, headers });
}

async function expectProblem(response: Response, status: number): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as Problem;
  expect(problem.status).toBe(status);
  expect(problem.type).toMatch(/^https:\/\/referral-hub\.org\/problems\/[a-z_]+$/);
  expect(problem.instance).toBe(response.headers.get('x-request-id'));
  return problem;
}

const referralsPath = `/v1/organizations/${organizationId}/referrals`;
const validReferral = { caseCode: 'CASE-1', urgency: 'urgent', scope: { fields: ['child.firstName'] } };

describe('routing outside the contract', () => {
  it('answers an unknown path with a 404 problem', async () => {
    const problem = await expectProblem(await call('/v1/nothing-here'), 404);
    expect(problem.type).toBe('https://referral-hub.org/problems/not_found');
  });

  it('answers a known path with an undeclared method with 405 and Allow', async () => {
    const response = await call(referralsPath, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
    await expectProblem(response, 405);
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('prefers a concrete path over a templated one', async () => {
    const response = await call('/v1/referrals/search');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ operationId: 'searchReferrals' });
  });

  it('answers a declared operation without a handler with 501', async () => {
    await expectProblem(await call(`/v1/referrals/${randomUUID()}`, { method: 'DELETE' }), 501);
  });
});

describe('request validation', () => {
  it('coerces query parameters, applies defaults and exposes the operation', async () => {
    const response = await call(`${referralsPath}?status=draft,submitted&status=accepted&includeClosed=true&unknown=x`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.operationId).toBe('listReferrals');
    expect(body.query).toEqual({ limit: 20, status: ['draft', 'submitted', 'accepted'], includeClosed: true });
    expect(body.params).toEqual({ organizationId });
  });

  it('names every invalid query and path field', async () => {
    const response = await call('/v1/organizations/not-a-uuid/referrals?limit=500&status=lost');
    const problem = await expectProblem(response, 400);
    const fields = problem.errors?.map((e) => e.field).sort();
    expect(fields).toEqual(['path.organizationId', 'query.limit', 'query.status[0]']);
    expect(problem.errors?.find((e) => e.field === 'query.limit')?.code).toBe('maximum');
  });

  it('rejects a non-integer where an integer is declared', async () => {
    const problem = await expectProblem(await call(`${referralsPath}?limit=ten`), 400);
    expect(problem.errors).toEqual([{ field: 'query.limit', message: 'must be integer', code: 'type' }]);
  });

  it('names every invalid body field with a readable path', async () => {
    const response = await call(referralsPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caseCode: 'X', urgency: 'whenever', scope: { fields: ['ok.field', 'Bad Field'] }, extra: 1 }),
    });
    const problem = await expectProblem(response, 400);
    const byField = new Map(problem.errors?.map((e) => [e.field, e]));
    expect([...byField.keys()].sort()).toEqual(['body.caseCode', 'body.extra', 'body.scope.fields[1]', 'body.urgency']);
    expect(byField.get('body.extra')?.code).toBe('additionalProperties');
    expect(byField.get('body.urgency')?.message).toContain('"emergency"');
    // The submitted values never come back.
    expect(JSON.stringify(problem)).not.toContain('Bad Field');
    expect(JSON.stringify(problem)).not.toContain('whenever');
  });

  it('names a missing required body member', async () => {
    const response = await call(referralsPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caseCode: 'CASE-1', urgency: 'routine', scope: {} }),
    });
    const problem = await expectProblem(response, 400);
    expect(problem.errors).toEqual([{ field: 'body.scope.fields', message: 'is required', code: 'required' }]);
  });

  it('requires a body when the operation declares it required', async () => {
    const problem = await expectProblem(await call(referralsPath, { method: 'POST' }), 400);
    expect(problem.errors).toEqual([{ field: 'body', message: 'is required', code: 'required' }]);
  });

  it('accepts a valid body and hands it to the handler', async () => {
    const response = await call(referralsPath, {
      method: 'POST',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify(validReferral),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: validReferral });
  });

  it('refuses a text/plain body with 415', async () => {
    const response = await call(referralsPath, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    await expectProblem(response, 415);
  });

  it('answers malformed JSON with a 400 naming the body', async () => {
    const response = await call(referralsPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"caseCode": "CASE-1",',
    });
    const problem = await expectProblem(response, 400);
    expect(problem.errors?.[0]?.field).toBe('body');
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await call('/v1/public/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(4096) }),
    });
    await expectProblem(response, 413);
  });

  it('validates and coerces declared headers', async () => {
    const bad = await expectProblem(await call('/v1/public/tenants', { headers: { 'x-tenant-code': 'abcd' } }), 400);
    expect(bad.errors?.map((e) => e.field)).toEqual(['header.X-Tenant-Code']);
    const missing = await expectProblem(await call('/v1/public/tenants'), 400);
    expect(missing.errors).toEqual([{ field: 'header.X-Tenant-Code', message: 'is required', code: 'required' }]);
    const good = await call('/v1/public/tenants', { headers: { 'x-tenant-code': 'ABC' } });
    expect(await good.json()).toEqual({ headers: { 'X-Tenant-Code': 'ABC' } });
  });
});

describe('errors and request ids', () => {
  it('answers a thrown plain Error with a 500 that reveals nothing, and logs it', async () => {
    const response = await call('/v1/public/boom');
    const problem = await expectProblem(response, 500);
    const text = JSON.stringify(problem);
    expect(text).not.toContain('exploded');
    expect(text).not.toContain('s3cret');
    expect(text).not.toMatch(/at .*\.ts/);
    const logged = server.logLines().find((line) => line.msg === 'request failed' && line.operationId === 'boom');
    expect(logged?.requestId).toBe(problem.instance);
    expect(JSON.stringify(logged?.err)).toContain('exploded');
  });

  it('echoes an acceptable caller request id and uses it inside the handler', async () => {
    const response = await call('/v1/public/ping', { headers: { 'x-request-id': 'caller-id-123' } });
    expect(response.headers.get('x-request-id')).toBe('caller-id-123');
    expect(await response.json()).toEqual({ requestId: 'caller-id-123' });
  });

  it('generates a request id when the caller sends none or an unsafe one', async () => {
    const none = await call('/v1/public/ping');
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await call('/v1/public/ping', { headers: { 'x-request-id': 'evil id\twith spaces' } });
    const id = unsafe.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await unsafe.json()).toEqual({ requestId: id });
  });

  it('logs one line per request with the route template and never the query string', async () => {
    const response = await call(`${referralsPath}?limit=7&status=draft`, { headers: { 'x-request-id': 'log-line-check' } });
    expect(response.status).toBe(200);
    // The access log is written when the response finishes; give the event loop a turn.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = server.logLines().filter((line) => line.requestId === 'log-line-check');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request',
      method: 'GET',
      route: '/v1/organizations/{organizationId}/referrals',
      status: 200,
      service: 'fixture',
    });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(JSON.stringify(lines[0])).not.toContain('limit=7');
    expect(JSON.stringify(lines[0])).not.toContain(organizationId);
  });

  it('sets security headers and hides the framework', async () => {
    const response = await call('/v1/public/ping');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('health and the contract', () => {
  it('reports live without checking dependencies', async () => {
    const response = await call('/livez', { auth: false });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('reports ready when every check passes and 503 naming the failing one otherwise, without secrets', async () => {
    dbHealthy = true;
    const ready = await call('/readyz', { auth: false });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: { status: 'ok' }, broker: { status: 'ok' } } });

    dbHealthy = false;
    const notReady = await call('/readyz', { auth: false });
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> };
    expect(body.status).toBe('unavailable');
    expect(body.checks.database).toEqual({ status: 'failed', detail: 'failed (ECONNREFUSED)' });
    expect(body.checks.broker).toEqual({ status: 'ok' });
    expect(JSON.stringify(body)).not.toContain('s3cret');
    dbHealthy = true;
  });

  it('serves the OpenAPI document', async () => {
    const response = await call('/openapi.json', { auth: false });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(fixtureDocument);
  });
});

describe('app creation', () => {
  it('refuses to start when secured operations have no authenticator', () => {
    expect(() =>
      createHttpApp({
        service: 'x',
        version: '1',
        logger: captureLogger().logger,
        openapi: fixtureDocument,
        healthChecks: [],
        routes: () => undefined,
      }),
    ).toThrow(/listReferrals.*no authenticator/);
  });

  it('refuses to start when the contract has an unresolvable $ref', () => {
    expect(() =>
      createHttpApp({
        service: 'x',
        version: '1',
        logger: captureLogger().logger,
        openapi: {
          openapi: '3.1.0',
          info: { title: 't', version: '1' },
          paths: {
            '/things': {
              post: {
                operationId: 'createThing',
                requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Missing' } } } },
              },
            },
          },
        },
        healthChecks: [],
        routes: () => undefined,
      }),
    ).toThrow(/createThing/);
  });
});
