import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runMigrationsCli } from '../../src/db/index.js';
import { adminQuery, createTempDatabase, FIXTURES, migrationRows } from './helpers.js';
import type { TempDatabase } from './helpers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CLI = path.join(REPO_ROOT, 'packages/platform/src/db/migrate-cli.ts');

let db: TempDatabase;

beforeEach(async () => {
  db = await createTempDatabase();
});

afterEach(async () => {
  await db.drop();
});

function capture(): { write: (text: string) => boolean; text: () => string } {
  const chunks: string[] = [];
  return { write: (text) => chunks.push(text) > 0, text: () => chunks.join('') };
}

describe('runMigrationsCli', () => {
  it('applies the folder given by --dir to DATABASE_URL and prints what it applied', async () => {
    const stdout = capture();
    const stderr = capture();

    const code = await runMigrationsCli(['--dir', 'basic'], { env: { DATABASE_URL: db.url }, stdout, stderr, cwd: FIXTURES });

    expect(code).toBe(0);
    expect(stdout.text()).toContain('Applied 20240101000000_create_widget\nApplied 20240102000000_create_gadget\n');
    expect((await migrationRows(db.url)).map((row) => row.migration_name)).toEqual(['20240101000000_create_widget', '20240102000000_create_gadget']);

    const again = capture();
    expect(await runMigrationsCli(['--dir', 'basic'], { env: { DATABASE_URL: db.url }, stdout: again, stderr, cwd: FIXTURES })).toBe(0);
    expect(again.text()).toBe('No pending migrations (2 already applied).\n');
  });

  it('exits 1 and names the migration when one fails', async () => {
    const stdout = capture();
    const stderr = capture();

    const code = await runMigrationsCli(['--dir', path.join(FIXTURES, 'failing')], { env: { DATABASE_URL: db.url }, stdout, stderr });

    expect(code).toBe(1);
    expect(stderr.text()).toMatch(/Migration failed: Migration "20240102000000_broken" failed/);
  });

  it('exits 2 with usage when --dir or DATABASE_URL is missing or an option is unknown', async () => {
    const stderr = capture();
    const stdout = capture();

    expect(await runMigrationsCli([], { env: { DATABASE_URL: db.url }, stdout, stderr })).toBe(2);
    expect(await runMigrationsCli(['--dir', 'x'], { env: {}, stdout, stderr })).toBe(2);
    expect(await runMigrationsCli(['--dir', 'x', '--force'], { env: { DATABASE_URL: db.url }, stdout, stderr })).toBe(2);

    expect(stderr.text()).toContain('--dir is required.');
    expect(stderr.text()).toContain('DATABASE_URL is not set.');
    expect(stderr.text()).toContain("Unknown option '--force'");
    expect(stdout.text()).toBe('');
  });

  it('runs as a script with node --import tsx, creating the database when asked', async () => {
    const url = new URL(db.url);
    const name = `${db.name}_cli`;
    url.pathname = `/${name}`;
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@referral-hub/source', '--import', 'tsx', CLI, '--dir', 'packages/platform/test/db/fixtures/basic', '--create-database'],
        { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: url.toString() }, timeout: 60_000 },
      );

      expect(stdout).toContain('Created the database.');
      expect(stdout).toContain('Applied 20240102000000_create_gadget');
      expect((await migrationRows(url.toString())).filter((row) => row.finished_at !== null)).toHaveLength(2);
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
});
