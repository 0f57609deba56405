import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { ensureDatabase, migrate, MigrationError } from './migrate.js';
import type { MigrationLogger } from './migrate.js';

/**
 * Command line for the migration runner:
 *
 *   node --conditions=@referral-hub/source --import tsx packages/platform/src/db/migrate-cli.ts \
 *     --dir services/directory/prisma/migrations [--create-database] [--allow-missing-locally]
 *
 * The database comes from `DATABASE_URL` only, so its password never appears
 * in a process list.
 */

export type MigrationsCliIo = {
  env?: NodeJS.ProcessEnv;
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Resolves a relative `--dir`. Default `process.cwd()`. */
  cwd?: string;
};

const USAGE = `Usage: migrate-cli --dir <prisma/migrations folder> [--create-database] [--allow-missing-locally]

Applies the folder's pending migrations to the database in DATABASE_URL.
  --dir                    the migrations folder (one sub-folder per migration with a migration.sql)
  --create-database        create the database first when it does not exist
  --allow-missing-locally  proceed although the database has migrations this folder lacks
`;

/**
 * Runs the migration CLI with `argv` (without `node` and the script) and
 * returns the process exit code: 0 applied or nothing to do, 1 a migration
 * problem, 2 a usage error.
 */
export async function runMigrationsCli(argv: readonly string[], io: MigrationsCliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;

  let values: { dir?: string; 'create-database'?: boolean; 'allow-missing-locally'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        dir: { type: 'string' },
        'create-database': { type: 'boolean' },
        'allow-missing-locally': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    stdout.write(USAGE);
    return 0;
  }
  if (values.dir === undefined || values.dir === '') {
    stderr.write(`--dir is required.\n\n${USAGE}`);
    return 2;
  }
  const connectionString = env.DATABASE_URL;
  if (connectionString === undefined || connectionString === '') {
    stderr.write('DATABASE_URL is not set.\n');
    return 2;
  }
  const migrationsDir = path.resolve(io.cwd ?? process.cwd(), values.dir);

  const describe = (fields: Record<string, unknown>): string => {
    const parts = Object.entries(fields).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
  };
  // Progress goes to stderr so that stdout holds only the outcome.
  const logger: MigrationLogger = {
    info: (fields, message) => void stderr.write(`${message}${describe(fields)}\n`),
    warn: (fields, message) => void stderr.write(`warning: ${message}${describe(fields)}\n`),
  };
  try {
    if (values['create-database'] === true && (await ensureDatabase(connectionString))) {
      stdout.write('Created the database.\n');
    }
    const result = await migrate({
      connectionString,
      migrationsDir,
      logger,
      allowMissingLocally: values['allow-missing-locally'] === true,
    });
    for (const name of result.applied) stdout.write(`Applied ${name}\n`);
    stdout.write(
      result.applied.length === 0
        ? `No pending migrations (${result.alreadyApplied.length} already applied).\n`
        : `Applied ${result.applied.length} migration(s); ${result.alreadyApplied.length} were already applied.\n`,
    );
    return 0;
  } catch (error) {
    // MigrationError messages name the migration and say what to do; others are connection problems.
    const message = error instanceof MigrationError || error instanceof Error ? error.message : String(error);
    stderr.write(`Migration failed: ${message}\n`);
    return 1;
  }
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    // Compare real paths: pnpm reaches workspace packages through symlinks.
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  process.exitCode = await runMigrationsCli(process.argv.slice(2));
}
