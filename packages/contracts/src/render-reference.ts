/**
 * Renders the API reference (`docs/api/<service>.md` and `docs/api/README.md`)
 * from the bundled OpenAPI documents, so that the reference people read is the
 * contract the services validate against, never a second description of it.
 *
 *   node --import tsx src/render-reference.ts            write docs/api/
 *   node --import tsx src/render-reference.ts --check    exit 1 when docs/api/ is stale
 *
 * Run by the package's `generate` and `check` scripts, after the bundled
 * documents are regenerated. Deterministic: the same documents always give
 * the same bytes (document order, no dates).
 *
 * "Who may call it" comes from the contract: `security: []` means anyone;
 * otherwise the operation's `x-access` text says who (roles, and how the
 * caller's organisation must stand to the resource), as the service's access
 * policy decides it. Every operation of the hub's contracts carries one
 * (test/reference.test.ts fails otherwise); a description is never mined for
 * it, so what the page says is exactly what the contract states. Without
 * either, the page says the contract does not say.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openApiDocument } from './openapi.js';
import type { OpenApiDocument } from './openapi.js';
import { SERVICE_NAMES } from './services.js';
import type { ServiceName } from './services.js';

/** One rendered file: its path relative to `docs/api/`, and its content. */
export type ReferenceFile = { path: string; content: string };

/** One operation of a document, in document order. */
export type ReferenceOperation = { service: ServiceName; method: string; path: string; operationId: string; summary: string };

type JsonObject = { readonly [key: string]: unknown };

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'] as const;
const SCHEMA_REF = '#/components/schemas/';

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A table cell: one line, pipes escaped. */
function cell(value: string): string {
  return value.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

/** Follows a local `$ref` (any depth) to the node it names. */
function resolveRef(document: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references can be rendered, not ${ref}`);
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : undefined;
  }
  if (node === undefined) throw new Error(`${ref} does not exist`);
  return node;
}

/** The node behind a chain of `$ref`s. */
function deref(document: OpenApiDocument, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current['$ref'] === 'string'; hops += 1) {
    if (hops > 20) throw new Error('reference cycle');
    current = resolveRef(document, current['$ref']);
  }
  return current;
}

function schemaName(node: unknown): string | undefined {
  if (!isObject(node) || typeof node['$ref'] !== 'string' || !node['$ref'].startsWith(SCHEMA_REF)) return undefined;
  return node['$ref'].slice(SCHEMA_REF.length);
}

function anchorOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function schemaLink(name: string): string {
  return `[\`${name}\`](#schema-${anchorOf(name)})`;
}

/** A schema's type in a few words: `string (uuid)`, `array of Organization`, `one of: A, B`, `"fr" \| "en"`. */
function typeOf(document: OpenApiDocument, node: unknown, link: (name: string) => string): string {
  const name = schemaName(node);
  if (name !== undefined) return link(name);
  if (!isObject(node)) return 'any';
  if (Array.isArray(node['enum'])) return node['enum'].map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  if ('const' in node) return `\`${JSON.stringify(node['const'])}\``;
  for (const combiner of ['oneOf', 'anyOf'] as const) {
    const variants = node[combiner];
    if (Array.isArray(variants)) return `one of: ${variants.map((v) => typeOf(document, v, link)).join('; ')}`;
  }
  if (Array.isArray(node['allOf'])) return node['allOf'].map((v) => typeOf(document, v, link)).join(' and ');
  const types = Array.isArray(node['type']) ? node['type'].map(String) : typeof node['type'] === 'string' ? [node['type']] : [];
  const described = types.map((t) => {
    if (t === 'array') return `array of ${typeOf(document, node['items'], link)}`;
    if (t === 'string' && typeof node['format'] === 'string') return `string (${node['format']})`;
    if (t === 'object' && isObject(node['additionalProperties']) && !isObject(node['properties'])) {
      return `map of ${typeOf(document, node['additionalProperties'], link)}`;
    }
    return t;
  });
  return described.length > 0 ? described.join(' or ') : isObject(node['properties']) ? 'object' : 'any';
}

/** Limits worth telling a client: bounds, lengths, pattern, default. */
function constraintsOf(node: unknown): string {
  if (!isObject(node)) return '';
  const parts: string[] = [];
  const bound = (key: string, label: string) => {
    if (typeof node[key] === 'number') parts.push(`${label} ${String(node[key])}`);
  };
  bound('minimum', 'min');
  bound('maximum', 'max');
  bound('minLength', 'min length');
  bound('maxLength', 'max length');
  bound('minItems', 'min items');
  bound('maxItems', 'max items');
  if (typeof node['pattern'] === 'string') parts.push(`pattern \`${node['pattern']}\``);
  if ('default' in node) parts.push(`default \`${JSON.stringify(node['default'])}\``);
  return parts.join(', ');
}

type Field = { name: string; type: string; required: boolean; description: string };

/** The properties of an object schema (merging `allOf`), with the named schemas they refer to. */
function fieldsOf(document: OpenApiDocument, schema: unknown, link: (name: string) => string): Field[] | undefined {
  const node = deref(document, schema);
  if (!isObject(node)) return undefined;
  const parts = Array.isArray(node['allOf']) ? node['allOf'].map((part) => deref(document, part)).filter(isObject) : [];
  const sources = [node, ...parts];
  const properties = sources.flatMap((source) => (isObject(source['properties']) ? Object.entries(source['properties']) : []));
  if (properties.length === 0) return undefined;
  const required = new Set(sources.flatMap((source) => (Array.isArray(source['required']) ? source['required'].map(String) : [])));
  return properties.map(([name, property]) => {
    const own = isObject(property) ? property : {};
    const target = deref(document, property);
    const description = text(own['description']) || (isObject(target) ? text(target['description']) : '');
    const limits = constraintsOf(target);
    return {
      name,
      type: typeOf(document, property, link),
      required: required.has(name),
      description: [description, limits === '' ? '' : `(${limits})`].filter((p) => p !== '').join(' '),
    };
  });
}

function fieldTable(fields: Field[]): string[] {
  return [
    '| Field | Type | Required | Description |',
    '|---|---|---|---|',
    ...fields.map((f) => `| \`${f.name}\` | ${cell(f.type)} | ${f.required ? 'yes' : 'no'} | ${cell(f.description)} |`),
  ];
}

/** Every operation of a document, in document order (paths as written, methods in HTTP order). */
export function operationsOf(service: ServiceName, document: OpenApiDocument = openApiDocument(service)): (ReferenceOperation & { operation: JsonObject; pathItem: JsonObject })[] {
  const operations = [];
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      operations.push({
        service,
        method: method.toUpperCase(),
        path,
        operationId: text(operation['operationId']),
        summary: text(operation['summary']),
        operation,
        pathItem,
      });
    }
  }
  return operations;
}

