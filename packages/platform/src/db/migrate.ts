import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import { AppError } from '../errors.js';

/**
 * Applies the SQL migrations of a service, kept in Prisma's folder layout
 * (`prisma/migrations/<timestamp>_<name>/migration.sql`), and records them in
 * a `_prisma_migrations` table identical to the one Prisma's schema engine
 * keeps, so `prisma migrate status` agrees wherever that engine is available.
 */

/** Prisma's own advisory-lock key, so this runner and `prisma migrate deploy` exclude each other too. */
export const MIGRATION_ADVISORY_LOCK_KEY = 72707369;

/** The table exactly as Prisma's schema engine creates it on PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

/** Where the runner reports progress. A pino logger satisfies it. */
export type MigrationLogger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
};

export type MigrateOptions = (
  | { connectionString: string; pool?: undefined }
  | { pool: pg.Pool; connectionString?: undefined }
) & {
  /** The `prisma/migrations` folder: one sub-folder per migration, each with a `migration.sql`. */
  migrationsDir: string;
  logger?: MigrationLogger;
  /**
   * Accept migrations recorded as applied in the database that have no folder
   * here, e.g. while rolling back to an older release. Default false: such a
   * database was migrated by newer code, and this code may not understand it.
   */
  allowMissingLocally?: boolean;
  /** How long to wait for another runner holding the migration lock. Default 10 minutes. */
  lockTimeoutMs?: number;
};

export type MigrateResult = {
  /** Migrations applied by this run, in order. */
  applied: string[];
  /** Migrations found already applied, in folder order. */
  alreadyApplied: string[];
};

/** A migration folder read from disk. */
export type LocalMigration = {
  name: string;
  /** SHA-256 of the file's bytes, lower-case hex, as Prisma records it. */
  checksum: string;
  /** The file's raw bytes, kept to compare against a recorded checksum. */
  content: Buffer;
  /** The script as executed (without a byte-order mark). */
  sql: string;
};

/** Base of every error the runner throws; `migrationName` names the culprit when there is one. */
export class MigrationError extends AppError {
  readonly migrationName: string | undefined;

  constructor(code: string, message: string, migrationName?: string, cause?: unknown) {
    super(code, 500, message, { detail: message, operational: false, cause });
    this.name = 'MigrationError';
    this.migrationName = migrationName;
  }
}

/** An applied migration's file was edited afterwards: the database no longer matches the files. */
export class MigrationChecksumError extends MigrationError {
  readonly migrationNames: string[];

  constructor(migrationNames: string[]) {
    super(
      'migration_checksum_mismatch',
      `Migration ${migrationNames.map((name) => `"${name}"`).join(', ')} was modified after it was applied ` +
        '(checksum differs from the one recorded in _prisma_migrations). Restore the original file and put the ' +
        'change in a new migration.',
      migrationNames[0],
    );
    this.name = 'MigrationChecksumError';
    this.migrationNames = migrationNames;
  }
}

/** The database has applied migrations that are not in the migrations folder. */
export class MigrationMissingLocallyError extends MigrationError {
  readonly migrationNames: string[];

  constructor(migrationNames: string[]) {
    super(
      'migration_missing_locally',
      `The database has applied migration ${migrationNames.map((name) => `"${name}"`).join(', ')} that ` +
        'is not in the migrations folder; it was probably migrated by a newer release. Pass allowMissingLocally ' +
        '(--allow-missing-locally) to proceed anyway.',
      migrationNames[0],
    );
    this.name = 'MigrationMissingLocallyError';
    this.migrationNames = migrationNames;
  }
}

/** A migration started earlier (by Prisma or by hand) never finished and was not marked rolled back. */
export class MigrationPreviouslyFailedError extends MigrationError {
  constructor(migrationName: string, logs: string | null) {
    super(
      'migration_previously_failed',
      `Migration "${migrationName}" started earlier but never finished` +
        (logs === null || logs === '' ? '' : ` (${firstLine(logs)})`) +
        '. Check what it changed, repair the database, then mark it rolled back: ' +
        `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${migrationName.replaceAll("'", "''")}' ` +
        'AND finished_at IS NULL AND rolled_back_at IS NULL (or `prisma migrate resolve --rolled-back`).',
      migrationName,
    );
    this.name = 'MigrationPreviouslyFailedError';
  }
}

/** Applying a migration failed; its transaction was rolled back, so nothing of it remains. */
export class MigrationApplyError extends MigrationError {
  constructor(migrationName: string, cause: unknown) {
    super(
      'migration_failed',
      `Migration "${migrationName}" failed and was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`,
      migrationName,
      cause,
    );
    this.name = 'MigrationApplyError';
  }
}

