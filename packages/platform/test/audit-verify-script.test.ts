import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrate } from '../src/index.js';
import { createTempDatabase, withClient } from './db/helpers.js';
import type { TempDatabase } from './db/helpers.js';

/**
 * scripts/audit-verify.ts, run as an operator runs it, against freshly
 * migrated databases of the three services that keep audit records.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const SERVICES = ['directory', 'consent', 'referrals'] as const;
const databases = new Map<string, TempDatabase>();

beforeAll(async () => {
  for (const service of SERVICES) {
    const database = await createTempDatabase();
    databases.set(service, database);
    await migrate({ connectionString: database.url, migrationsDir: `${repoRoot}services/${service}/prisma/migrations` });
  }
  await withClient(url('directory'), async (client) => {
    for (let i = 1; i <= 3; i += 1) {
      await client.query(
        `INSERT INTO change_history (id, entity_type, entity_id, change, changed_fields, version, actor_user_id, actor_org_id)
         VALUES ($1, 'organization', $2, 'updated', '{name}', $3, 'coordinator', $2)`,
        [randomUUID(), randomUUID(), i],
      );
    }
  });
  await withClient(url('consent'), (client) =>
    client.query(`INSERT INTO network_policy (version, settings, updated_by) VALUES (1, '{"maxConsentValidityDays": 90}', 'coordinator')`),
  );
});

afterAll(async () => {
  for (const database of databases.values()) await database.drop();
});

function url(service: string): string {
  const database = databases.get(service);
  if (database === undefined) throw new Error(`no database for ${service}`);
  return database.url;
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const service of SERVICES) env[`${service.toUpperCase()}_DATABASE_URL`] = url(service);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@referral-hub/source', '--import', 'tsx', 'scripts/audit-verify.ts', ...args],
      { cwd: repoRoot, env },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

type Result = { ok: boolean; services: { service: string; chains?: { table: string; rows: number; ok: boolean; firstBrokenSeq?: number }[] }[] };

describe('scripts/audit-verify.ts', () => {
  it('reports every chain of every service intact, and exits 0', async () => {
    const { code, stdout } = await run(['--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Result;
    expect(result.ok).toBe(true);
    expect(result.services.map((s) => s.service)).toEqual(['directory', 'consent', 'referrals']);
    const chains = result.services.flatMap((s) => (s.chains ?? []).map((c) => [s.service, c.table, c.rows, c.ok]));
    expect(chains).toEqual([
      ['directory', 'change_history', 3, true],
      ['consent', 'decision', 0, true],
      ['consent', 'consent', 0, true],
      ['consent', 'override', 0, true],
      ['consent', 'network_policy', 1, true],
      ['consent', 'agreement_acceptance', 0, true],
      ['consent', 'override_decision', 0, true],
      ['referrals', 'referral_history', 0, true],
      ['referrals', 'access_log', 0, true],
    ]);
  });

  it('names the broken table and position, and exits 1, once a row was edited behind the triggers', async () => {
    await withClient(url('directory'), async (client) => {
      await client.query('BEGIN');
      await client.query('ALTER TABLE change_history DISABLE TRIGGER ALL');
      await client.query(`UPDATE change_history SET actor_user_id = 'someone-else' WHERE chain_seq = 2`);
      await client.query('ALTER TABLE change_history ENABLE TRIGGER ALL');
      await client.query('COMMIT');
    });
    const { code, stdout } = await run([]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/directory\s+change_history\s+3\s+BROKEN at seq 2: row 2 no longer matches its hash/);
    expect(stdout).toMatch(/consent\s+network_policy\s+1\s+intact \(head 1 [0-9a-f]{16}…\)/);

    const only = await run(['--service', 'consent', '--json']);
    expect(only.code).toBe(0);
    expect((JSON.parse(only.stdout) as Result).services.map((s) => s.service)).toEqual(['consent']);
  });

  it('refuses a service without audit tables as a usage error', async () => {
    const { code, stderr } = await run(['--service', 'notifications']);
    expect(code).toBe(2);
    expect(stderr).toContain('no audit tables in service notifications');
  });
});
