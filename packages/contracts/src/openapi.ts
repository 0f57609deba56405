import { readFileSync } from 'node:fs';
import { deepFreeze } from './freeze.js';
import { SERVICE_NAMES, isServiceName } from './services.js';
import type { ServiceName } from './services.js';

/**
 * A bundled OpenAPI 3.1 document, typed loosely: enough to route and validate by, while the exact
 * shapes of requests and responses come from the generated `*Api` types.
 */
export type OpenApiDocument = {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly [key: string]: unknown };
  readonly paths: { readonly [path: string]: { readonly [key: string]: unknown } };
  readonly components: { readonly [section: string]: { readonly [name: string]: unknown } };
  readonly security?: readonly { readonly [scheme: string]: readonly string[] }[];
  readonly [key: string]: unknown;
};

const documents = new Map<ServiceName, OpenApiDocument>();

/**
 * The bundled, self-contained OpenAPI document of a service (`generated/<service>.openapi.json`).
 * Read once and deep-frozen, so every caller shares one copy that nobody can alter.
 *
 * @throws Error when `service` is not a service of the hub.
 */
export function openApiDocument(service: ServiceName): OpenApiDocument {
  const cached = documents.get(service);
  if (cached !== undefined) return cached;
  if (!isServiceName(service)) {
    throw new Error(`Unknown service ${JSON.stringify(service)}; expected one of ${SERVICE_NAMES.join(', ')}`);
  }
  // Resolved from this file so it works from src/ (tests) and from dist/src/ (built package) alike.
  const url = new URL(`../generated/${service}.openapi.json`, import.meta.url);
  const document = deepFreeze(JSON.parse(readFileSync(url, 'utf8')) as OpenApiDocument);
  documents.set(service, document);
  return document;
}

type JsonObject = { [key: string]: unknown };

const COMPONENT_SCHEMA_REF = '#/components/schemas/';

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      if (!value.startsWith(COMPONENT_SCHEMA_REF)) {
        throw new Error(`A schema may only reference ${COMPONENT_SCHEMA_REF}*, not ${value}`);
      }
      out[key] = `#/$defs/${value.slice(COMPONENT_SCHEMA_REF.length)}`;
    } else {
      out[key] = rewriteRefs(value);
    }
  }
  return out;
}

/**
 * Turns a schema object of a service's OpenAPI document (for example a request body's schema)
 * into a standalone JSON Schema draft 2020-12 that any validator can compile: references to
 * `#/components/schemas/X` become `#/$defs/X`, and the document's schemas are carried as `$defs`.
 *
 * @throws Error when the schema references anything but `#/components/schemas/*`.
 */
export function openApiJsonSchema(service: ServiceName, schema: unknown): JsonObject {
  const document = openApiDocument(service);
  const rewritten = rewriteRefs(schema);
  const base: JsonObject =
    rewritten !== null && typeof rewritten === 'object' && !Array.isArray(rewritten) ? (rewritten as JsonObject) : {};
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...base,
    $defs: rewriteRefs(document.components['schemas'] ?? {}),
  };
}
