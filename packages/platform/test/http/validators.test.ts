import { SERVICE_NAMES, openApiDocument } from '@referral-hub/contracts';
import { describe, expect, it } from 'vitest';
import { readOperations } from '../../src/http/openapi.js';
import type { OpenApiDocument } from '../../src/http/openapi.js';
import { compileValidators } from '../../src/http/validation.js';

const operationsOf = (document: OpenApiDocument) => readOperations(document).flatMap((path) => [...path.operations.values()]);

describe('compiled request validators', () => {
  // The services compile an operation's validators on its first request (to keep
  // idle memory down), so a schema Ajv cannot compile would only show then: here
  // every operation of every service is compiled at once.
  it.each(SERVICE_NAMES)("compile for every operation of %s's API", (service) => {
    const document = openApiDocument(service) as OpenApiDocument;
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(0);
    const validators = compileValidators(document, operations);
    for (const operation of operations) expect(validators.get(operation), operation.operationId).toBeDefined();
  });

  it('compile lazily an operation on its first lookup, once, and know no other operation', () => {
    const document = openApiDocument('consent') as OpenApiDocument;
    const [first, second] = operationsOf(document);
    if (first === undefined || second === undefined) throw new Error('the consent API has fewer than two operations');
    const validators = compileValidators(document, [first], { lazy: true });
    const compiled = validators.get(first);
    expect(compiled).toBeDefined();
    expect(validators.get(first)).toBe(compiled);
    expect(validators.get(second)).toBeUndefined();
  });

  it('refuse at once, naming the operation, a schema that cannot compile when not lazy, and on first use when lazy', () => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'broken', version: '1' },
      paths: {
        '/things': {
          post: {
            operationId: 'createThing',
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', minProperties: 'two' } } } },
            responses: { '204': { description: 'done' } },
          },
        },
      },
      components: {},
    } as unknown as OpenApiDocument;
    const operations = operationsOf(document);
    expect(() => compileValidators(document, operations)).toThrow(/createThing: cannot compile its schemas/);
    const lazy = compileValidators(document, operations, { lazy: true });
    const [operation] = operations;
    if (operation === undefined) throw new Error('no operation read');
    expect(() => lazy.get(operation)).toThrow(/createThing: cannot compile its schemas/);
  });

  it('refuse at once, even when lazy, a $ref that resolves nowhere, however deep', () => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'broken', version: '1' },
      paths: {
        '/things': {
          post: {
            operationId: 'createThing',
            requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            responses: { '204': { description: 'done' } },
          },
        },
      },
      components: { schemas: { Thing: { type: 'object', properties: { part: { items: { $ref: '#/components/schemas/Missing' } } } } } },
    } as unknown as OpenApiDocument;
    expect(() => compileValidators(document, operationsOf(document), { lazy: true })).toThrow(/createThing: cannot compile its schemas: unresolved \$ref #\/components\/schemas\/Missing/);
  });
});
