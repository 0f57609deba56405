// Databases for local runs: per-service databases and roles from
// infra/postgres/init.sql, then each service's SQL migrations through the
// platform's migration runner.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { probe, run } from './proc.mjs';
import { SERVICES, adminDatabaseUrl, serviceDatabaseUrl } from './services.mjs';
import { HubError, info, paint, step } from './ui.mjs';

/**
 * The part of pg's client this file uses.
 * @typedef {object} PgClient
 * @property {() => Promise<void>} connect
 * @property {(sql: string) => Promise<{ rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[]>} query
 * @property {() => Promise<void>} end
 */

/**
 * Splits a psql script into the chunks that the pg fallback runs. The only
 * meta-command allowed is `\gexec` on its own line: the chunk before it is run
 * and every value of its result is run in turn as a statement (that is how
 * init.sql issues CREATE DATABASE, which cannot run inside a DO block).
 * @param {string} sql
 * @returns {{ sql: string, gexec: boolean }[]}
 */
export function splitPsqlScript(sql) {
  /** @type {{ sql: string, gexec: boolean }[]} */
  const chunks = [];
  /** @type {string[]} */
  let current = [];
  for (const line of sql.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '\\gexec') {
      chunks.push({ sql: current.join('\n'), gexec: true });
      current = [];
    } else if (trimmed.startsWith('\\')) {
      throw new Error(`unsupported psql meta-command in script: ${trimmed}`);
    } else {
      current.push(line);
    }
  }
  const rest = current.join('\n');
  // Comment-only or blank tail: nothing to run.
  if (rest.replace(/--.*$/gm, '').trim() !== '') chunks.push({ sql: rest, gexec: false });
  return chunks;
}

/**
 * Loads `pg` from the platform package (the root package does not depend on it).
 * @param {string} root repository root
 * @returns {{ Client: new (config: { connectionString: string }) => PgClient }}
 */
function loadPg(root) {
  const require = createRequire(join(root, 'packages', 'platform', 'package.json'));
  return require('pg');
}

/**
 * Runs a psql script through the `pg` module, for machines without psql.
 * @param {string} root repository root (to find `pg`)
 * @param {string} url admin connection string
 * @param {string} sql script text
 */
export async function runPsqlScriptWithPg(root, url, sql) {
  const pg = loadPg(root);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const chunk of splitPsqlScript(sql)) {
      const result = await client.query(chunk.sql);
      if (!chunk.gexec) continue;
      // A multi-statement chunk yields an array of results; \gexec uses the last.
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      for (const row of last?.rows ?? []) {
        for (const value of Object.values(row)) {
          if (value !== null && value !== undefined) await client.query(String(value));
        }
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Applies infra/postgres/init.sql (idempotent): with psql when it is installed,
 * otherwise with the pg module.
 * @param {string} root repository root
 * @param {{ url?: string, prefer?: 'psql' | 'pg' }} [options]
 */
export async function applyInitSql(root, options = {}) {
  const url = options.url ?? adminDatabaseUrl();
  const file = join(root, 'infra', 'postgres', 'init.sql');
  const usePsql = (options.prefer ?? 'psql') === 'psql' && probe('psql', ['--version']) !== undefined;
  if (usePsql) {
    const code = await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], { cwd: root });
    if (code !== 0) throw new HubError(`applying ${file} with psql failed (exit code ${code})`);
    return;
  }
  try {
    await runPsqlScriptWithPg(root, url, readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new HubError(`applying ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Whether a service has at least one `prisma/migrations/<name>/migration.sql`.
 * @param {string} dir
 */
function hasMigrations(dir) {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { withFileTypes: true }).some(
    (entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')),
  );
}

/**
 * Creates the databases and roles, then applies every service's migrations.
 * Services without migrations yet are skipped with a note.
 * @param {string} root repository root
 * @param {NodeJS.ProcessEnv} env base environment for the runner (PATH etc.)
 */
export async function migrateAll(root, env) {
  step('preparing databases (infra/postgres/init.sql)');
  await applyInitSql(root);

  const cli = join(root, 'packages', 'platform', 'src', 'db', 'migrate-cli.ts');
  const pending = SERVICES.filter((service) => {
    const dir = join(root, 'services', service.name, 'prisma', 'migrations');
    if (hasMigrations(dir)) return true;
    info(`${service.name}: no migrations yet, skipped`);
    return false;
  });
  if (pending.length === 0) return;
  if (!existsSync(cli)) {
    throw new HubError(`the migration runner ${cli} is missing; cannot apply migrations`);
  }

  for (const service of pending) {
    step(`migrating ${service.name} ${paint('gray', `(${service.database})`)}`);
    const dir = join('services', service.name, 'prisma', 'migrations');
    const code = await run(
      process.execPath,
      ['--conditions=@referral-hub/source', '--import', 'tsx', cli, '--dir', dir],
      { cwd: root, env: { ...env, DATABASE_URL: serviceDatabaseUrl(service) } },
    );
    if (code !== 0) throw new HubError(`migrations of ${service.name} failed (exit code ${code})`);
  }
}

/**
 * A connection string safe to print: the password, if any, is masked.
 * @param {string} url
 * @returns {string}
 */
export function redactUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable connection string>';
  }
}
