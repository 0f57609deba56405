// Generated from db.mjs by scripts/lib/declarations.mjs; do not edit.
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
export function splitPsqlScript(sql: string): {
    sql: string;
    gexec: boolean;
}[];
/**
 * Runs a psql script through the `pg` module, for machines without psql.
 * @param {string} root repository root (to find `pg`)
 * @param {string} url admin connection string
 * @param {string} sql script text
 */
export function runPsqlScriptWithPg(root: string, url: string, sql: string): Promise<void>;
/**
 * Applies infra/postgres/init.sql (idempotent): with psql when it is installed,
 * otherwise with the pg module.
 * @param {string} root repository root
 * @param {{ url?: string, prefer?: 'psql' | 'pg' }} [options]
 */
export function applyInitSql(root: string, options?: {
    url?: string;
    prefer?: "psql" | "pg";
}): Promise<void>;
/**
 * Creates the databases and roles, then applies every service's migrations.
 * Services without migrations yet are skipped with a note.
 * @param {string} root repository root
 * @param {NodeJS.ProcessEnv} env base environment for the runner (PATH etc.)
 */
export function migrateAll(root: string, env: NodeJS.ProcessEnv): Promise<void>;
/**
 * A connection string safe to print: the password, if any, is masked.
 * @param {string} url
 * @returns {string}
 */
export function redactUrl(url: string): string;
/**
 * The part of pg's client this file uses.
 */
export type PgClient = {
    connect: () => Promise<void>;
    query: (sql: string) => Promise<{
        rows: Record<string, unknown>[];
    } | {
        rows: Record<string, unknown>[];
    }[]>;
    end: () => Promise<void>;
};
