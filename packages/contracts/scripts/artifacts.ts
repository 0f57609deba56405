/**
 * Everything `generated/` holds, computed in memory from the sources: the bundled OpenAPI
 * documents, their TypeScript types, the event data types and the field catalogue as JSON.
 *
 * `generate.ts` writes these files, `check.ts` and the freshness test compare them with what is
 * committed. Keeping the computation in one place is what makes the staleness check trustworthy.
 */
import { readFileSync } from 'node:fs';
import { BaseResolver, Source, createConfig, lintDocument } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { parse as parseYaml } from 'yaml';
import {
  CONSENT_WITHDRAWAL_REASONS,
  DECLINE_REASONS,
  NOT_DELIVERED_REASONS,
  PROTECTION_CONCERNS,
  RISK_LEVELS,
} from '../src/codes.js';
import { EVENT_TYPES } from '../src/event-types.js';
import { FIELD_CATALOGUE, FIELD_GROUP_LABELS, FIELD_GROUPS, FIELD_SENSITIVITIES } from '../src/fields.js';
import { REFERRAL_EVENT_TYPES, isReferralEventType, referralEventSchema, referralEventSchemaPath } from '../src/referral-events.js';
import { SERVICE_NAMES } from '../src/services.js';
import type { ServiceName } from '../src/services.js';

/** The package's root directory, as a URL ending in `/`. */
export const PACKAGE_ROOT = new URL('../', import.meta.url);

/** The folder (relative to the package root) that holds every generated file. */
export const GENERATED_DIR = 'generated';

/** One generated file: its path relative to the package root and its exact content. */
export type Artifact = { path: string; content: string };

/**
 * The folders holding generated files, and which of their files are generated: every file of
 * `generated/`, and the `referral.*` schemas of `events/` (the other event schemas are sources).
 * A generated-looking file there that the sources no longer produce is stale.
 */
export const GENERATED_PLACES: readonly { dir: string; holds: (name: string) => boolean }[] = [
  { dir: GENERATED_DIR, holds: () => true },
  { dir: 'events', holds: (name) => name.startsWith('referral.') && name.endsWith('.json') },
];

type JsonObject = { [key: string]: unknown };

const EVENTS_BASE = 'https://schemas.referral-hub.org/events/';
const EVENT_DEF_FILES = ['envelope.json', 'common.json'] as const;
const COMMON_REF_PREFIXES = ['./common.yaml#', 'common.yaml#'];

/** Component sections in the order the bundled documents list them. */
const COMPONENT_SECTIONS = [
  'schemas',
  'parameters',
  'headers',
  'requestBodies',
  'responses',
  'securitySchemes',
  'examples',
  'links',
  'callbacks',
  'pathItems',
] as const;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readText(relativePath: string): string {
  return readFileSync(new URL(relativePath, PACKAGE_ROOT), 'utf8');
}

function readYaml(relativePath: string): JsonObject {
  const value: unknown = parseYaml(readText(relativePath));
  if (!isObject(value)) throw new Error(`${relativePath} is not a YAML mapping`);
  return value;
}

function readJson(relativePath: string): JsonObject {
  const value: unknown = JSON.parse(readText(relativePath));
  if (!isObject(value)) throw new Error(`${relativePath} is not a JSON object`);
  return value;
}