/** Whether an operation is open to anyone: `security: []` on it, or on the whole document. */
export function isPublic(document: OpenApiDocument, operation: JsonObject): boolean {
  const security = operation['security'] ?? document.security;
  return Array.isArray(security) && security.length === 0;
}

/**
 * Who may call an operation, as the contract says it (see the file's comment),
 * or `undefined` when it does not say: only `security: []` and `x-access` count.
 */
export function accessOf(document: OpenApiDocument, operation: JsonObject): string | undefined {
  if (isPublic(document, operation)) return 'Anyone: no token needed.';
  const stated = text(operation['x-access']).trim();
  return stated === '' ? undefined : `A bearer token. ${stated}`;
}

function parametersSection(document: OpenApiDocument, pathItem: JsonObject, operation: JsonObject, used: Set<string>): string[] {
  const track = (name: string) => {
    used.add(name);
    return schemaLink(name);
  };
  const raw = [
    ...(Array.isArray(pathItem['parameters']) ? pathItem['parameters'] : []),
    ...(Array.isArray(operation['parameters']) ? operation['parameters'] : []),
  ];
  const parameters = raw.map((p) => deref(document, p)).filter(isObject);
  if (parameters.length === 0) return [];
  return [
    '**Parameters**',
    '',
    '| Name | In | Required | Type | Description |',
    '|---|---|---|---|---|',
    ...parameters.map((p) => {
      const limits = constraintsOf(deref(document, p['schema']));
      const description = [text(p['description']), limits === '' ? '' : `(${limits})`].filter((part) => part !== '').join(' ');
      return `| \`${text(p['name'])}\` | ${text(p['in'])} | ${p['required'] === true ? 'yes' : 'no'} | ${cell(typeOf(document, p['schema'], track))} | ${cell(description)} |`;
    }),
    '',
  ];
}

