import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_APPEND_ONLY_MESSAGE, AUDIT_CHAIN_COLUMNS, auditChainAtCommitSql, auditChainMigrationSql, migrate, verifyAuditChain } from '@referral-hub/platform';
import type { AuditTable } from '@referral-hub/platform';
import { createTestDatabase } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TABLES } from '../src/data-access/audit-tables.js';
import { coordinator, createOrg, member, startDirectory } from './support/directory.js';
import type { Svc, TestDirectory } from './support/directory.js';

/**
 * The directory's change history is hash-chained (ADR 10), each entry when
 * its transaction commits (ADR 17): what the use-cases write verifies, the
 * service cannot rewrite or remove it, and a tamperer who disables the
 * triggers is found out.
 */

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const chainMigration = new URL('../prisma/migrations/20261208000100_audit_chain/migration.sql', import.meta.url);
/** From then on, chained at commit (ADR 17). */
const atCommitMigration = new URL('../prisma/migrations/20261215000100_audit_chain_at_commit/migration.sql', import.meta.url);

let dir: TestDirectory;

beforeAll(async () => {
  dir = await startDirectory('directory-audit');
});

afterAll(async () => {
  await dir?.stop();
});

const history: AuditTable = AUDIT_TABLES.find((t) => t.table === 'change_history') ?? { table: 'missing', columns: ['id'] };
const verify = () => verifyAuditChain(dir.testEnv.database.pool, history);

/** Changes that each leave history: an organisation created and changed, a service created and changed, a focal point added and removed. */
async function change(): Promise<{ organizationId: string; serviceId: string }> {
  const org = await createOrg(dir);
  const admin = member(org.id, 'org_admin');
  expect((await dir.call('PATCH', `/v1/organizations/${org.id}`, coordinator(), { version: org.version, description: 'Changed' })).status).toBe(200);
  const service = await dir.call<Svc>('POST', `/v1/organizations/${org.id}/services`, admin, { name: { fr: 'Écoute' }, types: ['mhpss'] });
  expect(service.status).toBe(201);
  expect((await dir.call('PATCH', `/v1/services/${service.body.id}`, admin, { version: 1, cost: 'free' })).status).toBe(200);
  const focal = await dir.call<{ id: string; version: number }>('POST', `/v1/organizations/${org.id}/focal-points`, admin, { name: 'F' });
  expect(focal.status).toBe(201);
  expect((await dir.call('DELETE', `/v1/focal-points/${focal.body.id}?version=${focal.body.version}`, admin)).status).toBe(204);
  return { organizationId: org.id, serviceId: service.body.id };
}

async function rowsOf(entityId: string): Promise<{ id: string; chain_seq: string }[]> {
  const { rows } = await dir.testEnv.database.pool.query<{ id: string; chain_seq: string }>(
    'SELECT id, chain_seq FROM change_history WHERE entity_id = $1 ORDER BY chain_seq',
    [entityId],
  );
  return rows;
}

