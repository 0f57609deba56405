import { describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { SERVICE_NAMES, openApiDocument, openApiJsonSchema } from '../src/index.js';
import type { ConsentApi, DirectoryApi, NotificationsApi, OpenApiDocument, ReferralsApi, ServiceName } from '../src/index.js';
import { lintOpenApi } from '../scripts/artifacts.js';
import { createAjv } from '../src/ajv.js';
import { hasType, isObject, resolvePointer, walkObjects } from './support.js';
import type { JsonObject } from './support.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const PUBLIC_PATHS = ['/livez', '/readyz', '/openapi.json'];

/** An operation that is public by design (`security: []`) and names its own credential in `x-public`. */
function isDeclaredPublic(operation: JsonObject): boolean {
  return typeof operation['x-public'] === 'string' && operation['x-public'] !== '';
}

type Operation = {
  path: string;
  method: string;
  operation: JsonObject;
  parameters: JsonObject[];
};

/** Follows `$ref`s (local to the document) until a non-reference node. */
function deref(document: OpenApiDocument, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current['$ref'] === 'string'; hops += 1) {
    if (hops > 20) throw new Error('reference cycle');
    current = resolvePointer(document, current['$ref']);
  }
  return current;
}

function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const shared = Array.isArray(item['parameters']) ? (item['parameters'] as unknown[]) : [];
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const own = Array.isArray(operation['parameters']) ? (operation['parameters'] as unknown[]) : [];
      const parameters = [...shared, ...own].map((parameter) => deref(document, parameter)).filter(isObject);
      operations.push({ path, method, operation, parameters });
    }
  }
  return operations;
}

function responsesOf(document: OpenApiDocument, operation: JsonObject): Map<string, JsonObject> {
  const responses = isObject(operation['responses']) ? operation['responses'] : {};
  const out = new Map<string, JsonObject>();
  for (const [status, response] of Object.entries(responses)) {
    const resolved = deref(document, response);
    if (isObject(resolved)) out.set(status, resolved);
  }
  return out;
}

/** Compiles a schema of a service's document, strictly, as a standalone draft 2020-12 schema. */
function compile(service: ServiceName, schema: unknown): ValidateFunction {
  return createAjv().compile(openApiJsonSchema(service, schema));
}

const validators = new Map<string, ValidateFunction>();
function schemaValidator(service: ServiceName, name: string): ValidateFunction {
  const key = `${service}/${name}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    validate = compile(service, { $ref: `#/components/schemas/${name}` });
    validators.set(key, validate);
  }
  return validate;
}