function stringify(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Splits `#/components/<section>/<name>` (the only shape a shared reference may take). */
function componentPointer(pointer: string, ref: string): { section: string; name: string } {
  const parts = pointer.split('/');
  const [hash, components, section, name] = parts;
  if (parts.length !== 4 || hash !== '#' || components !== 'components' || !section || !name) {
    throw new Error(`unsupported reference ${ref}: shared references must point at #/components/<section>/<name>`);
  }
  return { section, name };
}

/**
 * Bundles `openapi/<service>.yaml` into one self-contained document: every reference into
 * `common.yaml` becomes a local `#/components/...` reference and the shared component (with what
 * it references in turn) is copied into the document's own components. Shared path items (the
 * probes) are inlined, since operations under `paths` are what tools read.
 */
export function bundleOpenApi(service: ServiceName): JsonObject {
  const common = readYaml('openapi/common.yaml');
  const doc = readYaml(`openapi/${service}.yaml`);
  const commonComponents = isObject(common['components']) ? common['components'] : {};
  const ownComponents = isObject(doc['components']) ? doc['components'] : {};
  const copied = new Map<string, Map<string, unknown>>();

  const sectionOf = (components: JsonObject, section: string): JsonObject => {
    const value = components[section];
    return isObject(value) ? value : {};
  };

  const copyShared = (section: string, name: string, ref: string): void => {
    const sectionCopies = copied.get(section) ?? new Map<string, unknown>();
    copied.set(section, sectionCopies);
    if (sectionCopies.has(name)) return;
    if (name in sectionOf(ownComponents, section)) {
      throw new Error(`${service}.yaml defines components.${section}.${name}, which is also shared; rename one`);
    }
    const source = sectionOf(commonComponents, section)[name];
    if (source === undefined) throw new Error(`${service}.yaml: ${ref} does not exist in common.yaml`);
    // Reserve the name first so that a cycle of references terminates.
    sectionCopies.set(name, null);
    sectionCopies.set(name, walk(source, 'common'));
  };

  const walk = (node: unknown, origin: 'service' | 'common'): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, origin));
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const prefix = COMMON_REF_PREFIXES.find((candidate) => value.startsWith(candidate));
        if (prefix !== undefined || (origin === 'common' && value.startsWith('#/'))) {
          const pointer = prefix === undefined ? value : `#${value.slice(prefix.length)}`;
          const { section, name } = componentPointer(pointer, value);
          copyShared(section, name, value);
          out[key] = `#/components/${section}/${name}`;
        } else if (value.startsWith('#/')) {
          out[key] = value;
        } else {
          throw new Error(`${service}.yaml: unsupported reference ${value} (only common.yaml and local references)`);
        }
      } else {
        out[key] = walk(value, origin);
      }
    }
    return out;
  };

  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(isObject(doc['paths']) ? doc['paths'] : {})) {
    const ref = isObject(item) ? item['$ref'] : undefined;
    const prefix = typeof ref === 'string' ? COMMON_REF_PREFIXES.find((candidate) => ref.startsWith(candidate)) : undefined;
    if (typeof ref === 'string' && prefix !== undefined) {
      const { section, name } = componentPointer(`#${ref.slice(prefix.length)}`, ref);
      const shared = sectionOf(commonComponents, section)[name];
      if (section !== 'pathItems' || shared === undefined || Object.keys(item as JsonObject).length !== 1) {
        throw new Error(`${service}.yaml: path ${path} must reference an existing common path item and nothing else`);
      }
      paths[path] = walk(shared, 'common');
    } else {
      paths[path] = walk(item, 'service');
    }
  }

  const ownWalked = walk(ownComponents, 'service') as JsonObject;
  // Security schemes are referenced by name from `security`, never by $ref, so all are copied.
  for (const name of Object.keys(sectionOf(commonComponents, 'securitySchemes'))) {
    copyShared('securitySchemes', name, `common.yaml#/components/securitySchemes/${name}`);
  }

  const components: JsonObject = {};
  const knownSections = new Set<string>(COMPONENT_SECTIONS);
  for (const section of Object.keys(ownWalked)) {
    if (!knownSections.has(section)) throw new Error(`${service}.yaml: unknown components section ${section}`);
  }
  for (const section of COMPONENT_SECTIONS) {
    const entries: [string, unknown][] = [
      ...Object.entries(sectionOf(ownWalked, section)),
      ...(copied.get(section) ?? new Map<string, unknown>()).entries(),
    ];
    if (entries.length === 0) continue;
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    components[section] = Object.fromEntries(entries);
  }

  const bundled: JsonObject = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'paths') bundled[key] = paths;
    else if (key === 'components') continue;
    else bundled[key] = walk(value, 'service');
  }
  bundled['components'] = components;
  return bundled;
}

/** The `referral.*` event schemas, generated from `src/referral-events.ts`. */
export function referralEventArtifacts(): Artifact[] {
  return REFERRAL_EVENT_TYPES.map((type) => ({ path: referralEventSchemaPath(type), content: stringify(referralEventSchema(type)) }));
}

/**
 * Every event schema by type (the `referral.*` ones as generated, the others as committed under
 * `events/`) and the shared definition files by file name.
 */
export function readEventSchemas(): { defs: Record<string, JsonObject>; events: Record<string, JsonObject> } {
  const defs: Record<string, JsonObject> = {};
  for (const file of EVENT_DEF_FILES) defs[file] = readJson(`events/${file}`);
  const events: Record<string, JsonObject> = {};
  for (const type of EVENT_TYPES) {
    events[type] = isReferralEventType(type) ? referralEventSchema(type) : readJson(`events/${type}.v1.json`);
  }
  return { defs, events };
}

/**
 * A components-only OpenAPI document whose schemas are the event data types (named by event
 * type) and their building blocks, so that openapi-typescript can type the events exactly as their
 * JSON Schemas describe them.
 */
