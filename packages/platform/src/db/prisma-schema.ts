import { AppError } from '../errors.js';

/**
 * A small parser for the parts of `schema.prisma` that describe tables:
 * `model`, `view` and `enum` blocks. It exists because the Prisma schema
 * engine is not available here (see ARCHITECTURE.md), and the drift check
 * needs to know which tables, columns and types a schema expects.
 */

export const PRISMA_SCALAR_TYPES = ['String', 'Boolean', 'Int', 'BigInt', 'Float', 'Decimal', 'DateTime', 'Json', 'Bytes'] as const;
export type PrismaScalarType = (typeof PRISMA_SCALAR_TYPES)[number];

/** `@db.VarChar(255)` → `{ name: 'VarChar', args: ['255'] }`. */
export type PrismaNativeType = { name: string; args: string[] };

export type PrismaFieldKind = 'scalar' | 'enum' | 'relation' | 'composite' | 'unsupported';

export type PrismaField = {
  name: string;
  /** `@map("…")`, else the field name. */
  columnName: string;
  /** The type as written, without `?`/`[]`: `String`, `Role`, `User`, or `Unsupported("circle")`. */
  type: string;
  kind: PrismaFieldKind;
  isList: boolean;
  isOptional: boolean;
  isId: boolean;
  isUnique: boolean;
  nativeType: PrismaNativeType | undefined;
  /** For relation fields: the scalar fields named in `@relation(fields: [...])`. */
  relationFields: string[];
};

export type PrismaModel = {
  name: string;
  /** `model` or `view`. */
  blockType: 'model' | 'view';
  /** `@@map("…")`, else the model name. */
  tableName: string;
  /** `@@schema("…")`, if any (multi-schema setups). */
  schema: string | undefined;
  fields: PrismaField[];
  /** Field names of `@id` or `@@id([...])`, in order; empty when the model has none. */
  primaryKey: string[];
  /** Field-name sets of each `@unique` and `@@unique([...])`. */
  uniques: string[][];
};

export type PrismaEnumValue = { name: string; dbName: string };

export type PrismaEnum = {
  name: string;
  /** `@@map("…")`, else the enum name. */
  dbName: string;
  schema: string | undefined;
  values: PrismaEnumValue[];
};

export type PrismaSchema = { models: PrismaModel[]; enums: PrismaEnum[] };

/** The schema text is not something this parser understands. */
export class PrismaSchemaParseError extends AppError {
  constructor(message: string) {
    super('prisma_schema_parse_error', 500, `Cannot parse schema.prisma: ${message}`, { detail: message, operational: false });
    this.name = 'PrismaSchemaParseError';
  }
}

type Block = { keyword: string; name: string; statements: string[] };

/** Parses the `model`, `view` and `enum` blocks of a Prisma schema. */
export function parsePrismaSchema(source: string): PrismaSchema {
  const blocks = splitBlocks(stripComments(source));
  const modelNames = new Set(blocks.filter((b) => b.keyword === 'model' || b.keyword === 'view').map((b) => b.name));
  const enumNames = new Set(blocks.filter((b) => b.keyword === 'enum').map((b) => b.name));
  const compositeNames = new Set(blocks.filter((b) => b.keyword === 'type').map((b) => b.name));

  const enums = blocks.filter((b) => b.keyword === 'enum').map(parseEnum);
  const models = blocks
    .filter((b) => b.keyword === 'model' || b.keyword === 'view')
    .map((block) => parseModel(block, { modelNames, enumNames, compositeNames }));
  return { models, enums };
}

// ---------------------------------------------------------------------------
// Lexical helpers

/** Removes `//` and `///` comments, leaving string literals (which may contain `//`) intact. */
function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '"') {
      const end = endOfString(source, i);
      out += source.slice(i, end);
      i = end;
    } else if (ch === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** Index just past the string literal that starts at `start` (a `"`). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else if (ch === '\n') throw new PrismaSchemaParseError(`Unterminated string literal: ${text.slice(start, i)}`);
    else i += 1;
  }
  throw new PrismaSchemaParseError(`Unterminated string literal: ${text.slice(start, start + 40)}`);
}

const BLOCK_HEADER = /\b(model|view|enum|type|generator|datasource)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{/y;

function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    BLOCK_HEADER.lastIndex = i;
    const header = BLOCK_HEADER.exec(text);
    if (header === null) throw new PrismaSchemaParseError(`Unexpected text at top level: ${JSON.stringify(text.slice(i, i + 40))}`);
    const bodyStart = BLOCK_HEADER.lastIndex;
    const bodyEnd = matchingBrace(text, bodyStart - 1);
    blocks.push({ keyword: header[1] ?? '', name: header[2] ?? '', statements: splitStatements(text.slice(bodyStart, bodyEnd)) });
    i = bodyEnd + 1;
  }
  return blocks;
}

