import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import pg from 'pg';

import { parsePrismaSchema } from './prisma-schema.js';
import type { PrismaEnum, PrismaField, PrismaModel, PrismaSchema } from './prisma-schema.js';

/**
 * Compares a `schema.prisma` with a migrated database, so the hand-written SQL
 * migrations and the schema the Prisma client is generated from cannot drift
 * apart unnoticed. A service's drift test migrates a fresh database and
 * expects `checkSchemaDrift` to find nothing.
 */

export type SchemaDriftKind =
  | 'missing-table'
  | 'missing-column'
  | 'type-mismatch'
  | 'nullability-mismatch'
  | 'primary-key-mismatch'
  | 'missing-unique'
  | 'enum-values-mismatch'
  | 'unmapped-required-column';

export type SchemaDriftProblem = {
  kind: SchemaDriftKind;
  /** The model (or view) concerned, when there is one. */
  model?: string;
  /** The model field concerned, when there is one. */
  field?: string;
  /** The enum concerned, for enum problems. */
  enum?: string;
  /** The database table, as `schema.table`. */
  table?: string;
  column?: string;
  /** One readable sentence naming everything above. */
  message: string;
};

export type CheckSchemaDriftOptions = {
  /** Path of `schema.prisma`, or of a folder of `.prisma` files (multi-file schema). */
  schemaPath: string;
  connectionString: string;
  /** Schema for models without `@@schema`. Default: the connection's `current_schema()`. */
  defaultSchema?: string;
};

