import addFormatsModule from 'ajv-formats';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { FieldError } from '../errors.js';
import { escapePointerSegment, resolveRef } from './openapi.js';
import type { OpenApiDocument, OperationSpec, ParameterLocation, ParameterSpec } from './openapi.js';

// ajv-formats is CommonJS with a `default` property: that is the plugin
// whichever way the module is loaded (Node ESM, Vite SSR, a bundler).
const addFormats = addFormatsModule.default;

// Any absolute URI does; it only names the document inside Ajv.
const DOCUMENT_ID = 'https://openapi.referral-hub.invalid/document.json';
const MAX_FIELD_ERRORS = 50;

/** Formats OpenAPI adds on top of JSON Schema's, so they validate instead of being ignored. */
function addOpenApiFormats(ajv: Ajv2020): void {
  addFormats(ajv);
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n <= 2 ** 31 - 1,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('password', { type: 'string', validate: () => true });
  ajv.addFormat('binary', { type: 'string', validate: () => true });
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
}

/** Keywords that look at every item of an array: `uniqueItems` compares every pair. */
const PER_ITEM_KEYWORDS = ['items', 'prefixItems', 'contains', 'uniqueItems'] as const;

/**
 * A copy of the document in which an array's items are only looked at once its
 * `maxItems` holds. Ajv (with `allErrors`) checks every keyword even after
 * `maxItems` failed: a 30,000-item array under the body limit meant 30,000
 * item errors, and `uniqueItems` over objects compares every pair (46 s for
 * 30,000). Wrapped in `if: { maxItems } then: { items… }`, an overlong array
 * costs one comparison and is reported once, as `maxItems`.
 */
export function guardArrayItems<T>(node: T): T {
  if (Array.isArray(node)) return node.map((item: unknown) => guardArrayItems(item)) as T;
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = guardArrayItems(value);
  const maxItems = copy.maxItems;
  if (typeof maxItems !== 'number' || !PER_ITEM_KEYWORDS.some((keyword) => copy[keyword] !== undefined)) return copy as T;
  const perItem: Record<string, unknown> = {};
  for (const keyword of PER_ITEM_KEYWORDS) {
    if (copy[keyword] === undefined) continue;
    perItem[keyword] = copy[keyword];
    delete copy[keyword];
  }
  const guard = { if: { maxItems }, then: perItem };
  const allOf = Array.isArray(copy.allOf) ? copy.allOf : [];
  copy.allOf = [...allOf, guard];
  return copy as T;
}

function createAjv(document: OpenApiDocument, coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    // OpenAPI adds keywords (example, discriminator, xml, x-…) that plain JSON Schema does not know.
    strict: false,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: coerce,
  });
  addOpenApiFormats(ajv);
  // The whole document is registered once so `#/components/...` refs resolve
  // wherever they appear; it is never compiled as a schema itself.
  ajv.addSchema({ ...guardArrayItems(document), $id: DOCUMENT_ID });
  return ajv;
}

function refTo(pointer: string): string {
  // Ajv parses the ref as a URI: percent-encode each (already JSON-pointer-escaped) segment.
  return `${DOCUMENT_ID}#${pointer.split('/').map(encodeURIComponent).join('/')}`;
}

/** Turns `/scope/fields/0` into `body.scope.fields[0]`. */
export function readableField(prefix: string, instancePath: string, child?: string): string {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/');
  if (child !== undefined) segments.push(escapePointerSegment(child));
  let field = prefix;
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) field += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) field += `.${segment}`;
    else field += `[${JSON.stringify(segment)}]`;
  }
  return field;
}