/** Index of the `}` closing the `{` at `open`, skipping strings and nested brackets. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i = endOfString(text, i);
      continue;
    }
    if (ch === '{') depth += 1;
    else if (ch === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
    i += 1;
  }
  throw new PrismaSchemaParseError('Unclosed block: missing "}"');
}

/** Splits a block body into statements: one per line, except inside `(…)` or `[…]`, which may span lines. */
function splitStatements(body: string): string[] {
  const statements: string[] = [];
  let current = '';
  let depth = 0;
  let i = 0;
  while (i < body.length) {
    const ch = body[i] ?? '';
    if (ch === '"') {
      const end = endOfString(body, i);
      current += body.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth += 1;
    else if (ch === ')' || ch === ']' || ch === '}') depth -= 1;
    if (ch === '\n' && depth <= 0) {
      if (current.trim() !== '') statements.push(current.trim());
      current = '';
    } else {
      current += ch === '\n' || ch === '\r' ? ' ' : ch;
    }
    i += 1;
  }
  if (current.trim() !== '') statements.push(current.trim());
  return statements;
}

// ---------------------------------------------------------------------------
// Attribute arguments

type Value =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'array'; items: Value[] }
  // An identifier or a call such as `now()`, `Desc` or `name(sort: Desc)`.
  | { kind: 'ref'; name: string; args: Argument[] | undefined };

type Argument = { name: string | undefined; value: Value };

type Attribute = { name: string; args: Argument[] };

/** A cursor over one statement. */
class Scanner {
  constructor(
    readonly text: string,
    public pos = 0,
  ) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos += 1;
  }

  peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? '';
  }

  atEnd(): boolean {
    return this.peek() === '';
  }

  expect(ch: string): void {
    if (this.peek() !== ch) throw this.error(`expected "${ch}"`);
    this.pos += 1;
  }

  identifier(extra = ''): string {
    this.skipSpace();
    const pattern = new RegExp(`[A-Za-z_][A-Za-z0-9_${extra}]*`, 'y');
    pattern.lastIndex = this.pos;
    const match = pattern.exec(this.text);
    if (match === null) throw this.error('expected a name');
    this.pos = pattern.lastIndex;
    return match[0];
  }

  string(): string {
    this.skipSpace();
    const end = endOfString(this.text, this.pos);
    const literal = this.text.slice(this.pos, end);
    this.pos = end;
    try {
      return JSON.parse(literal) as string;
    } catch {
      return literal.slice(1, -1);
    }
  }

  value(): Value {
    const ch = this.peek();
    if (ch === '"') return { kind: 'string', value: this.string() };
    if (ch === '[') {
      this.pos += 1;
      const items: Value[] = [];
      while (this.peek() !== ']') {
        items.push(this.value());
        if (this.peek() === ',') this.pos += 1;
        else if (this.peek() !== ']') throw this.error('expected "," or "]"');
      }
      this.pos += 1;
      return { kind: 'array', items };
    }
    if (/[-0-9.]/.test(ch)) {
      const pattern = /-?[0-9.]+(?:[eE][-+]?[0-9]+)?/y;
      pattern.lastIndex = this.pos;
      const match = pattern.exec(this.text);
      if (match === null) throw this.error('expected a number');
      this.pos = pattern.lastIndex;
      return { kind: 'number', value: match[0] };
    }
    const name = this.identifier('.');
    const args = this.peek() === '(' ? this.argumentList() : undefined;
    return { kind: 'ref', name, args };
  }

  /** `( [name:] value, … )` */
  argumentList(): Argument[] {
    this.expect('(');
    const args: Argument[] = [];
    while (this.peek() !== ')') {
      if (this.atEnd()) throw this.error('unclosed "("');
      const save = this.pos;
      let name: string | undefined;
      if (/[A-Za-z_]/.test(this.peek())) {
        const candidate = this.identifier();
        if (this.peek() === ':') {
          this.pos += 1;
          name = candidate;
        } else {
          this.pos = save;
        }
      }
      args.push({ name, value: this.value() });
      if (this.peek() === ',') this.pos += 1;
      else if (this.peek() !== ')') throw this.error('expected "," or ")"');
    }
    this.pos += 1;
    return args;
  }

  /** Attributes until the end: `@id @default(now()) @db.VarChar(20)` (or `@@…` for block attributes). */
  attributes(): Attribute[] {
    const attributes: Attribute[] = [];
    while (!this.atEnd()) {
      this.expect('@');
      if (this.text[this.pos] === '@') this.pos += 1;
      const name = this.identifier('.');
      // Arguments must follow the name directly: `@db.Uuid (x)` is not an argument list in Prisma either.
      const args = this.text[this.pos] === '(' ? this.argumentList() : [];
      attributes.push({ name, args });
    }
    return attributes;
  }

  error(message: string): PrismaSchemaParseError {
    return new PrismaSchemaParseError(`${message} at column ${this.pos + 1} of: ${this.text}`);
  }
}

function argument(attribute: Attribute, name: string): Value | undefined {
  const named = attribute.args.find((arg) => arg.name === name);
  if (named !== undefined) return named.value;
  // The first positional argument stands for the attribute's main parameter.
  const first = attribute.args[0];
  return first !== undefined && first.name === undefined ? first.value : undefined;
}

