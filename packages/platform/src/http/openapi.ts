/**
 * Reads an OpenAPI 3.1 document into the shapes the HTTP layer needs: a
 * path matcher and, per operation, its parameters, request body and security.
 * Everything is resolved once, at app creation, so a broken contract stops the
 * service at start instead of failing requests later.
 */

export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** A plain OpenAPI 3.1 document (as parsed from JSON/YAML). */
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  paths?: Readonly<Record<string, unknown>>;
  components?: Readonly<Record<string, unknown>>;
  security?: readonly SecurityRequirement[];
  [key: string]: unknown;
};

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type ParameterLocation = 'path' | 'query' | 'header';

export type ParameterSpec = {
  name: string;
  in: ParameterLocation;
  required: boolean;
  /** JSON pointer (inside the document) of the parameter's schema, if it has one. */
  schemaPointer?: string;
  /** The schema's `default`, copied so defaults apply through `$ref`s. */
  defaultValue?: unknown;
  /** The schema is an array: values may be repeated or comma-separated. */
  isArray: boolean;
};

export type RequestBodySpec = {
  required: boolean;
  /** Every declared media type, for the 415 check. */
  mediaTypes: string[];
  /** One of the media types is JSON: the body is parsed as JSON. */
  acceptsJson: boolean;
  /** Pointer of the JSON media type's schema; undefined when the body is not JSON. */
  jsonSchemaPointer?: string;
};

export type AuthRequirement = 'required' | 'optional' | 'none';

export type OperationSpec = {
  operationId: string;
  method: HttpMethod;
  pathTemplate: string;
  parameters: ParameterSpec[];
  requestBody?: RequestBodySpec;
  auth: AuthRequirement;
};

export type PathSpec = {
  template: string;
  pattern: RegExp;
  paramNames: string[];
  /** Sort key: literal segments rank before templated ones, position by position. */
  rank: number[];
  operations: Map<HttpMethod, OperationSpec>;
};

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function getPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = unescapePointerSegment(raw);
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current)) current = current[key];
    else return undefined;
  }
  return current;
}

