import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { applyInitSql, runPsqlScriptWithPg, splitPsqlScript } from '../../scripts/lib/db.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ADMIN_URL = process.env.HUB_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SERVICES = ['directory', 'consent', 'referrals', 'notifications'] as const;

type QueryResult = { rows: Record<string, unknown>[] };
type PgClient = {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  end(): Promise<void>;
};
type PgModule = { Client: new (options: { connectionString: string }) => PgClient };

// The root has no dependency on pg; the platform package does.
const pg = createRequire(join(root, 'packages', 'platform', 'package.json'))('pg') as PgModule;

async function withAdmin<T>(action: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}

describe('infra/postgres/init.sql', () => {
  // One test so that the two runs never race each other; init.sql is what
  // `npm start` applies to this same cluster, so it is safe to apply here.
  it('can be applied again and again, with psql or without, and keeps each role to its own database', async () => {
    await applyInitSql(root, { url: ADMIN_URL, prefer: 'psql' });
    await applyInitSql(root, { url: ADMIN_URL, prefer: 'pg' });
    await applyInitSql(root, { url: ADMIN_URL, prefer: 'psql' });

    await withAdmin(async (client) => {
      for (const svc of SERVICES) {
        const role = `${svc}_svc`;
        const { rows } = await client.query(
          `SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
             FROM pg_roles WHERE rolname = $1`,
          [role],
        );
        expect(rows).toEqual([
          { rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
        ]);
        const owner = await client.query(
          'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
          [`hub_${svc}`],
        );
        expect(owner.rows).toEqual([{ owner: role }]);

        for (const other of SERVICES) {
          const access = await client.query('SELECT has_database_privilege($1, $2, $3) AS allowed', [
            role,
            `hub_${other}`,
            'CONNECT',
          ]);
          expect(access.rows[0]?.allowed, `${role} CONNECT hub_${other}`).toBe(other === svc);
        }
      }
    });
  });
});

describe('the psql-less runner of init.sql', () => {
  it('runs every statement that a \\gexec query produces', async () => {
    const name = `test_${randomBytes(6).toString('hex')}`;
    const script = [
      '-- a comment, then a query whose result is executed',
      `SELECT format('CREATE DATABASE %I', '${name}')`,
      `WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${name}')`,
      '\\gexec',
      '',
    ].join('\n');
    try {
      await runPsqlScriptWithPg(root, ADMIN_URL, script);
      // Idempotent like init.sql: the second run produces no statement.
      await runPsqlScriptWithPg(root, ADMIN_URL, script);
      const found = await withAdmin((client) => client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
      expect(found.rows).toHaveLength(1);
    } finally {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}"`));
    }
  });

  it('refuses a psql meta-command it cannot honour instead of skipping it', () => {
    expect(() => splitPsqlScript('SELECT 1;\n\\connect other\nSELECT 2;')).toThrow(/unsupported psql meta-command.*\\connect/);
  });

  it('splits a script at each \\gexec and keeps the statements after the last one', () => {
    const chunks = splitPsqlScript('DO $$ BEGIN END $$;\nSELECT 1\n\\gexec\nGRANT x TO y;\n-- done\n');
    expect(chunks).toEqual([
      { sql: 'DO $$ BEGIN END $$;\nSELECT 1', gexec: true },
      { sql: 'GRANT x TO y;\n-- done\n', gexec: false },
    ]);
  });
});