function requestBodySection(document: OpenApiDocument, operation: JsonObject, used: Set<string>): string[] {
  const body = deref(document, operation['requestBody']);
  if (!isObject(body) || !isObject(body['content'])) return [];
  const lines: string[] = [];
  const track = (name: string) => {
    used.add(name);
    return schemaLink(name);
  };
  for (const [mediaType, media] of Object.entries(body['content'])) {
    const schema = isObject(media) ? media['schema'] : undefined;
    const name = schemaName(schema);
    if (name !== undefined) used.add(name);
    lines.push(`**Request body** (\`${mediaType}\`${body['required'] === true ? ', required' : ''})${name === undefined ? '' : `: ${schemaLink(name)}`}`, '');
    if (text(body['description']) !== '') lines.push(cell(text(body['description'])), '');
    const fields = fieldsOf(document, schema, track);
    if (fields !== undefined) lines.push(...fieldTable(fields), '');
    else lines.push(`Type: ${cell(typeOf(document, schema, track))}`, '');
  }
  return lines;
}

function responsesSection(document: OpenApiDocument, operation: JsonObject, problems: Set<string>): string[] {
  const responses = isObject(operation['responses']) ? operation['responses'] : {};
  const rows = Object.entries(responses)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([status, response]) => {
      const ref = isObject(response) && typeof response['$ref'] === 'string' ? response['$ref'] : undefined;
      const named = ref?.startsWith('#/components/responses/') === true ? ref.slice('#/components/responses/'.length) : undefined;
      const resolved = deref(document, response);
      const content = isObject(resolved) && isObject(resolved['content']) ? Object.entries(resolved['content']) : [];
      const bodies = content.map(([mediaType, media]) => {
        const schema = isObject(media) ? media['schema'] : undefined;
        if (mediaType === 'application/problem+json') return `problem${named === undefined ? '' : ` [\`${named}\`](#problem-${anchorOf(named)})`}`;
        return `${typeOf(document, schema, (name) => `\`${name}\``)} (\`${mediaType}\`)`;
      });
      if (named !== undefined && content.some(([mediaType]) => mediaType === 'application/problem+json')) problems.add(named);
      const description = isObject(resolved) ? text(resolved['description']) : '';
      return `| ${status} | ${cell(description)} | ${cell(bodies.join('; ') || '—')} |`;
    });
  return ['**Responses**', '', '| Status | When | Body |', '|---|---|---|', ...rows, ''];
}

/** The schemas request bodies use, and those they use in turn, in name order. */
function reachableSchemas(document: OpenApiDocument, roots: Set<string>): string[] {
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isObject(node)) return;
    const name = schemaName(node);
    if (name !== undefined) {
      if (seen.has(name)) return;
      seen.add(name);
      visit(resolveRef(document, `${SCHEMA_REF}${name}`));
      return;
    }
    Object.values(node).forEach(visit);
  };
  for (const root of roots) visit({ $ref: `${SCHEMA_REF}${root}` });
  return [...seen].sort();
}

function schemaSection(document: OpenApiDocument, name: string): string[] {
  const schema = resolveRef(document, `${SCHEMA_REF}${name}`);
  const lines = [`<a id="schema-${anchorOf(name)}"></a>`, `### \`${name}\``, ''];
  if (isObject(schema) && text(schema['description']) !== '') lines.push(cell(text(schema['description'])), '');
  const fields = fieldsOf(document, schema, schemaLink);
  if (fields !== undefined) {
    lines.push(...fieldTable(fields), '');
  } else {
    const limits = constraintsOf(schema);
    lines.push(`Type: ${cell(typeOf(document, schema, schemaLink))}${limits === '' ? '' : ` (${limits})`}`, '');
  }
  return lines;
}

function problemSection(document: OpenApiDocument, problems: Set<string>): string[] {
  if (problems.size === 0) return [];
  const lines = [
    '## Problem responses',
    '',
    'Every error is an `application/problem+json` body (RFC 9457): `type`, `title`, `status`, a stable',
    '`code`, a `detail` safe to show, `instance` (the request id, also in `X-Request-Id`), and for',
    'invalid input `errors`, one entry per bad field. See [the problem format](README.md#problems).',
    '',
    '| Response | Status | When |',
    '|---|---|---|',
  ];
  const statuses = new Map<string, string>();
  for (const { operation } of Object.values(document.paths).flatMap((item) => METHODS.map((m) => ({ operation: item[m] })))) {
    if (!isObject(operation) || !isObject(operation['responses'])) continue;
    for (const [status, response] of Object.entries(operation['responses'])) {
      const ref = isObject(response) ? text(response['$ref']) : '';
      if (ref.startsWith('#/components/responses/')) statuses.set(ref.slice('#/components/responses/'.length), status);
    }
  }
  for (const name of [...problems].sort((a, b) => (statuses.get(a) ?? '').localeCompare(statuses.get(b) ?? '') || a.localeCompare(b))) {
    const response = resolveRef(document, `#/components/responses/${name}`);
    const description = isObject(response) ? text(response['description']) : '';
    lines.push(`| <a id="problem-${anchorOf(name)}"></a>\`${name}\` | ${statuses.get(name) ?? ''} | ${cell(description)} |`);
  }
  return [...lines, ''];
}