/** Follows `$ref`s (internal ones only) and reports where the target lives. */
export function resolveRef(document: unknown, value: unknown, pointer: string): { value: unknown; pointer: string } {
  const seen = new Set<string>();
  let current = value;
  let at = pointer;
  while (isObject(current) && typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (!ref.startsWith('#')) throw new Error(`external $ref ${ref} (at ${at}) is not supported`);
    if (seen.has(ref)) throw new Error(`circular $ref ${ref}`);
    seen.add(ref);
    at = decodeURIComponent(ref.slice(1));
    current = getPointer(document, at);
    if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return { value: current, pointer: at };
}

function isJsonMediaType(mediaType: string): boolean {
  const base = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return base === 'application/json' || /^application\/[^/]+\+json$/.test(base);
}

function schemaIsArray(document: unknown, schema: unknown, pointer: string): boolean {
  const { value } = resolveRef(document, schema, pointer);
  if (!isObject(value)) return false;
  const type = value.type;
  return type === 'array' || (Array.isArray(type) && type.includes('array'));
}

function schemaDefault(document: unknown, schema: unknown, pointer: string): unknown {
  const { value } = resolveRef(document, schema, pointer);
  return isObject(value) ? value.default : undefined;
}

function readParameter(document: unknown, raw: unknown, pointer: string, where: string): ParameterSpec | undefined {
  const { value, pointer: at } = resolveRef(document, raw, pointer);
  if (!isObject(value) || typeof value.name !== 'string' || typeof value.in !== 'string') {
    throw new Error(`${where}: parameter at ${at} has no name or location`);
  }
  const location = value.in;
  // Cookie parameters are not used by the hub; Accept, Content-Type and
  // Authorization header parameters are ignored by the OpenAPI spec itself.
  if (location !== 'path' && location !== 'query' && location !== 'header') return undefined;
  if (location === 'header' && ['accept', 'content-type', 'authorization'].includes(value.name.toLowerCase())) {
    return undefined;
  }
  if (value.style === 'deepObject') throw new Error(`${where}: deepObject parameter ${value.name} is not supported`);
  const spec: ParameterSpec = {
    name: value.name,
    in: location,
    required: location === 'path' || value.required === true,
    isArray: false,
  };
  if (value.schema !== undefined) {
    spec.schemaPointer = `${at}/schema`;
    spec.isArray = schemaIsArray(document, value.schema, spec.schemaPointer);
    const fallback = schemaDefault(document, value.schema, spec.schemaPointer);
    if (fallback !== undefined) spec.defaultValue = fallback;
  }
  return spec;
}

function readRequestBody(document: unknown, raw: unknown, pointer: string, where: string): RequestBodySpec {
  const { value, pointer: at } = resolveRef(document, raw, pointer);
  if (!isObject(value) || !isObject(value.content)) throw new Error(`${where}: requestBody has no content`);
  const mediaTypes = Object.keys(value.content);
  const json = mediaTypes.find(isJsonMediaType);
  const spec: RequestBodySpec = { required: value.required === true, mediaTypes, acceptsJson: json !== undefined };
  if (json !== undefined) {
    const media = value.content[json];
    if (isObject(media) && media.schema !== undefined) {
      spec.jsonSchemaPointer = `${at}/content/${escapePointerSegment(json)}/schema`;
    }
  }
  return spec;
}

function authRequirement(requirements: unknown): AuthRequirement {
  if (!Array.isArray(requirements) || requirements.length === 0) return 'none';
  // `{}` among the alternatives means "anonymous is also fine".
  const anonymousAllowed = requirements.some((r) => isObject(r) && Object.keys(r).length === 0);
  return anonymousAllowed ? 'optional' : 'required';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileTemplate(template: string): Pick<PathSpec, 'pattern' | 'paramNames' | 'rank'> {
  const paramNames: string[] = [];
  const rank: number[] = [];
  const segments = template.split('/').slice(1);
  const source = segments
    .map((segment) => {
      const parts = segment.split(/(\{[^}/]+\})/).filter((part) => part !== '');
      rank.push(parts.every((part) => !part.startsWith('{')) ? 2 : parts.length > 1 ? 1 : 0);
      return parts
        .map((part) => {
          if (part.startsWith('{') && part.endsWith('}')) {
            paramNames.push(part.slice(1, -1));
            return '([^/]+)';
          }
          return escapeRegExp(part);
        })
        .join('');
    })
    .join('/');
  return { pattern: new RegExp(`^/${source}$`), paramNames, rank };
}

function compareRank(a: PathSpec, b: PathSpec): number {
  const length = Math.max(a.rank.length, b.rank.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (b.rank[i] ?? -1) - (a.rank[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return a.template.localeCompare(b.template);
}

/** Reads every operation of the document; throws on anything it cannot honour. */
export function readOperations(document: OpenApiDocument): PathSpec[] {
  const paths: PathSpec[] = [];
  const operationIds = new Set<string>();
  for (const [template, rawItem] of Object.entries(document.paths ?? {})) {
    if (!template.startsWith('/')) throw new Error(`path ${template} must start with /`);
    const itemPointer = `/paths/${escapePointerSegment(template)}`;
    const { value: item, pointer: itemAt } = resolveRef(document, rawItem, itemPointer);
    if (!isObject(item)) continue;
    const compiled = compileTemplate(template);
    const spec: PathSpec = { template, ...compiled, operations: new Map() };

    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const where = `${method.toUpperCase()} ${template}`;
      const operationId = typeof operation.operationId === 'string' ? operation.operationId : where;
      if (operationIds.has(operationId)) throw new Error(`${where}: duplicate operationId ${operationId}`);
      operationIds.add(operationId);

      const byKey = new Map<string, ParameterSpec>();
      const addAll = (list: unknown, listPointer: string) => {
        if (!Array.isArray(list)) return;
        list.forEach((raw, index) => {
          const parameter = readParameter(document, raw, `${listPointer}/${index}`, where);
          if (parameter !== undefined) {
            // Header names are case-insensitive; an operation-level definition overrides the path item's.
            const key = `${parameter.in}:${parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name}`;
            byKey.set(key, parameter);
          }
        });
      };
      addAll(item.parameters, `${itemAt}/parameters`);
      addAll(operation.parameters, `${itemAt}/${method}/parameters`);
      const parameters = [...byKey.values()];

      for (const name of compiled.paramNames) {
        if (!parameters.some((p) => p.in === 'path' && p.name === name)) {
          throw new Error(`${where}: path parameter {${name}} is not declared`);
        }
      }

      const op: OperationSpec = {
        operationId,
        method,
        pathTemplate: template,
        parameters,
        auth: authRequirement(operation.security ?? document.security),
      };
      if (operation.requestBody !== undefined) {
        op.requestBody = readRequestBody(document, operation.requestBody, `${itemAt}/${method}/requestBody`, where);
      }
      spec.operations.set(method, op);
    }
    if (spec.operations.size > 0) paths.push(spec);
  }
  return paths.sort(compareRank);
}

export type PathMatch =
  | { kind: 'operation'; operation: OperationSpec; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

function allowedMethods(spec: PathSpec): string[] {
  const methods = new Set<string>();
  for (const method of spec.operations.keys()) {
    methods.add(method.toUpperCase());
    if (method === 'get') methods.add('HEAD');
  }
  return [...methods];
}

/**
 * Finds the operation for a request. Concrete paths win over templated ones
 * (`/referrals/search` before `/referrals/{id}`); when several templates match
 * the path, the first one declaring the method is used.
 */
export function matchOperation(paths: readonly PathSpec[], method: string, path: string): PathMatch {
  const normalised = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const wanted = method.toLowerCase();
  const allow = new Set<string>();
  let matchedAny = false;
  for (const spec of paths) {
    const match = spec.pattern.exec(normalised);
    if (match === null) continue;
    matchedAny = true;
    const operation =
      spec.operations.get(wanted as HttpMethod) ?? (wanted === 'head' ? spec.operations.get('get') : undefined);
    if (operation === undefined) {
      allowedMethods(spec).forEach((m) => allow.add(m));
      continue;
    }
    const params: Record<string, string> = {};
    spec.paramNames.forEach((name, index) => {
      params[name] = match[index + 1] ?? '';
    });
    return { kind: 'operation', operation, params };
  }
  return matchedAny ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
}

/** `/v1/referrals/{referralId}` → `/v1/referrals/:referralId`, for Express routers. */
export function toExpressPath(template: string): string {
  return template.replace(/\{([^}/]+)\}/g, ':$1');
}
