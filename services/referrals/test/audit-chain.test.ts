import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  AUDIT_APPEND_ONLY_MESSAGE,
  AUDIT_CHAIN_COLUMNS,
  auditChainAppendFunctionSql,
  auditChainAtCommitSql,
  auditChainMigrationSql,
  auditHashSql,
  verifyAuditChain,
} from '@referral-hub/platform';
import type { AuditTable } from '@referral-hub/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TABLES } from '../src/data-access/audit-tables.js';
import type { ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/**
 * The referral history and the access log are hash-chained (ADR 10): what the
 * use-cases write verifies, the service cannot rewrite or remove it, and a
 * tamperer who disables the triggers is found out.
 */

const chainMigration = new URL('../prisma/migrations/20261208000100_audit_chain/migration.sql', import.meta.url);
/** Makes the chain hash the history's channel columns when set (`addedColumns`). */
const channelsMigration = new URL('../prisma/migrations/20261213120000_history_channel_audit_chain/migration.sql', import.meta.url);
/** Chains each row when its transaction commits from then on (ADR 17). */
const atCommitMigration = new URL('../prisma/migrations/20261215000100_audit_chain_at_commit/migration.sql', import.meta.url);

/** A table as the first chain migration knew it: without the columns added since. */
function asFirstChained(auditTable: AuditTable): AuditTable {
  return { table: auditTable.table, columns: auditTable.columns, ...(auditTable.writeOnce === undefined ? {} : { writeOnce: auditTable.writeOnce }), ...(auditTable.backfillOrder === undefined ? {} : { backfillOrder: auditTable.backfillOrder }) };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-audit');
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));

function table(name: string): AuditTable {
  const found = AUDIT_TABLES.find((t) => t.table === name);
  if (found === undefined) throw new Error(`${name} is not an audit table`);
  return found;
}

const verify = (name: string) => verifyAuditChain(h.testEnv.database.pool, table(name));

/** A referral submitted, read by the recipient's focal point, acknowledged and accepted. */
async function referralRead(): Promise<{ referralId: string; focalPoint: ReturnType<typeof as> }> {
  const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
  const lead = as('caseworker', owner);
  const focalPoint = as('focal_point', recipient);
  const draft = await json<ReferralView>(
    await api('POST', '/v1/referrals', lead, {
      caseCode,
      recipientOrganizationId: recipient,
      recipientServiceId: serviceId,
      urgency: 'high',
      need: { category: 'psychosocial_distress', text: 'Soutien' },
      payload: PAYLOAD,
    }),
    201,
  );
  await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
  await json(await api('GET', `/v1/referrals/${draft.id}`, focalPoint), 200);
  await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, focalPoint), 200);
  await json(await api('POST', `/v1/referrals/${draft.id}/accept`, focalPoint), 200);
  return { referralId: draft.id, focalPoint };
}

async function rowsOf(tableName: string, referralId: string): Promise<{ id: string; chain_seq: string }[]> {
  const { rows } = await h.testEnv.database.pool.query<{ id: string; chain_seq: string }>(
    `SELECT id, chain_seq FROM ${tableName} WHERE referral_id = $1 ORDER BY chain_seq`,
    [referralId],
  );
  return rows;
}

async function tamper(tableName: string, sql: string, params: unknown[]): Promise<void> {
  const db = await h.testEnv.database.pool.connect();
  try {
    await db.query('BEGIN');
    await db.query(`ALTER TABLE ${tableName} DISABLE TRIGGER ALL`);
    await db.query(sql, params);
    await db.query(`ALTER TABLE ${tableName} ENABLE TRIGGER ALL`);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  } finally {
    db.release();
  }
}