/** The reference page of one service. */
export function renderServiceReference(service: ServiceName, document: OpenApiDocument = openApiDocument(service)): string {
  const info = document.info;
  const operations = operationsOf(service, document);
  const tags = Array.isArray(document['tags']) ? document['tags'].filter(isObject) : [];
  const tagOrder = tags.map((tag) => text(tag['name']));
  const groupOf = (operation: JsonObject): string => {
    const own = Array.isArray(operation['tags']) ? operation['tags'].map(String) : [];
    return own[0] ?? 'other';
  };
  const groups = [...new Set([...tagOrder, ...operations.map((o) => groupOf(o.operation))])].filter((group) =>
    operations.some((o) => groupOf(o.operation) === group),
  );

  const schemes = isObject(document.components['securitySchemes']) ? Object.values(document.components['securitySchemes']) : [];
  const auth = schemes.map((scheme) => (isObject(scheme) ? text(scheme['description']) : '')).filter((d) => d !== '');

  const lines: string[] = [
    `# ${info.title}`,
    '',
    `<!-- Generated from packages/contracts/openapi/${service}.yaml by packages/contracts/src/render-reference.ts. Do not edit: change the contract and run \`npm run contracts:generate\`. -->`,
    '',
    `Version ${info.version}. ${cell(text(info['description']))}`,
    '',
    `The machine-readable contract is [\`generated/${service}.openapi.json\`](../../packages/contracts/generated/${service}.openapi.json), also served by the service at \`GET /openapi.json\`. Requests are validated against it: bad input is answered \`400\` with a problem naming each field.`,
    '',
  ];
  if (auth.length > 0) lines.push(`**Authentication.** ${auth.map(cell).join(' ')} Send it as \`Authorization: Bearer <token>\`.`, '');

  lines.push('## Operations', '', '| Method | Path | Summary |', '|---|---|---|');
  for (const o of operations) lines.push(`| ${o.method} | \`${o.path}\` | [${cell(o.summary)}](#${anchorOf(o.operationId)}) |`);
  lines.push('');

  const used = new Set<string>();
  const problems = new Set<string>();
  for (const group of groups) {
    const tag = tags.find((t) => t['name'] === group);
    lines.push(`## ${group}`, '');
    if (tag !== undefined && text(tag['description']) !== '') lines.push(cell(text(tag['description'])), '');
    for (const o of operations.filter((op) => groupOf(op.operation) === group)) {
      lines.push(`<a id="${anchorOf(o.operationId)}"></a>`, `### ${o.summary}`, '', `\`${o.method} ${o.path}\` · operation \`${o.operationId}\``, '');
      const description = text(o.operation['description']);
      if (description !== '') lines.push(cell(description), '');
      const access =
        accessOf(document, o.operation) ??
        `A bearer token; the contract does not say which roles or organisations (see the [${service} README](../../services/${service}/README.md)).`;
      lines.push(`**Who may call it.** ${cell(access)}`, '');
      lines.push(...parametersSection(document, o.pathItem, o.operation, used));
      lines.push(...requestBodySection(document, o.operation, used));
      lines.push(...responsesSection(document, o.operation, problems));
    }
  }

  lines.push(...problemSection(document, problems));
  const schemas = reachableSchemas(document, used);
  if (schemas.length > 0) {
    lines.push('## Request schemas', '', 'The shapes parameters and request bodies are made of (responses name their schema; the JSON document has them all).', '');
    for (const name of schemas) lines.push(...schemaSection(document, name));
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** The index page: every service, every operation. */
export function renderReferenceIndex(documents: Record<ServiceName, OpenApiDocument>): string {
  const lines: string[] = [
    '# API reference',
    '',
    '<!-- Generated by packages/contracts/src/render-reference.ts from the OpenAPI documents. Do not edit: change the contract and run `npm run contracts:generate`. -->',
    '',
    'Each service of the hub has its own REST API, described by an OpenAPI 3.1 document in',
    '[`packages/contracts/openapi/`](../../packages/contracts/openapi) (the single source of truth,',
    '[ADR 4](../adr/0004-contracts-single-source.md)). These pages are rendered from those documents.',
    'Locally the services listen on 127.0.0.1: directory 4010, consent 4020, referrals 4030,',
    'notifications 4040 ([infra](../../infra/README.md)); `npm run hub -- token` prints a token to call them with.',
    '',
    '| Service | Operations | What it is |',
    '|---|---|---|',
  ];
  for (const service of SERVICE_NAMES) {
    const document = documents[service];
    lines.push(`| [${service}](${service}.md) | ${operationsOf(service, document).length} | ${cell(text(document.info['description']).split(/(?<=\.)\s/)[0] ?? '')} |`);
  }
  lines.push('');
  for (const service of SERVICE_NAMES) {
    const document = documents[service];
    lines.push(`## ${service}`, '', '| Method | Path | Summary |', '|---|---|---|');
    for (const o of operationsOf(service, document)) lines.push(`| ${o.method} | \`${o.path}\` | [${cell(o.summary)}](${service}.md#${anchorOf(o.operationId)}) |`);
    lines.push('');
  }
  // The problem format is shared (common.yaml): every document carries the same copy.
  const schemas = documents.directory.components['schemas'];
  lines.push('<a id="problems"></a>', '## Problems', '');
  for (const name of ['Problem', 'ProblemFieldError']) {
    const schema = isObject(schemas) ? schemas[name] : undefined;
    const fields = fieldsOf(documents.directory, schema, (other) => `\`${other}\``);
    lines.push(`### \`${name}\``, '');
    if (isObject(schema)) lines.push(cell(text(schema['description'])), '');
    if (fields !== undefined) lines.push(...fieldTable(fields), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Every file of `docs/api/`, computed from the bundled documents. */
export function renderReference(documents: Record<ServiceName, OpenApiDocument> = loadDocuments()): ReferenceFile[] {
  return [
    { path: 'README.md', content: renderReferenceIndex(documents) },
    ...SERVICE_NAMES.map((service) => ({ path: `${service}.md`, content: renderServiceReference(service, documents[service]) })),
  ];
}

function loadDocuments(): Record<ServiceName, OpenApiDocument> {
  return Object.fromEntries(SERVICE_NAMES.map((service) => [service, openApiDocument(service)])) as Record<ServiceName, OpenApiDocument>;
}

/** `docs/api/` of the repository this package lives in (the folder above that holds `pnpm-workspace.yaml`). */
export function referenceDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let current = resolve(from); ; current = dirname(current)) {
    if (existsSync(join(current, 'pnpm-workspace.yaml'))) return join(current, 'docs', 'api');
    if (dirname(current) === current) throw new Error('not inside the repository: no pnpm-workspace.yaml above this file');
  }
}

/** The files of `dir` that differ from the rendering, are missing, or should not be there. */
export function staleReferenceFiles(dir: string = referenceDir(), files: ReferenceFile[] = renderReference()): { path: string; problem: 'differs' | 'missing' | 'unexpected' }[] {
  const stale: { path: string; problem: 'differs' | 'missing' | 'unexpected' }[] = [];
  for (const file of files) {
    const path = join(dir, file.path);
    if (!existsSync(path)) stale.push({ path: file.path, problem: 'missing' });
    else if (readFileSync(path, 'utf8') !== file.content) stale.push({ path: file.path, problem: 'differs' });
  }
  const expected = new Set(files.map((file) => file.path));
  const present = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of present) if (!expected.has(name)) stale.push({ path: name, problem: 'unexpected' });
  return stale;
}

function main(args: string[]): number {
  const dir = referenceDir();
  const files = renderReference();
  if (args.includes('--check')) {
    const stale = staleReferenceFiles(dir, files);
    if (stale.length === 0) {
      console.log('contracts: docs/api is up to date');
      return 0;
    }
    for (const file of stale) console.error(`stale: docs/api/${file.path} (${file.problem})`);
    console.error('contracts: run `npm run contracts:generate` and commit docs/api');
    return 1;
  }
  mkdirSync(dir, { recursive: true });
  const expected = new Set(files.map((file) => file.path));
  for (const name of readdirSync(dir)) {
    if (!expected.has(name)) {
      rmSync(join(dir, name), { recursive: true });
      console.log(`removed   docs/api/${name}`);
    }
  }
  for (const file of files) {
    const path = join(dir, file.path);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === file.content) {
      console.log(`unchanged docs/api/${file.path}`);
    } else {
      writeFileSync(path, file.content);
      console.log(`${current === undefined ? 'created  ' : 'updated  '} docs/api/${file.path}`);
    }
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2));
}