/** Reads the schema file(s) and reports every way the database differs from them; `[]` means no drift. */
export async function checkSchemaDrift(options: CheckSchemaDriftOptions): Promise<SchemaDriftProblem[]> {
  const schema = parsePrismaSchema(await readSchemaSource(options.schemaPath));
  const client = new pg.Client({ connectionString: options.connectionString, application_name: 'referral-hub-drift-check' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const snapshot = await readDatabase(client, schema, options.defaultSchema);
    return compareSchema(schema, snapshot);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readSchemaSource(schemaPath: string): Promise<string> {
  if (!(await stat(schemaPath)).isDirectory()) return readFile(schemaPath, 'utf8');
  const entries = await readdir(schemaPath, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.prisma'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  const sources = await Promise.all(files.map((file) => readFile(file, 'utf8')));
  return sources.join('\n');
}

// ---------------------------------------------------------------------------
// What the database has

export type DbColumn = {
  name: string;
  /** `information_schema.columns.data_type`: `ARRAY`, `USER-DEFINED`, `text`, … */
  dataType: string;
  udtSchema: string;
  /** `int4`, `varchar`, `_text` for `text[]`, the enum's name, … */
  udtName: string;
  nullable: boolean;
  hasDefault: boolean;
  characterMaximumLength: number | null;
  numericPrecision: number | null;
  numericScale: number | null;
  datetimePrecision: number | null;
};

export type DbIndex = { primary: boolean; unique: boolean; columns: string[] };

export type DbTable = { schema: string; name: string; type: string; columns: Map<string, DbColumn>; indexes: DbIndex[] };

export type DatabaseSnapshot = {
  defaultSchema: string;
  /** Keyed by `schema.table`. */
  tables: Map<string, DbTable>;
  /** Enum labels in declaration order, keyed by `schema.enum`. */
  enums: Map<string, string[]>;
};

type ColumnRow = {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  udt_schema: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  is_identity: 'YES' | 'NO';
  is_generated: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
};

async function readDatabase(client: pg.Client, schema: PrismaSchema, defaultSchemaOption: string | undefined): Promise<DatabaseSnapshot> {
  const current = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const defaultSchema = defaultSchemaOption ?? current.rows[0]?.schema ?? 'public';
  const schemas = [
    ...new Set([defaultSchema, ...schema.models.map((m) => m.schema ?? defaultSchema), ...schema.enums.map((e) => e.schema ?? defaultSchema)]),
  ];

  const tables = new Map<string, DbTable>();
  const tableRows = await client.query<{ table_schema: string; table_name: string; table_type: string }>(
    `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema = ANY($1::text[])`,
    [schemas],
  );
  for (const row of tableRows.rows) {
    tables.set(key(row.table_schema, row.table_name), {
      schema: row.table_schema,
      name: row.table_name,
      type: row.table_type,
      columns: new Map(),
      indexes: [],
    });
  }

  const columnRows = await client.query<ColumnRow>(
    `SELECT table_schema, table_name, column_name, data_type, udt_schema, udt_name, is_nullable, column_default,
            is_identity, is_generated,
            character_maximum_length::int AS character_maximum_length,
            numeric_precision::int AS numeric_precision,
            numeric_scale::int AS numeric_scale,
            datetime_precision::int AS datetime_precision
       FROM information_schema.columns
      WHERE table_schema = ANY($1::text[])
      ORDER BY table_schema, table_name, ordinal_position`,
    [schemas],
  );
  for (const row of columnRows.rows) {
    const table = tables.get(key(row.table_schema, row.table_name));
    if (table === undefined) continue;
    table.columns.set(row.column_name, {
      name: row.column_name,
      dataType: row.data_type,
      udtSchema: row.udt_schema,
      udtName: row.udt_name,
      nullable: row.is_nullable === 'YES',
      // Identity and generated columns fill themselves, like a default.
      hasDefault: row.column_default !== null || row.is_identity === 'YES' || row.is_generated === 'ALWAYS',
      characterMaximumLength: row.character_maximum_length,
      numericPrecision: row.numeric_precision,
      numericScale: row.numeric_scale,
      datetimePrecision: row.datetime_precision,
    });
  }

  // Only plain-column, non-partial indexes can enforce a Prisma @id/@unique.
  const indexRows = await client.query<{ schema: string; table: string; primary: boolean; unique: boolean; columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS table, i.indisprimary AS primary, i.indisunique AS unique,
            ARRAY(SELECT a.attname::text
                    FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND i.indpred IS NULL AND i.indexprs IS NULL`,
    [schemas],
  );
  for (const row of indexRows.rows) {
    tables.get(key(row.schema, row.table))?.indexes.push({ primary: row.primary, unique: row.unique, columns: row.columns });
  }

  const enums = new Map<string, string[]>();
  const enumRows = await client.query<{ schema: string; name: string; label: string }>(
    `SELECT n.nspname AS schema, t.typname AS name, e.enumlabel AS label
       FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1::text[])
      ORDER BY n.nspname, t.typname, e.enumsortorder`,
    [schemas],
  );
  for (const row of enumRows.rows) {
    const labels = enums.get(key(row.schema, row.name)) ?? [];
    labels.push(row.label);
    enums.set(key(row.schema, row.name), labels);
  }

  return { defaultSchema, tables, enums };
}

function key(schema: string, name: string): string {
  return `${schema}.${name}`;
}

// ---------------------------------------------------------------------------
// Comparison

/** Compares a parsed schema with a database snapshot. Exported for tests of the rules themselves. */
export function compareSchema(schema: PrismaSchema, db: DatabaseSnapshot): SchemaDriftProblem[] {
  const problems: SchemaDriftProblem[] = [];
  const enumsByName = new Map(schema.enums.map((e) => [e.name, e]));

  for (const prismaEnum of schema.enums) {
    const enumKey = key(prismaEnum.schema ?? db.defaultSchema, prismaEnum.dbName);
    const labels = db.enums.get(enumKey);
    // An enum may be stored as text instead; only columns decide whether the type must exist.
    if (labels === undefined) continue;
    const expected = prismaEnum.values.map((value) => value.dbName);
    const missing = expected.filter((label) => !labels.includes(label));
    const extra = labels.filter((label) => !expected.includes(label));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        missing.length > 0 ? `missing ${missing.map((l) => `"${l}"`).join(', ')}` : '',
        extra.length > 0 ? `not in the schema ${extra.map((l) => `"${l}"`).join(', ')}` : '',
      ].filter((part) => part !== '');
      problems.push({
        kind: 'enum-values-mismatch',
        enum: prismaEnum.name,
        message: `Enum ${prismaEnum.name}: database type ${enumKey} differs: ${parts.join('; ')}.`,
      });
    }
  }

  for (const model of schema.models) {
    const tableKey = key(model.schema ?? db.defaultSchema, model.tableName);
    const table = db.tables.get(tableKey);
    const what = model.blockType === 'view' ? 'view' : 'table';
    if (table === undefined) {
      problems.push({
        kind: 'missing-table',
        model: model.name,
        table: tableKey,
        message: `Model ${model.name}: ${what} ${tableKey} does not exist.`,
      });
      continue;
    }

    const mappedColumns = new Set<string>();
    for (const field of model.fields) {
      if (field.kind === 'relation' || field.kind === 'composite') continue;
      mappedColumns.add(field.columnName);
      const column = table.columns.get(field.columnName);
      const where = { model: model.name, field: field.name, table: tableKey, column: field.columnName };
      const label = `${model.name}.${field.name}`;
      if (column === undefined) {
        problems.push({ kind: 'missing-column', ...where, message: `${label}: column ${tableKey}.${field.columnName} does not exist.` });
        continue;
      }
      const typeProblem = field.kind === 'unsupported' ? undefined : checkType(field, column, enumsByName, db);
      if (typeProblem !== undefined) {
        problems.push({ kind: 'type-mismatch', ...where, message: `${label}: column ${tableKey}.${field.columnName} ${typeProblem}.` });
      }
      // Views report every column as nullable, and Prisma leaves array columns
      // nullable; neither says anything about the schema.
      if (model.blockType === 'view' || field.isList || column.dataType === 'ARRAY') continue;
      if (!field.isOptional && column.nullable) {
        problems.push({
          kind: 'nullability-mismatch',
          ...where,
          message: `${label}: the field is required but column ${tableKey}.${field.columnName} is nullable.`,
        });
      } else if (field.isOptional && !column.nullable) {
        problems.push({
          kind: 'nullability-mismatch',
          ...where,
          message: `${label}: the field is optional but column ${tableKey}.${field.columnName} is NOT NULL.`,
        });
      }
    }

    if (model.blockType === 'view') continue;

    for (const column of table.columns.values()) {
      if (mappedColumns.has(column.name) || column.nullable || column.hasDefault) continue;
      problems.push({
        kind: 'unmapped-required-column',
        model: model.name,
        table: tableKey,
        column: column.name,
        message: `Model ${model.name}: column ${tableKey}.${column.name} is NOT NULL without a default but no field maps it, so Prisma cannot insert rows.`,
      });
    }

    checkKeys(model, table, tableKey, problems);
  }
  return problems;
}

function checkKeys(model: PrismaModel, table: DbTable, tableKey: string, problems: SchemaDriftProblem[]): void {
  const columnOf = (fieldName: string): string => model.fields.find((f) => f.name === fieldName)?.columnName ?? fieldName;
  const primary = table.indexes.find((index) => index.primary);
  if (model.primaryKey.length > 0) {
    const expected = model.primaryKey.map(columnOf);
    if (primary === undefined || primary.columns.join(',') !== expected.join(',')) {
      problems.push({
        kind: 'primary-key-mismatch',
        model: model.name,
        table: tableKey,
        message:
          `Model ${model.name}: expected primary key (${expected.join(', ')}) on ${tableKey}, ` +
          (primary === undefined ? 'but the table has none.' : `found (${primary.columns.join(', ')}).`),
      });
    }
  }
  for (const unique of model.uniques) {
    const expected = unique.map(columnOf);
    const found = table.indexes.some(
      (index) => (index.unique || index.primary) && index.columns.length === expected.length && expected.every((c) => index.columns.includes(c)),
    );
    if (!found) {
      problems.push({
        kind: 'missing-unique',
        model: model.name,
        field: unique.length === 1 ? unique[0] : undefined,
        table: tableKey,
        message: `Model ${model.name}: no unique index or constraint on ${tableKey} (${expected.join(', ')}).`,
      });
    }
  }
}

/** The PostgreSQL type (`udt_name`) each `@db.*` native type creates. */
const NATIVE_TYPES: Record<string, string> = {
  Text: 'text',
  Char: 'bpchar',
  VarChar: 'varchar',
  Bit: 'bit',
  VarBit: 'varbit',
  Uuid: 'uuid',
  Xml: 'xml',
  Inet: 'inet',
  Citext: 'citext',
  Boolean: 'bool',
  Integer: 'int4',
  SmallInt: 'int2',
  Oid: 'oid',
  BigInt: 'int8',
  DoublePrecision: 'float8',
  Real: 'float4',
  Decimal: 'numeric',
  Money: 'money',
  Timestamp: 'timestamp',
  Timestamptz: 'timestamptz',
  Date: 'date',
  Time: 'time',
  Timetz: 'timetz',
  Json: 'json',
  JsonB: 'jsonb',
  ByteA: 'bytea',
};

/** Column types a Prisma scalar without `@db.*` works with. The first is what Prisma itself would create. */
const COMPATIBLE_TYPES: Record<string, string[]> = {
  String: ['text', 'varchar', 'bpchar', 'citext'],
  Boolean: ['bool'],
  Int: ['int4'],
  BigInt: ['int8'],
  Float: ['float8'],
  Decimal: ['numeric'],
  DateTime: ['timestamp', 'timestamptz', 'date'],
  Json: ['jsonb', 'json'],
  Bytes: ['bytea'],
};

/** Returns a description of the mismatch, or undefined when the column fits the field. */
function checkType(field: PrismaField, column: DbColumn, enumsByName: Map<string, PrismaEnum>, db: DatabaseSnapshot): string | undefined {
  const isArray = column.dataType === 'ARRAY';
  const actual = isArray ? column.udtName.replace(/^_/, '') : column.udtName;
  const shownActual = isArray ? `${actual}[]` : actual;
  if (field.isList !== isArray) {
    return `has type ${shownActual}, expected ${field.isList ? 'an array' : 'a single value'} (${describeField(field)})`;
  }

  let allowed: string[];
  if (field.kind === 'enum') {
    const prismaEnum = enumsByName.get(field.type);
    const enumName = prismaEnum?.dbName ?? field.type;
    const enumSchema = prismaEnum?.schema ?? db.defaultSchema;
    if (column.dataType === 'USER-DEFINED' || (isArray && actual === enumName)) {
      if (actual === enumName && column.udtSchema === enumSchema && db.enums.has(key(enumSchema, enumName))) return undefined;
    } else if (actual === 'text' || actual === 'varchar') {
      // An enum stored as plain text works too (no database-side check, though).
      return undefined;
    }
    allowed = [`enum ${enumSchema}.${enumName}`, 'text', 'varchar'];
  } else if (field.nativeType !== undefined) {
    const expected = NATIVE_TYPES[field.nativeType.name];
    if (expected === undefined) return undefined; // A native type this check does not know: trust the schema.
    allowed = [expected];
    if (actual === expected && !isArray) return checkPrecision(field, column);
  } else {
    allowed = COMPATIBLE_TYPES[field.type] ?? [];
  }
  if (allowed.includes(actual)) return undefined;
  return `has type ${shownActual}, expected ${allowed.map((t) => (isArray ? `${t}[]` : t)).join(' or ')} (${describeField(field)})`;
}

/** When `@db.*` gives a length, precision or scale, the column must have the same. */
function checkPrecision(field: PrismaField, column: DbColumn): string | undefined {
  const native = field.nativeType;
  if (native === undefined || native.args.length === 0) return undefined;
  const numbers = native.args.map((arg) => Number(arg));
  const [first, second] = numbers;
  switch (native.name) {
    case 'VarChar':
    case 'Char':
    case 'Bit':
    case 'VarBit':
      if (column.characterMaximumLength !== first) return `has length ${String(column.characterMaximumLength)}, expected ${String(first)} (${describeField(field)})`;
      return undefined;
    case 'Decimal':
      if (column.numericPrecision !== first || (second !== undefined && column.numericScale !== second)) {
        return `is numeric(${String(column.numericPrecision)},${String(column.numericScale)}), expected numeric(${native.args.join(',')}) (${describeField(field)})`;
      }
      return undefined;
    case 'Timestamp':
    case 'Timestamptz':
    case 'Time':
    case 'Timetz':
      if (column.datetimePrecision !== first) {
        return `has precision ${String(column.datetimePrecision)}, expected ${String(first)} (${describeField(field)})`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function describeField(field: PrismaField): string {
  const native = field.nativeType === undefined ? '' : ` @db.${field.nativeType.name}${field.nativeType.args.length > 0 ? `(${field.nativeType.args.join(', ')})` : ''}`;
  return `${field.type}${field.isList ? '[]' : ''}${field.isOptional ? '?' : ''}${native}`;
}
