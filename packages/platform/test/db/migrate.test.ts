import { createHash, randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import pg from 'pg';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  ensureDatabase,
  migrate,
  MigrationApplyError,
  MigrationChecksumError,
  MigrationMissingLocallyError,
  MigrationPreviouslyFailedError,
  splitDatabaseUrl,
} from '../../src/db/index.js';
import type { MigrationLogger } from '../../src/db/index.js';
import { adminQuery, copyFixture, createTempDatabase, describeTables, FIXTURES, migrationRows, withClient } from './helpers.js';
import type { TempDatabase } from './helpers.js';

const BASIC = path.join(FIXTURES, 'basic');
const FAILING = path.join(FIXTURES, 'failing');

let db: TempDatabase;
const cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  db = await createTempDatabase();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await db.drop();
});

async function editableFixture(name: string): Promise<string> {
  const copy = await copyFixture(name);
  cleanups.push(copy.remove);
  return copy.dir;
}

describe('migrate', () => {
  it('applies the migrations in folder order and records them as Prisma does', async () => {
    const result = await migrate({ connectionString: db.url, migrationsDir: BASIC });

    expect(result).toEqual({ applied: ['20240101000000_create_widget', '20240102000000_create_gadget'], alreadyApplied: [] });
    const rows = await migrationRows(db.url);
    expect(rows.map((row) => row.migration_name)).toEqual(result.applied);
    for (const row of rows) {
      const file = await readFile(path.join(BASIC, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
    }
    const seeded = await withClient(db.url, (client) => client.query('SELECT name FROM widget'));
    expect(seeded.rows).toEqual([{ name: 'seed' }]);
  });

  it('creates _prisma_migrations with exactly the columns Prisma creates', async () => {
    await migrate({ connectionString: db.url, migrationsDir: BASIC });

    const columns = await withClient(db.url, async (client) => {
      const { rows } = await client.query<{ line: string }>(
        `SELECT column_name || ' ' || udt_name || coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable
                || coalesce(' default ' || column_default, '') AS line
           FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      );
      return rows.map((row) => row.line);
    });
    expect(columns).toEqual([
      'id varchar(36) NO',
      'checksum varchar(64) NO',
      'finished_at timestamptz YES',
      'migration_name varchar(255) NO',
      'logs text YES',
      'rolled_back_at timestamptz YES',
      'started_at timestamptz NO default now()',
      'applied_steps_count int4 NO default 0',
    ]);
    const primaryKey = await withClient(db.url, (client) =>
      client.query(
        `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = '_prisma_migrations'::regclass AND i.indisprimary`,
      ),
    );
    expect(primaryKey.rows).toEqual([{ attname: 'id' }]);
  });

  it('when run a second time, applies nothing and leaves the tables unchanged', async () => {
    await migrate({ connectionString: db.url, migrationsDir: BASIC });
    const tablesBefore = await describeTables(db.url);
    const rowsBefore = await migrationRows(db.url);

    const second = await migrate({ connectionString: db.url, migrationsDir: BASIC });

    expect(second).toEqual({ applied: [], alreadyApplied: ['20240101000000_create_widget', '20240102000000_create_gadget'] });
    expect(await describeTables(db.url)).toEqual(tablesBefore);
    expect(await migrationRows(db.url)).toEqual(rowsBefore);
    const seeded = await withClient(db.url, (client) => client.query('SELECT count(*)::int AS n FROM widget'));
    expect(seeded.rows[0]).toEqual({ n: 1 });
  });

  it('applies only the migrations added since the last run', async () => {
    const dir = await editableFixture('basic');
    await rm(path.join(dir, '20240102000000_create_gadget'), { recursive: true });
    expect((await migrate({ connectionString: db.url, migrationsDir: dir })).applied).toEqual(['20240101000000_create_widget']);

    await mkdir(path.join(dir, '20240102000000_create_gadget'));
    await writeFile(path.join(dir, '20240102000000_create_gadget', 'migration.sql'), 'CREATE TABLE gadget (id integer PRIMARY KEY);\n');
    const result = await migrate({ connectionString: db.url, migrationsDir: dir });

    expect(result).toEqual({ applied: ['20240102000000_create_gadget'], alreadyApplied: ['20240101000000_create_widget'] });
  });

  it('when an applied migration file was edited afterwards, refuses and names the migration', async () => {
    const dir = await editableFixture('basic');
    await migrate({ connectionString: db.url, migrationsDir: dir });
    await appendFile(path.join(dir, '20240101000000_create_widget', 'migration.sql'), 'ALTER TABLE widget ADD COLUMN colour text;\n');
    await mkdir(path.join(dir, '20240103000000_more'));
    await writeFile(path.join(dir, '20240103000000_more', 'migration.sql'), 'CREATE TABLE more_things (id integer);\n');

    const attempt = migrate({ connectionString: db.url, migrationsDir: dir });

    await expect(attempt).rejects.toBeInstanceOf(MigrationChecksumError);
    await expect(attempt).rejects.toMatchObject({ migrationName: '20240101000000_create_widget' });
    await expect(attempt).rejects.toThrow(/20240101000000_create_widget/);
    // Refused before applying anything else.
    expect((await migrationRows(db.url)).map((row) => row.migration_name)).not.toContain('20240103000000_more');
    expect(await describeTables(db.url)).not.toContain('widget.colour:text:YES');
  });

  it('accepts an applied migration whose only change is CRLF line endings, as Prisma does', async () => {
    const dir = await editableFixture('basic');
    await migrate({ connectionString: db.url, migrationsDir: dir });
    const file = path.join(dir, '20240101000000_create_widget', 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));

    const result = await migrate({ connectionString: db.url, migrationsDir: dir });

    expect(result.applied).toEqual([]);
  });

  it('when two runners start at once, applies each migration exactly once', async () => {
    const dir = await editableFixture('basic');
    // Make the first migration slow enough that the second runner surely arrives while it runs.
    await appendFile(path.join(dir, '20240101000000_create_widget', 'migration.sql'), 'SELECT pg_sleep(0.3);\n');
    const logs: string[] = [];
    const logger: MigrationLogger = { info: (_f, message) => logs.push(message), warn: (_f, message) => logs.push(message) };

    const [first, second] = await Promise.all([
      migrate({ connectionString: db.url, migrationsDir: dir, logger }),
      migrate({ connectionString: db.url, migrationsDir: dir, logger }),
    ]);

    expect([...first.applied, ...second.applied].sort()).toEqual(['20240101000000_create_widget', '20240102000000_create_gadget']);
    // Whoever came second found everything done by the first.
    expect([first.applied.length, second.applied.length].sort()).toEqual([0, 2]);
    const rows = await migrationRows(db.url);
    expect(rows.map((row) => row.migration_name)).toEqual(['20240101000000_create_widget', '20240102000000_create_gadget']);
    expect(rows.every((row) => row.finished_at !== null)).toBe(true);
    expect(logs).toContain('another migration runner holds the lock; waiting');
  });

  it('runs on a connection from a pool and gives it back healthy', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const result = await migrate({ pool, migrationsDir: BASIC });
      expect(result.applied).toHaveLength(2);
      // The advisory lock was released: another session can take it at once.
      const other = await withClient(db.url, (client) => client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(72707369) AS ok'));
      expect(other.rows[0]?.ok).toBe(true);
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('when a migration fails, leaves nothing of it behind and names it in the error', async () => {
    const attempt = migrate({ connectionString: db.url, migrationsDir: FAILING });

    await expect(attempt).rejects.toBeInstanceOf(MigrationApplyError);
    await expect(attempt).rejects.toThrow(/"20240102000000_broken".*no_such_table/);
    const tables = await describeTables(db.url);
    expect(tables.some((line) => line.startsWith('half_done.'))).toBe(false);
    // The migration before it stays applied.
    expect(tables).toContain('widget.name:text:NO');
    const rows = await migrationRows(db.url);
    const broken = rows.filter((row) => row.migration_name === '20240102000000_broken');
    expect(broken.every((row) => row.finished_at === null && row.rolled_back_at !== null)).toBe(true);
    expect(rows.filter((row) => row.finished_at !== null).map((row) => row.migration_name)).toEqual(['20240101000000_create_widget']);
  });

  it('after a failed migration is fixed, the next run applies it', async () => {
    const dir = await editableFixture('failing');
    await expect(migrate({ connectionString: db.url, migrationsDir: dir })).rejects.toBeInstanceOf(MigrationApplyError);
    await writeFile(path.join(dir, '20240102000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id integer PRIMARY KEY);\n');

    const result = await migrate({ connectionString: db.url, migrationsDir: dir });

    expect(result).toEqual({ applied: ['20240102000000_broken'], alreadyApplied: ['20240101000000_create_widget'] });
  });

  it('when an earlier run left a migration unfinished, refuses and says which one', async () => {
    await migrate({ connectionString: db.url, migrationsDir: BASIC });
    // What Prisma's own engine leaves after a failure outside a transaction.
    await withClient(db.url, (client) =>
      client.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
         VALUES ($1, 'abc', '20240103000000_interrupted', 'connection lost', now(), 0)`,
        [randomUUID()],
      ),
    );

    const attempt = migrate({ connectionString: db.url, migrationsDir: BASIC });

    await expect(attempt).rejects.toBeInstanceOf(MigrationPreviouslyFailedError);
    await expect(attempt).rejects.toThrow(/"20240103000000_interrupted".*connection lost.*rolled back/);
  });

  it('when the database has a migration that is not in the folder, refuses unless allowed', async () => {
    await migrate({ connectionString: db.url, migrationsDir: BASIC });
    const dir = await editableFixture('basic');
    await rm(path.join(dir, '20240102000000_create_gadget'), { recursive: true });

    const attempt = migrate({ connectionString: db.url, migrationsDir: dir });
    await expect(attempt).rejects.toBeInstanceOf(MigrationMissingLocallyError);
    await expect(attempt).rejects.toThrow(/20240102000000_create_gadget/);

    const allowed = await migrate({ connectionString: db.url, migrationsDir: dir, allowMissingLocally: true });
    expect(allowed).toEqual({ applied: [], alreadyApplied: ['20240101000000_create_widget'] });
  });

  it('logs each applied migration through a pino logger', async () => {
    const lines: string[] = [];
    const logger = pino({ base: null }, { write: (line: string) => lines.push(line) });

    await migrate({ connectionString: db.url, migrationsDir: BASIC, logger });

    const applied = lines.map((line) => JSON.parse(line) as { msg: string; migration?: string }).filter((entry) => entry.msg === 'applied migration');
    expect(applied.map((entry) => entry.migration)).toEqual(['20240101000000_create_widget', '20240102000000_create_gadget']);
  });

  it('when the migrations folder does not exist, says so', async () => {
    await expect(migrate({ connectionString: db.url, migrationsDir: path.join(FIXTURES, 'no-such-folder') })).rejects.toThrow(
      /Cannot read the migrations folder .*no-such-folder/,
    );
  });

  it('when a migration folder has no migration.sql, refuses before touching the database', async () => {
    const dir = await editableFixture('basic');
    await mkdir(path.join(dir, '20240103000000_empty'));

    await expect(migrate({ connectionString: db.url, migrationsDir: dir })).rejects.toThrow(/"20240103000000_empty" has no readable migration\.sql/);
    const tables = await withClient(db.url, (client) => client.query(`SELECT to_regclass('_prisma_migrations') AS t`));
    expect(tables.rows[0]).toEqual({ t: null });
  });
});

describe('ensureDatabase', () => {
  it('creates a missing database once, even when called concurrently', async () => {
    const { adminUrl } = splitDatabaseUrl(db.url);
    const name = `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      const created = await Promise.all([ensureDatabase(url.toString()), ensureDatabase(url.toString()), ensureDatabase(url.toString())]);
      expect(created.filter(Boolean)).toHaveLength(1);
      expect(await ensureDatabase(url.toString())).toBe(false);
      const found = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      expect(found.rowCount).toBe(1);
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });

  it('leaves an existing database alone', async () => {
    await migrate({ connectionString: db.url, migrationsDir: BASIC });

    expect(await ensureDatabase(db.url)).toBe(false);
    expect(await describeTables(db.url)).toContain('widget.name:text:NO');
  });
});