/** Another runner held the migration lock for longer than `lockTimeoutMs`. */
export class MigrationLockTimeoutError extends MigrationError {
  constructor(timeoutMs: number) {
    super(
      'migration_lock_timeout',
      `Another migration runner held the migration lock (advisory lock ${MIGRATION_ADVISORY_LOCK_KEY}) for more than ${timeoutMs} ms.`,
    );
    this.name = 'MigrationLockTimeoutError';
  }
}

/** SHA-256 of a migration file, formatted as Prisma records it (64 lower-case hex digits). */
export function migrationChecksum(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Whether a recorded checksum matches a file. Like Prisma, it also accepts the
 * file with its line endings converted (LF ↔ CRLF), so a checkout with
 * `core.autocrlf` does not look like an edited migration.
 */
export function checksumMatches(content: Buffer, recorded: string): boolean {
  const wanted = recorded.toLowerCase();
  if (migrationChecksum(content) === wanted) return true;
  const text = content.toString('utf8');
  const lf = text.replaceAll('\r\n', '\n');
  return migrationChecksum(lf) === wanted || migrationChecksum(lf.replaceAll('\n', '\r\n')) === wanted;
}

/**
 * Reads `migrationsDir/<name>/migration.sql` for every sub-folder, ordered by
 * folder name (code-unit order, as Prisma sorts them). Files such as
 * `migration_lock.toml` are ignored; a folder without `migration.sql` is an error.
 */
export async function readMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    throw new MigrationError('migrations_dir_unreadable', `Cannot read the migrations folder ${migrationsDir}.`, undefined, error);
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, 'migration.sql');
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (error) {
      throw new MigrationError('migration_file_missing', `Migration folder "${name}" has no readable migration.sql.`, name, error);
    }
    // PostgreSQL rejects a leading byte-order mark; the checksum still covers the raw bytes.
    const sql = content.toString('utf8').replace(/^\uFEFF/, '');
    migrations.push({ name, checksum: migrationChecksum(content), content, sql });
  }
  return migrations;
}

type MigrationRow = {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
};

/**
 * Applies every migration of `migrationsDir` that the database has not applied yet.
 *
 * - Runs under Prisma's session-level advisory lock, so concurrent runners (two
 *   replicas starting at once) apply each migration exactly once.
 * - Each migration runs in its own transaction together with its
 *   `_prisma_migrations` row: a failure leaves nothing of it behind.
 * - Refuses to start when an applied migration was edited, when the database
 *   has migrations unknown here (unless allowed), or when an earlier run left a
 *   migration unfinished.
 *
 * A migration that itself contains `BEGIN`/`COMMIT` ends the runner's
 * transaction early; it still applies, but without that guarantee.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const local = await readMigrations(options.migrationsDir);
  const session = await openSession(options);
  let healthy = true;
  try {
    await acquireLock(session.client, options.lockTimeoutMs ?? 600_000, options.logger);
    try {
      return await applyPending(session.client, local, options);
    } finally {
      try {
        await session.client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_KEY]);
      } catch {
        // Closing the session (below) releases a session-level lock anyway.
        healthy = false;
      }
    }
  } catch (error) {
    healthy = false;
    throw error;
  } finally {
    await session.close(healthy);
  }
}

type Session = { client: pg.ClientBase; close: (healthy: boolean) => Promise<void> };

async function openSession(options: MigrateOptions): Promise<Session> {
  if (options.pool !== undefined) {
    const client = await options.pool.connect();
    // A connection that saw an error might still hold the lock or an open
    // transaction: destroy it rather than give it back to the pool.
    return { client, close: async (healthy) => client.release(healthy ? undefined : true) };
  }
  const client = new pg.Client({ connectionString: options.connectionString, application_name: 'referral-hub-migrate' });
  // Without a listener a dropped connection would crash the process instead of failing the run.
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: async () => client.end().catch(() => undefined) };
}

async function acquireLock(client: pg.ClientBase, timeoutMs: number, logger: MigrationLogger | undefined): Promise<void> {
  // Polling pg_try_advisory_lock instead of blocking in pg_advisory_lock keeps
  // the wait bounded without a lock_timeout that would also apply to the
  // migrations themselves.
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  let warned = false;
  for (;;) {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_ADVISORY_LOCK_KEY]);
    if (result.rows[0]?.locked === true) return;
    if (Date.now() >= deadline) throw new MigrationLockTimeoutError(timeoutMs);
    if (!warned) {
      logger?.info({ lockKey: MIGRATION_ADVISORY_LOCK_KEY }, 'another migration runner holds the lock; waiting');
      warned = true;
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 1_000);
  }
}

async function applyPending(client: pg.ClientBase, local: LocalMigration[], options: MigrateOptions): Promise<MigrateResult> {
  const logger = options.logger;
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<MigrationRow>(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at
       FROM _prisma_migrations
      ORDER BY started_at, id`,
  );
  // Rows marked rolled back are history only: Prisma treats their migration as not applied.
  const live = rows.filter((row) => row.rolled_back_at === null);
  const unfinished = live.find((row) => row.finished_at === null);
  if (unfinished !== undefined) throw new MigrationPreviouslyFailedError(unfinished.migration_name, unfinished.logs);

  const appliedRows = new Map<string, MigrationRow>();
  for (const row of live) appliedRows.set(row.migration_name, row);

  const localByName = new Map(local.map((migration) => [migration.name, migration]));
  const changed: string[] = [];
  for (const migration of local) {
    const row = appliedRows.get(migration.name);
    if (row === undefined) continue;
    if (!checksumMatches(migration.content, row.checksum)) changed.push(migration.name);
  }
  if (changed.length > 0) throw new MigrationChecksumError(changed);

  const missing = [...appliedRows.keys()].filter((name) => !localByName.has(name));
  if (missing.length > 0) {
    if (options.allowMissingLocally !== true) throw new MigrationMissingLocallyError(missing);
    logger?.warn({ migrations: missing }, 'database has applied migrations that are not in the migrations folder');
  }

  const alreadyApplied = local.filter((migration) => appliedRows.has(migration.name)).map((migration) => migration.name);
  const pending = local.filter((migration) => !appliedRows.has(migration.name));
  const lastApplied = alreadyApplied.at(-1);
  const applied: string[] = [];
  for (const migration of pending) {
    if (lastApplied !== undefined && migration.name < lastApplied) {
      logger?.warn({ migration: migration.name, lastApplied }, 'applying a migration older than the last applied one');
    }
    const started = Date.now();
    await applyOne(client, migration);
    applied.push(migration.name);
    logger?.info({ migration: migration.name, durationMs: Date.now() - started }, 'applied migration');
  }
  return { applied, alreadyApplied };
}

async function applyOne(client: pg.ClientBase, migration: LocalMigration): Promise<void> {
  try {
    await client.query('BEGIN');
    // No parameters: the simple-query protocol runs the whole multi-statement script.
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    await recordRolledBackAttempt(client, migration, error);
    throw new MigrationApplyError(migration.name, error);
  }
}

/**
 * Keeps a trace of the failed attempt the way Prisma shows a resolved failure:
 * not finished, rolled back, with the error in `logs`. Prisma and this runner
 * both ignore such rows when deciding what to apply.
 */