describe.each(SERVICE_NAMES)('the %s OpenAPI document', (service) => {
  const document = openApiDocument(service);

  it('is an OpenAPI 3.1 document with no reference leaving it, and every reference resolves', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).not.toBe('');
    const broken: string[] = [];
    walkObjects(document, (node, pointer) => {
      const ref = node['$ref'];
      if (ref === undefined) return;
      if (typeof ref !== 'string' || !ref.startsWith('#/') || resolvePointer(document, ref) === undefined) {
        broken.push(`${pointer}: ${String(ref)}`);
      }
    });
    expect(broken).toEqual([]);
  });

  it("passes Redocly's recommended rules, which check the OpenAPI 3.1 structure", async () => {
    expect(await lintOpenApi(document, `${service}.openapi.json`)).toEqual([]);
  });

  it('requires a bearer token everywhere except the probes and the document itself', () => {
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.components['securitySchemes']?.['bearerAuth']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const { path, method, operation } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (PUBLIC_PATHS.includes(path)) expect(operation['security'], where).toEqual([]);
      // An operation whose credential is not a bearer token (a signed token or key in its path) says which, in `x-public`.
      else if (isDeclaredPublic(operation)) expect(operation['security'], where).toEqual([]);
      else expect(operation['security'], where).toBeUndefined();
    }
    for (const path of PUBLIC_PATHS) expect(document.paths[path]?.['get'], path).toBeDefined();
  });

  it('gives every operation a unique operationId, a summary and every error response it can give', () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const { path, method, operation, parameters } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      const id = operation['operationId'];
      if (typeof id !== 'string' || id === '') problems.push(`${where}: no operationId`);
      else if (seen.has(id)) problems.push(`${where}: duplicate operationId ${id}`);
      else seen.add(id);
      if (typeof operation['summary'] !== 'string' || operation['summary'] === '') problems.push(`${where}: no summary`);

      const statuses = new Set(responsesOf(document, operation).keys());
      const expected = ['500'];
      // 429: every authenticated request counts against its client's rate limit.
      if (isDeclaredPublic(operation)) expected.push('429');
      else if (!PUBLIC_PATHS.includes(path)) expected.push('401', '403', '429', '503');
      if (parameters.length > 0 || operation['requestBody'] !== undefined) expected.push('400');
      // A single resource may not exist; a collection (even under a path parameter) is just empty.
      if (/\/\{[^/]+\}$/.test(path)) expected.push('404');
      if (operation['requestBody'] !== undefined) expected.push('415');
      if (parameters.some((parameter) => parameter['name'] === 'Idempotency-Key')) expected.push('409', '422');
      for (const status of expected) if (!statuses.has(status)) problems.push(`${where}: no ${status} response`);
      if (![...statuses].some((status) => /^2\d\d$/.test(status))) problems.push(`${where}: no success response`);
    }
    expect(problems).toEqual([]);
  });

  it('answers errors as problem+json and sends X-Request-Id with every response', () => {
    const problems: string[] = [];
    for (const { path, method, operation } of operationsOf(document)) {
      for (const [status, response] of responsesOf(document, operation)) {
        const where = `${method.toUpperCase()} ${path} ${status}`;
        const headers = isObject(response['headers']) ? response['headers'] : {};
        if (headers['X-Request-Id'] === undefined) problems.push(`${where}: no X-Request-Id header`);
        const content = isObject(response['content']) ? response['content'] : {};
        const readinessFailure = path === '/readyz' && status === '503';
        if (/^[45]\d\d$/.test(status) && !readinessFailure) {
          const problem = content['application/problem+json'];
          const schema = isObject(problem) ? problem['schema'] : undefined;
          if (!isObject(schema) || schema['$ref'] !== '#/components/schemas/Problem') {
            problems.push(`${where}: not an application/problem+json Problem`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('bounds every string (maxLength, enum or const)', () => {
    const unbounded: string[] = [];
    walkObjects(document, (node, pointer) => {
      if (hasType(node, 'string') && node['maxLength'] === undefined && node['enum'] === undefined && node['const'] === undefined) {
        unbounded.push(pointer);
      }
    });
    expect(unbounded).toEqual([]);
  });

  // A body under the size limit still holds tens of thousands of short items: validating (uniqueItems
  // is quadratic) and handling them blocked a whole service for seconds. Every array has a bound.
  it('bounds every array (maxItems)', () => {
    const unbounded: string[] = [];
    walkObjects(document, (node, pointer) => {
      // `items` under `properties` is a property of that name, not an array's items.
      const isArray = hasType(node, 'array') || (node['items'] !== undefined && !pointer.endsWith('/properties'));
      if (isArray && node['maxItems'] === undefined) unbounded.push(pointer);
    });
    expect(unbounded).toEqual([]);
  });

  // A number past PostgreSQL's integer range reached the database and answered 500 instead of 400.
  it('bounds every integer a request carries (maximum)', () => {
    const unbounded: string[] = [];
    const visited = new Set<unknown>();
    const check = (schema: unknown, where: string): void => {
      if (!isObject(schema) || visited.has(schema)) return;
      visited.add(schema);
      if (typeof schema['$ref'] === 'string') {
        check(resolvePointer(document, schema['$ref']), schema['$ref']);
        return;
      }
      if (hasType(schema, 'integer') && schema['maximum'] === undefined && schema['enum'] === undefined) unbounded.push(where);
      const properties = isObject(schema['properties']) ? schema['properties'] : {};
      for (const [name, property] of Object.entries(properties)) check(property, `${where}.${name}`);
      check(schema['items'], `${where}[]`);
      for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
        const branches = schema[keyword];
        if (Array.isArray(branches)) branches.forEach((branch, index) => check(branch, `${where}.${keyword}[${index}]`));
      }
    };
    for (const { path, method, operation, parameters } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const parameter of parameters) check(parameter['schema'], `${where} ${String(parameter['name'])}`);
      const body = deref(document, operation['requestBody']);
      if (!isObject(body)) continue;
      const content = isObject(body['content']) ? body['content'] : {};
      for (const [mediaType, media] of Object.entries(content)) {
        check(isObject(media) ? media['schema'] : undefined, `${where} ${mediaType}`);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('refuses unknown properties in every object of every request body', () => {
    const loose: string[] = [];
    const visited = new Set<unknown>();
    const check = (schema: unknown, where: string): void => {
      if (!isObject(schema) || visited.has(schema)) return;
      visited.add(schema);
      if (typeof schema['$ref'] === 'string') {
        check(resolvePointer(document, schema['$ref']), schema['$ref']);
        return;
      }
      if (hasType(schema, 'object') && schema['additionalProperties'] !== false) loose.push(where);
      const properties = isObject(schema['properties']) ? schema['properties'] : {};
      for (const [name, property] of Object.entries(properties)) check(property, `${where}.${name}`);
      check(schema['items'], `${where}[]`);
      for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
        const branches = schema[keyword];
        if (Array.isArray(branches)) branches.forEach((branch, index) => check(branch, `${where}.${keyword}[${index}]`));
      }
    };
    for (const { path, method, operation } of operationsOf(document)) {
      const body = deref(document, operation['requestBody']);
      if (!isObject(body)) continue;
      const content = isObject(body['content']) ? body['content'] : {};
      for (const [mediaType, media] of Object.entries(content)) {
        check(isObject(media) ? media['schema'] : undefined, `${method.toUpperCase()} ${path} ${mediaType}`);
      }
    }
    expect(loose).toEqual([]);
  });

  it('has schemas that all compile under strict JSON Schema 2020-12', () => {
    const schemas: [string, unknown][] = Object.entries(document.components['schemas'] ?? {}).map(([name, schema]) => [
      `#/components/schemas/${name}`,
      schema,
    ]);
    walkObjects(document, (node, pointer) => {
      if (!pointer.startsWith('/components/schemas') && !pointer.includes('/properties/') && 'schema' in node) {
        schemas.push([`${pointer}/schema`, node['schema']]);
      }
    });
    expect(schemas.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const [where, schema] of schemas) {
      try {
        compile(service, schema);
      } catch (error) {
        failures.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('the structural check of the documents', () => {
  it('catches a misspelt keyword and a mistyped value', async () => {
    const broken = structuredClone(openApiDocument('directory')) as unknown as { paths: Record<string, Record<string, JsonObject>> };
    const operations = broken.paths['/v1/organizations'];
    if (operations?.['post'] === undefined || operations['get'] === undefined) throw new Error('fixture moved');
    operations['post']['deprecatedd'] = true;
    operations['get']['summary'] = 42;
    const problems = await lintOpenApi(broken, 'broken.json');
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringContaining('post/deprecatedd'), expect.stringContaining('get/summary')]),
    );
  });
});

describe('openApiDocument', () => {
  it('loads each document once and freezes it, so no consumer can change it for the others', () => {
    const first = openApiDocument('consent');
    expect(openApiDocument('consent')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.paths['/v1/consents'])).toBe(true);
    expect(() => {
      (first.info as { title: string }).title = 'changed';
    }).toThrow(TypeError);
  });

  it('refuses a service that does not exist', () => {
    expect(() => openApiDocument('billing' as ServiceName)).toThrow(/Unknown service/);
  });
});

describe('the schemas of the APIs', () => {
  const orgId = '6f1c2b1e-8a4d-4c1e-9a57-2f0b1c3d4e5f';
  const now = '2026-11-23T10:00:00Z';

  it('accept a new organisation and refuse one with an unknown property or an overlong name', () => {
    const validate = schemaValidator('directory', 'NewOrganization');
    const valid: DirectoryApi.components['schemas']['NewOrganization'] = { name: 'Save the Children', acronym: 'SC', type: 'ngo' };
    expect(validate(valid)).toBe(true);
    expect(validate({ ...valid, website: 'https://example.org' })).toBe(false);
    expect(validate({ ...valid, name: 'x'.repeat(201) })).toBe(false);
    expect(validate({ ...valid, type: 'company' })).toBe(false);
  });

  it('describe an organisation as the directory returns it, with nullable optional texts', () => {
    const organization: DirectoryApi.components['schemas']['Organization'] = {
      id: orgId,
      name: 'Ministère des Affaires sociales',
      acronym: null,
      type: 'government',
      description: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    expect(schemaValidator('directory', 'Organization')(organization)).toBe(true);
    const page: DirectoryApi.components['schemas']['OrganizationPage'] = { items: [organization], nextCursor: null };
    expect(schemaValidator('directory', 'OrganizationPage')(page)).toBe(true);
    expect(schemaValidator('directory', 'OrganizationPage')({ items: [organization] })).toBe(false);
  });

  it('accept a consent scoped by field keys and groups, and refuse strictly confidential fields or an identifying case code', () => {
    const validate = schemaValidator('consent', 'NewConsent');
    const consent: ConsentApi.components['schemas']['NewConsent'] = {
      caseCode: 'KIN-2026-0042',
      givenBy: 'caregiver',
      caregiverRelationship: 'mother',
      kind: 'consent',
      method: 'written',
      explainedInLanguage: 'fr',
      scope: {
        recipientOrganizationIds: [orgId],
        fields: ['identity', 'health.conditions'],
        purposes: ['referral'],
      },
      expiresAt: '2027-05-23T10:00:00Z',
    };
    expect(validate(consent), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...consent, scope: { ...consent.scope, fields: ['confidential.notes'] } })).toBe(false);
    expect(validate({ ...consent, scope: { ...consent.scope, fields: ['confidential'] } })).toBe(false);
    expect(validate({ ...consent, caseCode: 'marie dupont' })).toBe(false);
    expect(validate({ ...consent, scope: { ...consent.scope, purposes: [] } })).toBe(false);
    expect(validate({ ...consent, expiresAt: 'next year' })).toBe(false);
    const { expiresAt: _omitted, ...withoutExpiry } = consent;
    expect(validate(withoutExpiry)).toBe(false);
  });

  it('describe a referral summary with its REF- code', () => {
    const summary: ReferralsApi.components['schemas']['ReferralSummary'] = {
      id: '0d9c8b7a-6f5e-4d3c-8b2a-190817263544',
      code: 'REF-7K2QX',
      caseCode: 'KIN-2026-0042',
      status: 'submitted',
      urgency: 'high',
      referringOrganizationId: orgId,
      recipientOrganizationId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
      recipientServiceId: '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
      createdAt: now,
      updatedAt: now,
    };
    expect(schemaValidator('referrals', 'ReferralSummary')(summary)).toBe(true);
    expect(schemaValidator('referrals', 'ReferralSummary')({ ...summary, code: 'REF-7k2qx' })).toBe(false);
  });

  it('accept notification preferences and refuse an unknown channel', () => {
    const validate = schemaValidator('notifications', 'PreferencesUpdate');
    const update: NotificationsApi.components['schemas']['PreferencesUpdate'] = { channels: ['email', 'sms'], language: 'fr' };
    expect(validate(update)).toBe(true);
    expect(validate({ ...update, channels: ['fax'] })).toBe(false);
    expect(validate({ ...update, channels: ['email', 'email'] })).toBe(false);
    expect(validate({ channels: [], language: 'de' })).toBe(false);
  });

  it('describe problems as RFC 9457 objects with field errors', () => {
    const validate = schemaValidator('directory', 'Problem');
    const problem: DirectoryApi.components['schemas']['Problem'] = {
      type: 'about:blank',
      title: 'Invalid request',
      status: 400,
      code: 'validation_failed',
      instance: 'req-123',
      errors: [{ field: '/body/name', message: 'must NOT have more than 200 characters', code: 'maxLength' }],
    };
    expect(validate(problem)).toBe(true);
    expect(validate({ ...problem, code: 'Validation Failed' })).toBe(false);
    expect(validate({ ...problem, errors: [{ message: 'no field' }] })).toBe(false);
  });
});
