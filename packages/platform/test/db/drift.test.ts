import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkSchemaDrift, migrate, parsePrismaSchema, PrismaSchemaParseError } from '../../src/db/index.js';
import type { PrismaModel, SchemaDriftProblem } from '../../src/db/index.js';
import { createTempDatabase, FIXTURES, withClient } from './helpers.js';
import type { TempDatabase } from './helpers.js';

const DRIFT = path.join(FIXTURES, 'drift');
const SCHEMA = path.join(DRIFT, 'schema.prisma');

function model(name: string, models: PrismaModel[]): PrismaModel {
  const found = models.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no model ${name}`);
  return found;
}

describe('parsePrismaSchema', () => {
  it('reads models, mapped names, keys, native types, lists, relations and enums', async () => {
    const schema = parsePrismaSchema(await readFile(SCHEMA, 'utf8'));

    expect(schema.models.map((m) => m.name)).toEqual(['Organization', 'Membership', 'OutboxMessage', 'InboxMessage']);
    const organization = model('Organization', schema.models);
    expect(organization.tableName).toBe('organization');
    expect(organization.primaryKey).toEqual(['id']);
    expect(organization.uniques).toEqual([['name', 'kind']]);
    const field = (name: string) => organization.fields.find((f) => f.name === name);
    expect(field('id')).toMatchObject({ columnName: 'id', kind: 'scalar', isId: true, nativeType: { name: 'Uuid', args: [] } });
    expect(field('name')).toMatchObject({ nativeType: { name: 'VarChar', args: ['200'] }, isOptional: false });
    expect(field('website')).toMatchObject({ type: 'String', isOptional: true });
    expect(field('kind')).toMatchObject({ type: 'OrgKind', kind: 'enum' });
    expect(field('tags')).toMatchObject({ isList: true, isOptional: false });
    expect(field('budget')).toMatchObject({ type: 'Decimal', isOptional: true, nativeType: { name: 'Decimal', args: ['12', '2'] } });
    expect(field('eventCount')).toMatchObject({ type: 'BigInt', columnName: 'event_count' });
    expect(field('location')).toMatchObject({ kind: 'unsupported', type: 'Unsupported("point")', isOptional: true });
    expect(field('createdAt')).toMatchObject({ columnName: 'created_at', nativeType: { name: 'Timestamptz', args: ['3'] } });
    expect(field('memberships')).toMatchObject({ kind: 'relation', isList: true });

    const membership = model('Membership', schema.models);
    expect(membership.primaryKey).toEqual(['organizationId', 'userId']);
    expect(membership.uniques).toEqual([['externalRef']]);
    expect(membership.fields.find((f) => f.name === 'organization')).toMatchObject({ kind: 'relation', relationFields: ['organizationId'] });
    expect(membership.fields.find((f) => f.name === 'roles')).toMatchObject({ kind: 'enum', isList: true });

    expect(schema.enums).toEqual([
      {
        name: 'OrgKind',
        dbName: 'org_kind',
        schema: undefined,
        values: [
          { name: 'PUBLIC_BODY', dbName: 'public_body' },
          { name: 'CHARITY', dbName: 'charity' },
          { name: 'PRIVATE', dbName: 'PRIVATE' },
        ],
      },
      { name: 'Role', dbName: 'Role', schema: undefined, values: [{ name: 'ADMIN', dbName: 'ADMIN' }, { name: 'CASEWORKER', dbName: 'CASEWORKER' }] },
    ]);
  });

  it('is not fooled by comment markers and braces inside strings', () => {
    const schema = parsePrismaSchema(`
      model Link { // a comment with { a brace
        id   Int    @id
        url  String @default("https://x.test/{id}//\\"quoted\\"") // trailing } comment
        note String @map("note // not a comment")
        @@map(name: "link")
      }`);

    const link = model('Link', schema.models);
    expect(link.tableName).toBe('link');
    expect(link.fields.map((f) => [f.name, f.columnName])).toEqual([
      ['id', 'id'],
      ['url', 'url'],
      ['note', 'note // not a comment'],
    ]);
  });

  it('rejects a field whose type is neither a scalar, an enum nor a model', () => {
    expect(() => parsePrismaSchema('model A {\n  id Int @id\n  b Missing\n}')).toThrow(PrismaSchemaParseError);
    expect(() => parsePrismaSchema('model A {\n  id Int @id\n  b Missing\n}')).toThrow(/A\.b.*"Missing"/);
  });
});

describe('checkSchemaDrift', () => {
  let db: TempDatabase;
  let tmp: string;

  beforeAll(async () => {
    db = await createTempDatabase();
    await migrate({ connectionString: db.url, migrationsDir: path.join(DRIFT, 'migrations') });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'referral-hub-drift-'));
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
    await db.drop();
  });

  /** Writes a variant of the fixture schema and checks it against the migrated database. */
  async function driftOf(edit: (source: string) => string): Promise<SchemaDriftProblem[]> {
    const original = await readFile(SCHEMA, 'utf8');
    const edited = edit(original);
    expect(edited).not.toBe(original);
    const file = path.join(tmp, `schema-${Math.random().toString(36).slice(2)}.prisma`);
    await writeFile(file, edited);
    return checkSchemaDrift({ schemaPath: file, connectionString: db.url });
  }

  it('when the migrations create exactly what the schema describes, finds no problem', async () => {
    expect(await checkSchemaDrift({ schemaPath: SCHEMA, connectionString: db.url })).toEqual([]);
  });

  it('reports a model field with no column, a type mismatch and a model with no table, each by name', async () => {
    const problems = await checkSchemaDrift({ schemaPath: path.join(DRIFT, 'drifted.prisma'), connectionString: db.url });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'missing-column', model: 'Organization', field: 'phone', table: 'public.organization', column: 'phone' }),
        expect.objectContaining({ kind: 'type-mismatch', model: 'Membership', field: 'seniority', column: 'seniority' }),
        expect.objectContaining({ kind: 'missing-table', model: 'AuditEntry', table: 'public.audit_entry' }),
      ]),
    );
    expect(problems).toHaveLength(3);
    const messages = problems.map((p) => p.message).join('\n');
    expect(messages).toContain('Organization.phone: column public.organization.phone does not exist.');
    expect(messages).toMatch(/Membership\.seniority: column public\.membership\.seniority has type int2, expected text or varchar or bpchar or citext/);
    expect(messages).toContain('Model AuditEntry: table public.audit_entry does not exist.');
  });

  it('reports a required field over a nullable column, and an optional field over a NOT NULL one', async () => {
    const problems = await driftOf((s) => s.replace('  website     String?  ', '  website     String   ').replace('  active      Boolean      @default(true)', '  active      Boolean?     @default(true)'));

    expect(problems.map((p) => [p.kind, p.model, p.field])).toEqual([
      ['nullability-mismatch', 'Organization', 'website'],
      ['nullability-mismatch', 'Organization', 'active'],
    ]);
    expect(problems[0]?.message).toMatch(/required but column public\.organization\.website is nullable/);
  });

  it('reports native types, lengths and precisions that differ', async () => {
    const problems = await driftOf((s) =>
      s
        .replace('@db.VarChar(200)', '@db.VarChar(100)')
        .replace('@db.Decimal(12, 2)', '@db.Decimal(10, 2)')
        .replace('@map("created_at") @db.Timestamptz(3)\n  updatedAt', '@map("created_at") @db.Timestamptz(6)\n  updatedAt')
        .replace('id          String       @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid', 'id          String       @id @default(dbgenerated("gen_random_uuid()"))'),
    );

    expect(problems.map((p) => `${p.kind} ${p.model}.${p.field}`)).toEqual([
      'type-mismatch Organization.id',
      'type-mismatch Organization.name',
      'type-mismatch Organization.budget',
      'type-mismatch Organization.createdAt',
    ]);
    expect(problems[0]?.message).toMatch(/has type uuid, expected text or varchar/);
    expect(problems[1]?.message).toMatch(/has length 200, expected 100/);
  });

  it('reports enum mismatches: values missing from the database type, and lists stored as scalars', async () => {
    const problems = await driftOf((s) => s.replace('  CASEWORKER\n', '  CASEWORKER\n  AUDITOR\n').replace('  roles          Role[]', '  roles          Role'));

    expect(problems).toEqual([
      expect.objectContaining({ kind: 'enum-values-mismatch', enum: 'Role', message: expect.stringMatching(/missing "AUDITOR"/) as unknown }),
      expect.objectContaining({ kind: 'type-mismatch', model: 'Membership', field: 'roles', message: expect.stringMatching(/expected a single value/) as unknown }),
    ]);
  });

  it('reports a primary key or unique constraint the table lacks', async () => {
    const problems = await driftOf((s) => s.replace('@@id([organizationId, userId])', '@@id([userId, organizationId])').replace('  eventType   String    @map("event_type")', '  eventType   String    @unique @map("event_type")'));

    expect(problems.map((p) => [p.kind, p.model])).toEqual([
      ['primary-key-mismatch', 'Membership'],
      ['missing-unique', 'OutboxMessage'],
    ]);
    expect(problems[0]?.message).toContain('expected primary key (user_id, organization_id) on public.membership, found (organization_id, user_id)');
  });

  it('reports a NOT NULL column without default that no field maps, since Prisma could not insert rows', async () => {
    await withClient(db.url, (client) => client.query(`ALTER TABLE inbox_message ADD COLUMN tenant text NOT NULL DEFAULT 'x'`));
    await withClient(db.url, (client) => client.query(`ALTER TABLE inbox_message ALTER COLUMN tenant DROP DEFAULT`));
    try {
      const problems = await checkSchemaDrift({ schemaPath: SCHEMA, connectionString: db.url });
      expect(problems).toEqual([
        expect.objectContaining({ kind: 'unmapped-required-column', model: 'InboxMessage', table: 'public.inbox_message', column: 'tenant' }),
      ]);
    } finally {
      await withClient(db.url, (client) => client.query('ALTER TABLE inbox_message DROP COLUMN tenant'));
    }
  });

  it('reads a multi-file schema folder', async () => {
    const folder = await mkdtemp(path.join(tmp, 'folder-'));
    const source = await readFile(SCHEMA, 'utf8');
    const split = source.indexOf('// The platform');
    await writeFile(path.join(folder, 'schema.prisma'), source.slice(0, split));
    await writeFile(path.join(folder, 'messaging.prisma'), `${source.slice(split)}\nmodel Extra {\n  id Int @id\n}\n`);

    const problems = await checkSchemaDrift({ schemaPath: folder, connectionString: db.url });

    expect(problems.map((p) => [p.kind, p.model])).toEqual([['missing-table', 'Extra']]);
  });
});