function stringArgument(attribute: Attribute, name: string): string | undefined {
  const value = argument(attribute, name);
  return value?.kind === 'string' ? value.value : undefined;
}

/** `[a, b(sort: Desc)]` → `['a', 'b']`. */
function fieldList(value: Value | undefined): string[] {
  if (value?.kind !== 'array') return [];
  return value.items.flatMap((item) => (item.kind === 'ref' ? [item.name] : []));
}

function renderArgs(args: Argument[]): string[] {
  return args.map((arg) => {
    const value = arg.value;
    if (value.kind === 'string' || value.kind === 'number') return value.value;
    if (value.kind === 'ref') return value.name;
    return '[…]';
  });
}

// ---------------------------------------------------------------------------
// Blocks

function parseEnum(block: Block): PrismaEnum {
  let dbName = block.name;
  let schema: string | undefined;
  const values: PrismaEnumValue[] = [];
  for (const statement of block.statements) {
    const scanner = new Scanner(statement);
    if (statement.startsWith('@@')) {
      for (const attribute of scanner.attributes()) {
        if (attribute.name === 'map') dbName = stringArgument(attribute, 'name') ?? dbName;
        if (attribute.name === 'schema') schema = stringArgument(attribute, 'name') ?? schema;
      }
      continue;
    }
    const name = scanner.identifier();
    let valueDbName = name;
    for (const attribute of scanner.attributes()) {
      if (attribute.name === 'map') valueDbName = stringArgument(attribute, 'name') ?? valueDbName;
    }
    values.push({ name, dbName: valueDbName });
  }
  return { name: block.name, dbName, schema, values };
}

type TypeNames = { modelNames: Set<string>; enumNames: Set<string>; compositeNames: Set<string> };

function parseModel(block: Block, names: TypeNames): PrismaModel {
  let tableName = block.name;
  let schema: string | undefined;
  let primaryKey: string[] = [];
  const uniques: string[][] = [];
  const fields: PrismaField[] = [];

  for (const statement of block.statements) {
    const scanner = new Scanner(statement);
    if (statement.startsWith('@@')) {
      for (const attribute of scanner.attributes()) {
        if (attribute.name === 'map') tableName = stringArgument(attribute, 'name') ?? tableName;
        else if (attribute.name === 'schema') schema = stringArgument(attribute, 'name') ?? schema;
        else if (attribute.name === 'id') primaryKey = fieldList(argument(attribute, 'fields'));
        else if (attribute.name === 'unique') uniques.push(fieldList(argument(attribute, 'fields')));
      }
      continue;
    }
    const field = parseField(scanner, names, block.name);
    fields.push(field);
    if (field.isId) primaryKey = [field.name];
    if (field.isUnique) uniques.push([field.name]);
  }
  return { name: block.name, blockType: block.keyword === 'view' ? 'view' : 'model', tableName, schema, fields, primaryKey, uniques };
}

function parseField(scanner: Scanner, names: TypeNames, modelName: string): PrismaField {
  const name = scanner.identifier();
  const typeName = scanner.identifier('.');
  let type = typeName;
  let kind: PrismaFieldKind;
  if (typeName === 'Unsupported') {
    scanner.expect('(');
    type = `Unsupported(${JSON.stringify(scanner.string())})`;
    scanner.expect(')');
    kind = 'unsupported';
  } else if ((PRISMA_SCALAR_TYPES as readonly string[]).includes(typeName)) {
    kind = 'scalar';
  } else if (names.enumNames.has(typeName)) {
    kind = 'enum';
  } else if (names.modelNames.has(typeName)) {
    kind = 'relation';
  } else if (names.compositeNames.has(typeName)) {
    kind = 'composite';
  } else {
    throw new PrismaSchemaParseError(`Field ${modelName}.${name} has unknown type "${typeName}"`);
  }

  let isList = false;
  let isOptional = false;
  // Modifiers must touch the type: `String?`, `String[]`.
  if (scanner.text.startsWith('[]', scanner.pos)) {
    isList = true;
    scanner.pos += 2;
  }
  if (scanner.text[scanner.pos] === '?') {
    isOptional = true;
    scanner.pos += 1;
  }

  let columnName = name;
  let isId = false;
  let isUnique = false;
  let nativeType: PrismaNativeType | undefined;
  let relationFields: string[] = [];
  for (const attribute of scanner.attributes()) {
    if (attribute.name === 'map') columnName = stringArgument(attribute, 'name') ?? columnName;
    else if (attribute.name === 'id') isId = true;
    else if (attribute.name === 'unique') isUnique = true;
    else if (attribute.name === 'relation') relationFields = fieldList(attribute.args.find((arg) => arg.name === 'fields')?.value);
    else if (attribute.name.startsWith('db.')) nativeType = { name: attribute.name.slice(3), args: renderArgs(attribute.args) };
  }
  return { name, columnName, type, kind, isList, isOptional, isId, isUnique, nativeType, relationFields };
}
