import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';

/** The HSDS 3.0 tables the directory reads and writes, by their schema name. */
export const HSDS_ENTITIES = ['organization', 'service', 'location', 'service_at_location', 'taxonomy', 'taxonomy_term'] as const;
export type HsdsEntity = (typeof HSDS_ENTITIES)[number];

const SCHEMA_BASE = 'https://hsds.openreferral.org/3.0/schema/';
const schemaDir = new URL('../../../hsds/schema/', import.meta.url);

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;

let validators: Map<HsdsEntity, ValidateFunction> | undefined;

/** Reads the HSDS 3.0 JSON Schemas kept with the service (hsds/schema) and compiles one validator per table. */
function compile(): Map<HsdsEntity, ValidateFunction> {
  // HSDS schemas carry Frictionless keywords (`constraints`, `core`, `datapackage_type`…) that JSON Schema ignores.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('datetime', true);
  for (const file of readdirSync(schemaDir)) {
    if (!file.endsWith('.json') || file === 'openapi.json') continue;
    const schema = JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8')) as Record<string, unknown>;
    ajv.addSchema({ ...schema, $id: `${SCHEMA_BASE}${file}` });
  }
  const compiled = new Map<HsdsEntity, ValidateFunction>();
  for (const entity of HSDS_ENTITIES) {
    const validate = ajv.getSchema(`${SCHEMA_BASE}${entity}.json`);
    if (validate === undefined) throw new Error(`HSDS schema ${entity}.json is missing from hsds/schema`);
    compiled.set(entity, validate);
  }
  return compiled;
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath === '' ? '(record)' : e.instancePath} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

/** Validates `record` against the HSDS 3.0 schema of `entity`; the reason names the bad fields, never their values. */
export function validateHsds(entity: HsdsEntity, record: unknown): { valid: true } | { valid: false; reason: string } {
  validators ??= compile();
  const validate = validators.get(entity);
  if (validate === undefined) throw new Error(`no HSDS validator for ${entity}`);
  return validate(record) ? { valid: true } : { valid: false, reason: `does not match the HSDS 3.0 ${entity} schema: ${describe(validate.errors)}` };
}

/** The JSON type each property of an HSDS table has, to read CSV cells (always text) as the schema expects. */
export function hsdsPropertyTypes(entity: string): Map<string, string> {
  const file = new URL(`${entity}.json`, schemaDir);
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { properties?: Record<string, { type?: string }> };
  return new Map(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, property.type ?? 'string']));
}