describe('the referral history and the access log', () => {
  it('are chained by exactly the SQL the platform generates, over every column', async () => {
    expect(AUDIT_TABLES.map((t) => t.table).sort()).toEqual(['access_log', 'referral_history']);
    const migration = await readFile(chainMigration, 'utf8');
    const channels = await readFile(channelsMigration, 'utf8');
    const atCommit = await readFile(atCommitMigration, 'utf8');
    for (const auditTable of AUDIT_TABLES) {
      expect(migration).toContain(auditChainMigrationSql(asFirstChained(auditTable), 'at-insert'));
      if (auditTable.addedColumns !== undefined) expect(channels).toContain(auditChainAppendFunctionSql(auditTable, 'at-insert'));
      expect(atCommit).toContain(auditChainAtCommitSql(auditTable));
      const { rows } = await h.testEnv.database.pool.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
        [auditTable.table],
      );
      expect(rows.map((row) => row.column_name).sort(), auditTable.table).toEqual(
        [...auditTable.columns, ...(auditTable.addedColumns ?? []).map((added) => added.column), ...(auditTable.writeOnce ?? []), ...AUDIT_CHAIN_COLUMNS].sort(),
      );
    }
  });

  it('verify after a referral is submitted, read and accepted', async () => {
    const { referralId } = await referralRead();
    expect((await rowsOf('referral_history', referralId)).length).toBeGreaterThanOrEqual(3);
    expect((await rowsOf('access_log', referralId)).length).toBeGreaterThanOrEqual(1);
    for (const name of ['referral_history', 'access_log']) {
      const report = await verify(name);
      expect(report, name).toMatchObject({ ok: true, triggersEnabled: true });
      expect(report.head?.seq, name).toBe(report.rows);
    }
  });

  it('twenty reads at once still log into one unbroken chain', async () => {
    const { referralId, focalPoint } = await referralRead();
    const before = await rowsOf('access_log', referralId);
    await Promise.all(Array.from({ length: 20 }, async () => json(await api('GET', `/v1/referrals/${referralId}`, focalPoint), 200)));
    expect(await rowsOf('access_log', referralId)).toHaveLength(before.length + 20);
    expect(await verify('access_log')).toMatchObject({ ok: true });
  });

  it('are not held up by a transaction that appended to the access log and has not committed (ADR 17)', async () => {
    const { referralId, focalPoint } = await referralRead();
    const before = await rowsOf('access_log', referralId);
    const open = await h.testEnv.database.pool.connect();
    try {
      await open.query('BEGIN');
      await open.query(
        `INSERT INTO access_log (id, referral_id, reader_user_id, reader_organization_id, field_keys, request_id)
         SELECT $1, referral_id, reader_user_id, reader_organization_id, field_keys, 'still-open' FROM access_log WHERE referral_id = $2 LIMIT 1`,
        [randomUUID(), referralId],
      );
      // Under ADR 10 this read's own access-log row waited for the lock the open transaction held until it ended.
      const read = api('GET', `/v1/referrals/${referralId}`, focalPoint).then((response) => json(response, 200));
      const waited = new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 5_000).unref());
      expect(await Promise.race([read.then(() => 'read'), waited])).toBe('read');
      expect(await rowsOf('access_log', referralId)).toHaveLength(before.length + 1);
      await open.query('COMMIT');
    } finally {
      open.release();
    }
    expect(await rowsOf('access_log', referralId)).toHaveLength(before.length + 2);
    expect(await verify('access_log')).toMatchObject({ ok: true });
  });

  it('hash the rows of the console and API (channel api) exactly as before the channel columns were added', async () => {
    const { referralId } = await referralRead();
    const history = table('referral_history');
    // What the first chain migration's trigger computed, over the columns it knew: rows from then verify unchanged.
    const { rows } = await h.testEnv.database.pool.query<{ same: boolean; channel: string }>(
      `SELECT t.hash = ${auditHashSql(asFirstChained(history), 't', 't.chain_seq', 't.prev_hash')} AS same, t.channel
         FROM referral_history t WHERE t.referral_id = $1`,
      [referralId],
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows).toEqual(rows.map(() => ({ same: true, channel: 'api' })));
  });

  it('cover the channel of a step: a step made to look like an SMS reply breaks the chain at its row', async () => {
    const { referralId } = await referralRead();
    const [entry] = await rowsOf('referral_history', referralId);
    const focalPointId = randomUUID();
    await tamper('referral_history', `UPDATE referral_history SET channel = 'sms', actor_focal_point_id = $2 WHERE id = $1`, [entry?.id, focalPointId]);
    expect(await verify('referral_history')).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: Number(entry?.chain_seq) });
    await tamper('referral_history', `UPDATE referral_history SET channel = 'api', actor_focal_point_id = NULL WHERE id = $1`, [entry?.id]);
    expect(await verify('referral_history')).toMatchObject({ ok: true });
  });

  it('cannot be rewritten or pruned by the service', async () => {
    const { referralId } = await referralRead();
    const db = h.referrals.db.client;
    await expect(db.referralHistory.updateMany({ where: { referralId }, data: { actorUserId: 'someone-else' } })).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(db.accessLogEntry.deleteMany({ where: { referralId } })).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(db.$executeRawUnsafe('TRUNCATE access_log')).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    expect((await rowsOf('access_log', referralId)).length).toBeGreaterThanOrEqual(1);
    expect(await verify('access_log')).toMatchObject({ ok: true });
    expect(await verify('referral_history')).toMatchObject({ ok: true });
  });
});

describe('with the triggers disabled, as a superuser could', () => {
  it('a read whose field keys were narrowed is reported broken at its position, and intact once put back', async () => {
    const { referralId } = await referralRead();
    const [entry] = await rowsOf('access_log', referralId);
    const { rows } = await h.testEnv.database.pool.query<{ field_keys: string[] }>('SELECT field_keys FROM access_log WHERE id = $1', [entry?.id]);
    await tamper('access_log', `UPDATE access_log SET field_keys = '{}' WHERE id = $1`, [entry?.id]);
    expect(await verify('access_log')).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: Number(entry?.chain_seq) });
    await tamper('access_log', 'UPDATE access_log SET field_keys = $2 WHERE id = $1', [entry?.id, rows[0]?.field_keys]);
    expect(await verify('access_log')).toMatchObject({ ok: true });
  });

  it('a deleted history entry is reported as the missing position', async () => {
    const { referralId } = await referralRead();
    const entries = await rowsOf('referral_history', referralId);
    const entry = entries[1];
    await tamper('referral_history', 'DELETE FROM referral_history WHERE id = $1', [entry?.id]);
    const report = await verify('referral_history');
    expect(report).toMatchObject({ ok: false, problem: 'missing', firstBrokenSeq: Number(entry?.chain_seq) });
  });
});