function fieldError(prefix: string, error: ErrorObject): FieldError {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired':
      return {
        field: readableField(prefix, error.instancePath, String(params.missingProperty)),
        message: 'is required',
        code: 'required',
      };
    case 'additionalProperties':
      return {
        field: readableField(prefix, error.instancePath, String(params.additionalProperty)),
        message: 'is not allowed',
        code: 'additionalProperties',
      };
    case 'unevaluatedProperties':
      return {
        field: readableField(prefix, error.instancePath, String(params.unevaluatedProperty)),
        message: 'is not allowed',
        code: 'unevaluatedProperties',
      };
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return {
        field: readableField(prefix, error.instancePath),
        message: `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        code: 'enum',
      };
    }
    default:
      // Ajv's messages describe the rule ("must be integer", "must match format
      // \"email\""), never the submitted value, so they are safe to return.
      return { field: readableField(prefix, error.instancePath), message: error.message ?? 'is invalid', code: error.keyword };
  }
}

/** Field errors for one part of the request, de-duplicated and capped. */
export function toFieldErrors(prefix: string, errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  const result: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    // `if`/`then` wrappers repeat what their sub-errors already say.
    if (error.keyword === 'if') continue;
    const mapped = fieldError(prefix, error);
    const key = `${mapped.field}\u0000${mapped.code ?? ''}\u0000${mapped.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(mapped);
    if (result.length >= MAX_FIELD_ERRORS) break;
  }
  return result;
}

type ParameterGroup = {
  location: ParameterLocation;
  parameters: ParameterSpec[];
  validate: ValidateFunction;
};

export type CompiledValidators = {
  groups: ParameterGroup[];
  body?: ValidateFunction;
};

function compileGroup(
  ajv: Ajv2020,
  location: ParameterLocation,
  parameters: ParameterSpec[],
): ParameterGroup | undefined {
  const own = parameters.filter((p) => p.in === location);
  if (own.length === 0) return undefined;
  const properties: Record<string, unknown> = {};
  for (const parameter of own) {
    const property: Record<string, unknown> = parameter.schemaPointer === undefined ? {} : { $ref: refTo(parameter.schemaPointer) };
    // Ajv applies `default` only when written directly under `properties`.
    if (parameter.defaultValue !== undefined) property.default = parameter.defaultValue;
    properties[parameter.name] = property;
  }
  const required = own.filter((p) => p.required).map((p) => p.name);
  const validate = ajv.compile({ type: 'object', properties, required });
  return { location, parameters: own, validate };
}

/**
 * Throws, naming the operation, when a schema it uses (its parameters', its
 * JSON body's, and every schema those reference) holds a `$ref` that does not
 * resolve in the document: what compiling would refuse, found without
 * compiling. `seen` is shared across operations so that each schema is walked once.
 */
function checkReferences(document: OpenApiDocument, operation: OperationSpec, seen: Set<string>): void {
  const pending = operation.parameters.flatMap((parameter) => (parameter.schemaPointer === undefined ? [] : [parameter.schemaPointer]));
  const body = operation.requestBody?.jsonSchemaPointer;
  if (body !== undefined) pending.push(body);
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) collect(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        if (!value.startsWith('#')) throw new Error(`external $ref ${value} is not supported`);
        pending.push(decodeURIComponent(value.slice(1)));
      } else {
        collect(value);
      }
    }
  };
  try {
    for (let pointer = pending.pop(); pointer !== undefined; pointer = pending.pop()) {
      if (seen.has(pointer)) continue;
      seen.add(pointer);
      collect(resolveRef(document, { $ref: `#${pointer}` }, pointer).value);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`OpenAPI operation ${operation.operationId}: cannot compile its schemas: ${reason}`, { cause: error });
  }
}

/** Each operation's validators, as the HTTP app looks them up. */
export type ValidatorLookup = { get(operation: OperationSpec): CompiledValidators | undefined };

function compileOperation(parameterAjv: Ajv2020, bodyAjv: Ajv2020, operation: OperationSpec): CompiledValidators {
  try {
    const groups = (['path', 'query', 'header'] as const)
      .map((location) => compileGroup(parameterAjv, location, operation.parameters))
      .filter((group): group is ParameterGroup => group !== undefined);
    const validators: CompiledValidators = { groups };
    const pointer = operation.requestBody?.jsonSchemaPointer;
    if (pointer !== undefined) validators.body = bodyAjv.compile({ $ref: refTo(pointer) });
    return validators;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`OpenAPI operation ${operation.operationId}: cannot compile its schemas: ${reason}`, { cause: error });
  }
}

/**
 * Every operation's validators. Two Ajv instances: parameters arrive as strings
 * and are coerced (with defaults applied), JSON bodies are validated exactly as
 * sent. With `lazy`, an operation's validators are compiled on its first
 * request and kept: compiled all at start they held about 20 MB of each
 * service's memory for operations an instance may never serve (Ajv's
 * generated code); every `$ref` they use is still checked now, so a broken
 * contract is refused at start as before. Without it every one is compiled now, so that a schema
 * Ajv cannot compile fails here (the platform's tests compile them all).
 */
export function compileValidators(
  document: OpenApiDocument,
  operations: readonly OperationSpec[],
  options: { lazy?: boolean } = {},
): ValidatorLookup {
  let ajvs: { parameterAjv: Ajv2020; bodyAjv: Ajv2020 } | undefined;
  const instances = () => (ajvs ??= { parameterAjv: createAjv(document, true), bodyAjv: createAjv(document, false) });
  const known = new Set(operations);
  const compiled = new Map<OperationSpec, CompiledValidators>();
  const get = (operation: OperationSpec): CompiledValidators | undefined => {
    if (!known.has(operation)) return undefined;
    let validators = compiled.get(operation);
    if (validators === undefined) {
      const { parameterAjv, bodyAjv } = instances();
      validators = compileOperation(parameterAjv, bodyAjv, operation);
      compiled.set(operation, validators);
    }
    return validators;
  };
  if (options.lazy === true) {
    const seen = new Set<string>();
    for (const operation of operations) checkReferences(document, operation, seen);
  } else {
    for (const operation of operations) get(operation);
  }
  return { get };
}