export function eventDataDocument(): JsonObject {
  const { defs, events } = readEventSchemas();
  const schemas: JsonObject = {};

  const rewrite = (node: unknown, file: string): unknown => {
    if (Array.isArray(node)) return node.map((item) => rewrite(item, file));
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const absolute = value.startsWith('#') ? `${EVENTS_BASE}${file}${value}` : value;
        const match = /^https:\/\/schemas\.referral-hub\.org\/events\/(envelope|common)\.json#\/\$defs\/([A-Za-z0-9]+)$/.exec(
          absolute,
        );
        if (match === null) throw new Error(`events: unsupported reference ${value} in ${file}`);
        out[key] = `#/components/schemas/${match[2] ?? ''}`;
      } else {
        out[key] = rewrite(value, file);
      }
    }
    return out;
  };

  for (const [file, schema] of Object.entries(defs)) {
    const fileDefs = isObject(schema['$defs']) ? schema['$defs'] : {};
    for (const [name, def] of Object.entries(fileDefs)) {
      if (name in schemas) throw new Error(`events: $defs name ${name} is used by two files`);
      schemas[name] = rewrite(def, file);
    }
  }
  for (const [type, schema] of Object.entries(events)) {
    const properties = isObject(schema['properties']) ? schema['properties'] : {};
    const data = properties['data'];
    if (!isObject(data)) throw new Error(`events/${type}.v1.json has no data schema`);
    schemas[type] = { description: schema['description'], ...(rewrite(data, `${type}/v1.json`) as JsonObject) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Referral hub event data',
      version: '1',
      description: 'Generated from events/*.json to type the events; not an API.',
    },
    paths: {},
    components: { schemas },
  };
}

/** The field catalogue and its code lists as plain JSON, for consumers not written in TypeScript. */
export function fieldCatalogueDocument(): JsonObject {
  return {
    $comment: 'Generated by packages/contracts/scripts/generate.ts from src/fields.ts and src/codes.ts. Do not edit.',
    groups: FIELD_GROUPS.map((name) => ({ name, labels: FIELD_GROUP_LABELS[name] })),
    sensitivities: FIELD_SENSITIVITIES,
    fields: FIELD_CATALOGUE,
    codeLists: {
      protectionConcerns: PROTECTION_CONCERNS,
      riskLevels: RISK_LEVELS,
      declineReasons: DECLINE_REASONS,
      notDeliveredReasons: NOT_DELIVERED_REASONS,
      consentWithdrawalReasons: CONSENT_WITHDRAWAL_REASONS,
    },
  };
}

/**
 * Lints a bundled document with Redocly's `recommended` rules, which include the structural check
 * of OpenAPI 3.1 (unknown or mistyped properties anywhere). Returns one line per problem.
 * Two rules are off: `info-license` (the hub has not chosen its licence yet) and
 * `operation-4xx-response` (the probes have none; test/openapi.test.ts checks error responses
 * more precisely).
 */
export async function lintOpenApi(document: unknown, name: string): Promise<string[]> {
  const config = await createConfig({
    extends: ['recommended'],
    rules: { 'info-license': 'off', 'operation-4xx-response': 'off' },
  });
  const problems = await lintDocument({
    document: { source: new Source(name, JSON.stringify(document, null, 2)), parsed: document },
    config: config.styleguide,
    externalRefResolver: new BaseResolver(config.resolve),
  });
  return problems.map(
    (problem) => `${name}${problem.location[0]?.pointer ?? ''}: ${problem.severity} ${problem.ruleId}: ${problem.message}`,
  );
}

async function typesFor(document: JsonObject, header: string): Promise<string> {
  // openapi-typescript may annotate the object it is given; hand it a copy.
  const ast = await openapiTS(structuredClone(document) as unknown as OpenAPI3, {
    // A default is the server's business: a client may still omit the property.
    defaultNonNullable: false,
    silent: false,
  });
  return `${header}\n${astToString(ast)}`;
}

function typesHeader(source: string): string {
  return [
    '/**',
    ` * Generated by scripts/generate.ts from ${source}.`,
    ' * Do not edit: change the source and run `pnpm --filter @referral-hub/contracts generate`.',
    ' */',
  ].join('\n');
}

/** Computes every generated file. Deterministic: the same sources always give the same bytes. */
export async function renderArtifacts(): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const service of SERVICE_NAMES) {
    const document = bundleOpenApi(service);
    // A document that breaks the OpenAPI structure must never be published, even as a draft.
    const problems = await lintOpenApi(document, `${service}.openapi.json`);
    if (problems.length > 0) throw new Error(`openapi/${service}.yaml has problems:\n${problems.join('\n')}`);
    artifacts.push({ path: `${GENERATED_DIR}/${service}.openapi.json`, content: stringify(document) });
    artifacts.push({
      path: `${GENERATED_DIR}/${service}.ts`,
      content: await typesFor(document, typesHeader(`openapi/${service}.yaml and openapi/common.yaml`)),
    });
  }
  artifacts.push({
    path: `${GENERATED_DIR}/events.ts`,
    content: await typesFor(eventDataDocument(), typesHeader('the data schemas of events/*.json')),
  });
  artifacts.push({ path: `${GENERATED_DIR}/field-catalogue.json`, content: stringify(fieldCatalogueDocument()) });
  artifacts.push(...referralEventArtifacts());
  return artifacts;
}