async function tamper(sql: string, params: unknown[]): Promise<void> {
  const client = await dir.testEnv.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE change_history DISABLE TRIGGER ALL');
    await client.query(sql, params);
    await client.query('ALTER TABLE change_history ENABLE TRIGGER ALL');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

describe('the change history', () => {
  it('is chained by exactly the SQL the platform generates, over every column', async () => {
    expect(AUDIT_TABLES.map((t) => t.table)).toEqual(['change_history']);
    expect(await readFile(chainMigration, 'utf8')).toContain(auditChainMigrationSql(history, 'at-insert'));
    expect(await readFile(atCommitMigration, 'utf8')).toContain(auditChainAtCommitSql(history));
    const { rows } = await dir.testEnv.database.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'change_history'`,
    );
    expect(rows.map((row) => row.column_name).sort()).toEqual([...history.columns, ...(history.writeOnce ?? []), ...AUDIT_CHAIN_COLUMNS].sort());
  });

  it('written before the chain existed, is chained by the migration in the order it was written, and keeps its hashes when chaining moves to commit', async () => {
    // A database at the release before the chain, with history in it.
    const before = await mkdtemp(join(tmpdir(), 'directory-before-audit-'));
    await cp(migrationsDir, before, { recursive: true, filter: (source) => !source.includes('_audit_chain') });
    const database = await createTestDatabase({ migrationsDir: before });
    const insert = (version: number) =>
      database.pool.query(
        `INSERT INTO change_history (id, entity_type, entity_id, change, changed_fields, version, actor_user_id, actor_org_id)
         VALUES ($1, 'organization', $2, 'updated', '{name}', $3, 'coordinator', $2)`,
        [randomUUID(), randomUUID(), version],
      );
    try {
      const at = ['2026-11-03T10:00:00.000Z', '2026-11-01T10:00:00.000Z', '2026-11-02T10:00:00.000Z'];
      for (const [i, when] of at.entries()) {
        await database.pool.query(
          `INSERT INTO change_history (id, entity_type, entity_id, change, changed_fields, version, actor_user_id, actor_org_id, at)
           VALUES ($1, 'organization', $2, 'updated', '{name}', $3, 'coordinator', $2, $4)`,
          [randomUUID(), randomUUID(), i + 1, when],
        );
      }
      // The release of the chain (ADR 10): chained at insert.
      await cp(fileURLToPath(new URL('.', chainMigration)), join(before, '20261208000100_audit_chain'), { recursive: true });
      expect((await migrate({ connectionString: database.url, migrationsDir: before })).applied).toEqual(['20261208000100_audit_chain']);
      const { rows } = await database.pool.query<{ at: Date; chain_seq: string }>('SELECT at, chain_seq FROM change_history ORDER BY chain_seq');
      expect(rows.map((row) => [Number(row.chain_seq), row.at.toISOString()])).toEqual([
        [1, at[1]],
        [2, at[2]],
        [3, at[0]],
      ]);
      expect(await verifyAuditChain(database.pool, history)).toMatchObject({ ok: true, rows: 3 });
      await insert(4);
      const hashes = async () => (await database.pool.query<{ hash: Buffer }>('SELECT hash FROM change_history ORDER BY chain_seq')).rows;
      const chainedAtInsert = await hashes();
      expect(chainedAtInsert).toHaveLength(4);

      // Chained at commit from now on (ADR 17): the rows already chained keep their positions and hashes, new entries follow them.
      expect((await migrate({ connectionString: database.url, migrationsDir })).applied).toEqual(['20261215000100_audit_chain_at_commit']);
      expect(await hashes()).toEqual(chainedAtInsert);
      await insert(5);
      expect(await verifyAuditChain(database.pool, history)).toMatchObject({ ok: true, rows: 5, head: { seq: 5 }, triggersEnabled: true });
    } finally {
      await database.drop();
      await rm(before, { recursive: true, force: true });
    }
  });

  it('verifies after real changes, one position per entry', async () => {
    const { organizationId, serviceId } = await change();
    expect((await rowsOf(organizationId)).length).toBeGreaterThanOrEqual(2);
    expect((await rowsOf(serviceId)).length).toBe(2);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, triggersEnabled: true });
    expect(report.rows).toBeGreaterThanOrEqual(6);
    expect(report.head?.seq).toBe(report.rows);
  });

  it('keeps one chain while ten organisations are added at once', async () => {
    const before = await verify();
    await Promise.all(Array.from({ length: 10 }, () => createOrg(dir)));
    expect(await verify()).toMatchObject({ ok: true, rows: before.rows + 10 });
  });

  it('cannot be rewritten or pruned by the service', async () => {
    const { serviceId } = await change();
    const [entry] = await rowsOf(serviceId);
    const client = dir.service.db.client;
    await expect(client.changeHistory.update({ where: { id: entry?.id }, data: { actorUserId: 'someone-else' } })).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(client.changeHistory.deleteMany({ where: { entityId: serviceId } })).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(client.$executeRawUnsafe('TRUNCATE change_history')).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    expect(await rowsOf(serviceId)).toHaveLength(2);
    expect(await verify()).toMatchObject({ ok: true });
  });
});

describe('with the triggers disabled, as a superuser could', () => {
  it('an entry whose actor was changed is reported broken at its position, and intact once put back', async () => {
    const { serviceId } = await change();
    const [entry] = await rowsOf(serviceId);
    const { rows } = await dir.testEnv.database.pool.query<{ actor_user_id: string }>('SELECT actor_user_id FROM change_history WHERE id = $1', [entry?.id]);
    await tamper(`UPDATE change_history SET actor_user_id = 'someone-else' WHERE id = $1`, [entry?.id]);
    expect(await verify()).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: Number(entry?.chain_seq) });
    await tamper('UPDATE change_history SET actor_user_id = $2 WHERE id = $1', [entry?.id, rows[0]?.actor_user_id]);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('a deleted entry is reported as the missing position', async () => {
    const { organizationId } = await change();
    const [entry] = await rowsOf(organizationId);
    await tamper('DELETE FROM change_history WHERE id = $1', [entry?.id]);
    const report = await verify();
    expect(report).toMatchObject({ ok: false, problem: 'missing', firstBrokenSeq: Number(entry?.chain_seq) });
    expect(report.reason).toContain(`row ${entry?.chain_seq} is missing`);
  });

  it('an entry slipped in without the trigger is reported', async () => {
    await tamper(
      `INSERT INTO change_history (id, entity_type, entity_id, change, changed_fields, version, actor_user_id, actor_org_id)
       VALUES ($1, 'organization', $2, 'updated', '{name}', 9, 'forger', $2)`,
      [randomUUID(), randomUUID()],
    );
    expect(await verify()).toMatchObject({ ok: false });
  });
});
