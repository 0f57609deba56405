import { currentRequestId } from '../../src/context.js';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { createHttpApp } from '../../src/http/app.js';
import type { OpenApiDocument } from '../../src/http/openapi.js';
import {
  findPrincipal,
  getOperation,
  getPrincipal,
  getValidatedHeaders,
  getValidatedParams,
  getValidatedQuery,
  requireRole,
} from '../../src/http/request-state.js';
import { startHttpServer } from '../../src/http/server.js';
import type { HealthCheck } from '../../src/health/types.js';
import { captureLogger } from '../logging/capture.js';

const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });
const ok = { '200': { description: 'ok' } };

/** A small contract exercising what services rely on: refs, path/query/header params, JSON bodies, security. */
export const fixtureDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Fixture API', version: '1.0.0' },
  security: [{ bearer: [] }],
  paths: {
    '/v1/organizations/{organizationId}/referrals': {
      parameters: [{ $ref: '#/components/parameters/OrganizationId' }],
      get: {
        operationId: 'listReferrals',
        parameters: [
          { $ref: '#/components/parameters/Limit' },
          { name: 'status', in: 'query', schema: { type: 'array', items: { enum: ['draft', 'submitted', 'accepted'] } } },
          { name: 'includeClosed', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: ok,
      },
      post: {
        operationId: 'createReferral',
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/NewReferral' }) },
        responses: { '201': { description: 'created' } },
      },
    },
    '/v1/referrals/search': {
      get: { operationId: 'searchReferrals', responses: ok },
    },
    '/v1/referrals/{referralId}': {
      parameters: [{ name: 'referralId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      get: { operationId: 'getReferral', responses: ok },
      delete: { operationId: 'deleteReferral', responses: { '204': { description: 'gone' } } },
    },
    '/v1/public/ping': {
      get: { operationId: 'ping', security: [], responses: ok },
    },
    '/v1/public/whoami': {
      get: { operationId: 'whoami', security: [{}, { bearer: [] }], responses: ok },
    },
    '/v1/public/boom': {
      get: { operationId: 'boom', security: [], responses: ok },
    },
    '/v1/public/tenants': {
      get: {
        operationId: 'withHeader',
        security: [],
        parameters: [{ name: 'X-Tenant-Code', in: 'header', required: true, schema: { type: 'string', pattern: '^[A-Z]{3}$' } }],
        responses: ok,
      },
    },
    '/v1/public/echo': {
      post: {
        operationId: 'echo',
        security: [],
        requestBody: { required: true, ...json({ type: 'object' }) },
        responses: ok,
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    parameters: {
      OrganizationId: { name: 'organizationId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      Limit: { name: 'limit', in: 'query', schema: { $ref: '#/components/schemas/Limit' } },
    },
    schemas: {
      Limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      NewReferral: {
        type: 'object',
        additionalProperties: false,
        required: ['caseCode', 'urgency', 'scope'],
        properties: {
          caseCode: { type: 'string', minLength: 3, example: 'CASE-001' },
          urgency: { enum: ['routine', 'urgent', 'emergency'] },
          scope: { $ref: '#/components/schemas/Scope' },
        },
      },
      Scope: {
        type: 'object',
        required: ['fields'],
        properties: {
          fields: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[a-z][a-zA-Z.]*$' } },
        },
      },
    },
  },
};

export const INTERNAL_SECRET = 'postgres://hub:s3cret-pw@db.internal/referrals';

export type FixtureServer = {
  baseUrl: string;
  close: () => Promise<void>;
  logLines: ReturnType<typeof captureLogger>['lines'];
  rawLog: () => string;
};

/** Starts the fixture app on a free port with real HTTP. */
export async function startFixture(options: {
  authenticator: Authenticator;
  healthChecks?: HealthCheck[];
  bodyLimit?: string;
}): Promise<FixtureServer> {
  const { logger, lines, raw } = captureLogger('fixture');
  const app = createHttpApp({
    service: 'fixture',
    version: '1.0.0',
    logger,
    openapi: fixtureDocument,
    authenticator: options.authenticator,
    healthChecks: options.healthChecks ?? [],
    healthTimeoutMs: 300,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    routes: (router) => {
      router.get('/v1/organizations/:organizationId/referrals', (req, res) => {
        res.json({
          operationId: getOperation(req)?.operationId,
          query: getValidatedQuery(req),
          params: getValidatedParams(req),
          principal: getPrincipal(req),
        });
      });
      router.post('/v1/organizations/:organizationId/referrals', requireRole('caseworker'), (req, res) => {
        res.status(201).json({ received: req.body as unknown });
      });
      router.get('/v1/referrals/search', (req, res) => {
        res.json({ operationId: getOperation(req)?.operationId });
      });
      router.get('/v1/referrals/:referralId', (req, res) => {
        res.json({ operationId: getOperation(req)?.operationId, params: getValidatedParams(req) });
      });
      router.get('/v1/public/ping', (_req, res) => {
        res.json({ requestId: currentRequestId() });
      });
      router.get('/v1/public/whoami', (req, res) => {
        res.json({ userId: findPrincipal(req)?.userId ?? null });
      });
      router.get('/v1/public/boom', () => {
        throw new Error(`database exploded at ${INTERNAL_SECRET}`);
      });
      router.get('/v1/public/tenants', (req, res) => {
        res.json({ headers: getValidatedHeaders(req) });
      });
      router.post('/v1/public/echo', (req, res) => {
        res.json({ received: req.body as unknown });
      });
    },
  });
  const running = await startHttpServer(app, 0, '127.0.0.1');
  return {
    baseUrl: `http://127.0.0.1:${running.port}`,
    close: () => running.close(2000),
    logLines: lines,
    rawLog: raw,
  };
}