async function recordRolledBackAttempt(client: pg.ClientBase, migration: LocalMigration, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  try {
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, NULL, $3, $4, clock_timestamp(), now(), 0)`,
      [randomUUID(), migration.checksum, migration.name, `referral-hub migrate: rolled back after error: ${message}`],
    );
  } catch {
    // The trace is a courtesy; the thrown MigrationApplyError is what matters.
  }
}

export type EnsureDatabaseOptions = {
  /** The database to connect to for `CREATE DATABASE`. Default `postgres`. */
  maintenanceDatabase?: string;
};

/**
 * Creates the database named in `connectionString` when it does not exist yet,
 * connecting to the `postgres` database of the same server to do so. Returns
 * whether it created it. Safe to call concurrently.
 */
export async function ensureDatabase(connectionString: string, options: EnsureDatabaseOptions = {}): Promise<boolean> {
  const { database, adminUrl } = splitDatabaseUrl(connectionString, options.maintenanceDatabase ?? 'postgres');
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'referral-hub-migrate' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount !== null && existing.rowCount > 0) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
      return true;
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if (isPgError(error, '42P04') || isPgError(error, '23505')) return false;
      throw error;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Splits a `postgres://` / `postgresql://` URL into its database name and the
 * same URL pointing at `maintenanceDatabase`.
 */
export function splitDatabaseUrl(connectionString: string, maintenanceDatabase = 'postgres'): { database: string; adminUrl: string } {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new AppError('invalid_database_url', 500, 'Invalid database URL', {
      detail: 'The database connection string must be a postgres:// or postgresql:// URL.',
      operational: false,
    });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new AppError('invalid_database_url', 500, 'Invalid database URL', {
      detail: `Unsupported database URL scheme "${url.protocol}".`,
      operational: false,
    });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') {
    throw new AppError('invalid_database_url', 500, 'Invalid database URL', {
      detail: 'The database URL names no database.',
      operational: false,
    });
  }
  url.pathname = `/${encodeURIComponent(maintenanceDatabase)}`;
  return { database, adminUrl: url.toString() };
}

/** Quotes a PostgreSQL identifier (`"a""b"`). */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function isPgError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line.trim();
}
