import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AUDIT_APPEND_ONLY_MESSAGE,
  AUDIT_CHAIN_LOCK_NAMESPACE,
  auditChainAppendFunctionSql,
  auditChainAtCommitSql,
  auditChainMigrationSql,
  verifyAuditChain,
} from '../src/index.js';
import type { AuditChainMode, AuditTable } from '../src/index.js';
import { createTempDatabase } from './db/helpers.js';
import type { TempDatabase } from './db/helpers.js';

/**
 * The audit hash chain on a scratch table, against the real PostgreSQL: the
 * SQL auditChainMigrationSql generates is what the services' migrations hold.
 * Tampering is done as a superuser would: with the triggers disabled.
 */

let database: TempDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTempDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 25 });
  // A client still closing when the database is dropped (WITH FORCE) is told so; that is the end we asked for.
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

/** A fresh journal-like table, optionally with rows written before the chain is installed. */
async function journal(options: { rowsBefore?: number; writeOnce?: boolean; mode?: AuditChainMode } = {}): Promise<AuditTable> {
  const name = `journal_${randomBytes(4).toString('hex')}`;
  await pool.query(`CREATE TABLE ${name} (
    id uuid PRIMARY KEY,
    actor text NOT NULL,
    field_keys text[] NOT NULL DEFAULT '{}',
    details jsonb,
    note bytea,
    closed_at timestamptz(3),
    closed_by text,
    created_at timestamptz(3) NOT NULL DEFAULT now()
  )`);
  for (let i = 0; i < (options.rowsBefore ?? 0); i += 1) {
    // Written out of created_at order, so the backfill's ORDER BY is what counts.
    await pool.query(`INSERT INTO ${name} (id, actor, created_at) VALUES ($1, $2, $3)`, [
      randomUUID(),
      `before-${i}`,
      new Date(Date.UTC(2026, 0, 10 - i)),
    ]);
  }
  const table: AuditTable = {
    table: name,
    columns: ['id', 'actor', 'field_keys', 'details', 'note', 'created_at'],
    ...(options.writeOnce === true ? { writeOnce: ['closed_at', 'closed_by'] } : {}),
  };
  await inTransaction(pool, (client) => client.query(auditChainMigrationSql(table, options.mode)));
  return table;
}

async function inTransaction<T>(db: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function append(table: AuditTable, actor: string, extra: { details?: unknown; note?: Buffer } = {}): Promise<string> {
  const id = randomUUID();
  await pool.query(`INSERT INTO ${table.table} (id, actor, field_keys, details, note) VALUES ($1, $2, $3, $4, $5)`, [
    id,
    actor,
    ['child.name', 'case.risk'],
    extra.details === undefined ? null : JSON.stringify(extra.details),
    extra.note ?? null,
  ]);
  return id;
}

/** Runs `sql` with the table's triggers off, as a superuser tampering with the rows would. */
async function tamper(table: AuditTable, sql: string, params: unknown[] = []): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`ALTER TABLE ${table.table} DISABLE TRIGGER ALL`);
    await client.query(sql, params);
    await client.query(`ALTER TABLE ${table.table} ENABLE TRIGGER ALL`);
  });
}

async function seqs(table: AuditTable): Promise<number[]> {
  const { rows } = await pool.query<{ chain_seq: string }>(`SELECT chain_seq FROM ${table.table} ORDER BY chain_seq`);
  return rows.map((row) => Number(row.chain_seq));
}

describe('the audit chain trigger', () => {
  it('chains the rows already there in created_at order, then every new row after them', async () => {
    const table = await journal({ rowsBefore: 3 });
    const { rows: old } = await pool.query<{ actor: string; chain_seq: string; prev_hash: Buffer | null }>(
      `SELECT actor, chain_seq, prev_hash FROM ${table.table} ORDER BY chain_seq`,
    );
    expect(old.map((row) => [row.actor, Number(row.chain_seq)])).toEqual([
      ['before-2', 1],
      ['before-1', 2],
      ['before-0', 3],
    ]);
    expect(old[0]?.prev_hash).toBeNull();

    await append(table, 'after-1', { details: { b: 1, a: [1, 2] }, note: Buffer.from([0, 1, 2]) });
    // Several rows in one statement chain one after the other.
    await pool.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'after-2'), ($2, 'after-3')`, [randomUUID(), randomUUID()]);
    expect(await seqs(table)).toEqual([1, 2, 3, 4, 5, 6]);

    const { rows } = await pool.query<{ chain_seq: string; prev_hash: Buffer | null; hash: Buffer }>(
      `SELECT chain_seq, prev_hash, hash FROM ${table.table} ORDER BY chain_seq`,
    );
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]?.prev_hash).toEqual(rows[i - 1]?.hash);

    const report = await verifyAuditChain(pool, table);
    expect(report).toMatchObject({ table: table.table, rows: 6, ok: true, triggersEnabled: true });
    expect(report.head).toEqual({ seq: 6, hash: rows[5]?.hash.toString('hex') });
    expect(report.firstBrokenSeq).toBeUndefined();
  });

  it('hashes the same whatever the writing and verifying sessions print values with', async () => {
    const table = await journal();
    const writer = new pg.Client({ connectionString: database.url });
    await writer.connect();
    try {
      await writer.query(`SET TimeZone = 'Pacific/Chatham'; SET bytea_output = 'escape'; SET IntervalStyle = 'sql_standard'`);
      await writer.query(`INSERT INTO ${table.table} (id, actor, note, created_at) VALUES ($1, 'w', '\\x00ff'::bytea, '2026-03-01 12:00:00.123+00')`, [
        randomUUID(),
      ]);
    } finally {
      await writer.end();
    }
    const reader = new pg.Client({ connectionString: database.url });
    await reader.connect();
    try {
      await reader.query(`SET TimeZone = 'America/Lima'; SET bytea_output = 'escape'`);
      // A client, not only a pool, may be handed to the verifier.
      expect(await verifyAuditChain(reader, table)).toMatchObject({ rows: 1, ok: true });
    } finally {
      await reader.end();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE of an append-only table', async () => {
    const table = await journal();
    const id = await append(table, 'someone');
    await expect(pool.query(`UPDATE ${table.table} SET actor = 'someone else' WHERE id = $1`, [id])).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(pool.query(`UPDATE ${table.table} SET closed_at = now() WHERE id = $1`, [id])).rejects.toThrow('UPDATE refused');
    await expect(pool.query(`DELETE FROM ${table.table} WHERE id = $1`, [id])).rejects.toThrow('DELETE refused');
    await expect(pool.query(`TRUNCATE ${table.table}`)).rejects.toThrow('TRUNCATE refused');
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 1, ok: true });
  });

  it('lets write-once columns be set once, and never the audited ones or the chain', async () => {
    const table = await journal({ writeOnce: true });
    const id = await append(table, 'someone');
    await pool.query(`UPDATE ${table.table} SET closed_at = now(), closed_by = 'supervisor' WHERE id = $1`, [id]);
    await expect(pool.query(`UPDATE ${table.table} SET closed_by = 'someone else' WHERE id = $1`, [id])).rejects.toThrow(
      'a write-once column was already set',
    );
    await expect(pool.query(`UPDATE ${table.table} SET field_keys = '{}' WHERE id = $1`, [id])).rejects.toThrow('UPDATE of an audited column refused');
    await expect(pool.query(`UPDATE ${table.table} SET hash = NULL WHERE id = $1`, [id])).rejects.toThrow('UPDATE of an audited column refused');
    await expect(pool.query(`DELETE FROM ${table.table} WHERE id = $1`, [id])).rejects.toThrow('DELETE refused');
    const { rows } = await pool.query<{ closed_by: string }>(`SELECT closed_by FROM ${table.table} WHERE id = $1`, [id]);
    expect(rows[0]?.closed_by).toBe('supervisor');
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 1, ok: true });
  });

  it('keeps one unbroken chain under 20 concurrent writers', async () => {
    const table = await journal();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        inTransaction(pool, async (client) => {
          await client.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, $2)`, [randomUUID(), `writer-${i}`]);
          // Other work after the append, in the same transaction.
          await client.query('SELECT pg_sleep(0.01)');
        }),
      ),
    );
    expect(await seqs(table)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 20, ok: true });
  });

  it('takes a rolled-back append back without leaving a hole', async () => {
    const table = await journal();
    await append(table, 'one');
    await expect(
      inTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'rolled back')`, [randomUUID()]);
        throw new Error('the use-case failed after writing its audit row');
      }),
    ).rejects.toThrow('the use-case failed');
    await append(table, 'two');
    expect(await seqs(table)).toEqual([1, 2]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 2, ok: true });
  });
});

describe('chaining at commit (ADR 17)', () => {
  /** The advisory locks of the chain a backend holds (what would make another writer wait). */
  async function chainLocksHeldBy(pid: number): Promise<number> {
    const { rows } = await pool.query<{ held: string }>(
      `SELECT count(*)::text AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = $1 AND classid = $2::oid AND granted`,
      [pid, AUDIT_CHAIN_LOCK_NAMESPACE],
    );
    return Number(rows[0]?.held);
  }

  it('holds no lock after an audit insert: a second writer commits while the first is still open, and the chain follows commit order', async () => {
    const table = await journal();
    const first = await pool.connect();
    try {
      await first.query('BEGIN');
      const { rows } = await first.query<{ pid: number }>(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'first') RETURNING pg_backend_pid() AS pid`, [
        randomUUID(),
      ]);
      const pid = rows[0]?.pid ?? 0;
      // Other work of the use-case, in the same transaction: the chain's lock is not held meanwhile.
      await first.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'first, again')`, [randomUUID()]);
      expect(await chainLocksHeldBy(pid)).toBe(0);
      // The second writer is not blocked (a lock wait would time out here, not hang the test).
      const second = await pool.connect();
      try {
        await second.query(`SET lock_timeout = '2s'`);
        await second.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'second')`, [randomUUID()]);
      } finally {
        second.release();
      }
      const { rows: seen } = await pool.query<{ actor: string; chain_seq: string }>(`SELECT actor, chain_seq FROM ${table.table}`);
      expect(seen.map((row) => [row.actor, Number(row.chain_seq)])).toEqual([['second', 1]]);
      await first.query('COMMIT');
    } finally {
      first.release();
    }
    const { rows: chained } = await pool.query<{ actor: string }>(`SELECT actor FROM ${table.table} ORDER BY chain_seq`);
    expect(chained.map((row) => row.actor)).toEqual(['second', 'first', 'first, again']);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 3, ok: true, triggersEnabled: true });
  });

  it('keeps one chain per table, never forked, under 24 writers each appending to two tables in turn with pauses between statements', async () => {
    const left = await journal();
    const right = await journal({ writeOnce: true });
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        inTransaction(pool, async (client) => {
          // Half the writers go left then right, half right then left: their locks are still taken in one order.
          const order = i % 2 === 0 ? [left, right, left] : [right, left, right];
          for (const [step, table] of order.entries()) {
            await client.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, $2)`, [randomUUID(), `writer-${i}-${step}`]);
            await sleep(5);
          }
          await client.query('SELECT pg_sleep(0.005)');
        }),
      ),
    );
    expect(await seqs(left)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
    expect(await seqs(right)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
    expect(await verifyAuditChain(pool, left)).toMatchObject({ rows: 36, ok: true });
    expect(await verifyAuditChain(pool, right)).toMatchObject({ rows: 36, ok: true });
    // A transaction's rows keep their order in the chain.
    const { rows } = await pool.query<{ actor: string }>(`SELECT actor FROM ${left.table} WHERE actor LIKE 'writer-0-%' ORDER BY chain_seq`);
    expect(rows.map((row) => row.actor)).toEqual(['writer-0-0', 'writer-0-2']);
  });

  it('leaves no hole for a rolled-back savepoint, and chains the rows of the transaction that commits', async () => {
    const table = await journal();
    await append(table, 'one');
    await inTransaction(pool, async (client) => {
      await client.query('SAVEPOINT attempt');
      await client.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'rolled back')`, [randomUUID()]);
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      await client.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'two')`, [randomUUID()]);
    });
    const { rows } = await pool.query<{ actor: string }>(`SELECT actor FROM ${table.table} ORDER BY chain_seq`);
    expect(rows.map((row) => row.actor)).toEqual(['one', 'two']);
    expect(await seqs(table)).toEqual([1, 2]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 2, ok: true });
  });

  it('chains a row stamped write-once in the transaction that inserted it', async () => {
    const table = await journal({ writeOnce: true });
    const id = randomUUID();
    await inTransaction(pool, async (client) => {
      await client.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'opened and closed')`, [id]);
      await client.query(`UPDATE ${table.table} SET closed_at = now(), closed_by = 'supervisor' WHERE id = $1`, [id]);
    });
    const { rows } = await pool.query<{ closed_by: string; chain_seq: string }>(`SELECT closed_by, chain_seq FROM ${table.table} WHERE id = $1`, [id]);
    expect(rows).toEqual([{ closed_by: 'supervisor', chain_seq: '1' }]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 1, ok: true });
  });

  it('ignores chain values a client sends, and refuses a client stamping a pending row itself', async () => {
    const table = await journal();
    await pool.query(`INSERT INTO ${table.table} (id, actor, chain_seq, prev_hash, hash) VALUES ($1, 'sly', 7, '\\x00', '\\x01')`, [randomUUID()]);
    expect(await seqs(table)).toEqual([1]);
    await expect(
      inTransaction(pool, async (client) => {
        const id = randomUUID();
        await client.query(`INSERT INTO ${table.table} (id, actor) VALUES ($1, 'pending')`, [id]);
        await client.query(`UPDATE ${table.table} SET chain_seq = 2, hash = '\\x02' WHERE id = $1`, [id]);
      }),
    ).rejects.toThrow('UPDATE refused');
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 1, ok: true });
  });

  it('never chains a row written with the triggers off, even one dressed as pending', async () => {
    const table = await journal();
    await append(table, 'one');
    await tamper(table, `INSERT INTO ${table.table} (id, actor, chain_seq) VALUES ($1, 'forged', -1)`, [randomUUID()]);
    await expect(pool.query(`UPDATE ${table.table} SET chain_seq = 2, hash = '\\x02' WHERE actor = 'forged'`)).rejects.toThrow('UPDATE refused');
    await append(table, 'two');
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 3, ok: false, problem: 'unchained' });
  });

  it('reports the rows committed while the link trigger alone was off as unchained, and the triggers as off', async () => {
    const table = await journal();
    await append(table, 'one');
    await pool.query(`ALTER TABLE ${table.table} DISABLE TRIGGER ${table.table}_audit_chain_link`);
    await append(table, 'left pending');
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 2, ok: false, problem: 'unchained', triggersEnabled: false });
    await pool.query(`ALTER TABLE ${table.table} ENABLE TRIGGER ${table.table}_audit_chain_link`);
  });

  it('moves a table chained at insert (ADR 10) to chaining at commit, the rows already chained keeping their hashes', async () => {
    const first = await journal({ mode: 'at-insert', writeOnce: true });
    await append(first, 'before-1');
    await pool.query(`ALTER TABLE ${first.table} ADD COLUMN channel text NOT NULL DEFAULT 'api'`);
    const table: AuditTable = { ...first, addedColumns: [{ column: 'channel', unset: "'api'" }] };
    await inTransaction(pool, (client) => client.query(auditChainAppendFunctionSql(table, 'at-insert')));
    await pool.query(`INSERT INTO ${table.table} (id, actor, channel) VALUES ($1, 'before-2', 'sms')`, [randomUUID()]);
    const { rows: before } = await pool.query<{ hash: Buffer }>(`SELECT hash FROM ${table.table} ORDER BY chain_seq`);

    await inTransaction(pool, (client) => client.query(auditChainAtCommitSql(table)));
    const { rows: kept } = await pool.query<{ hash: Buffer }>(`SELECT hash FROM ${table.table} ORDER BY chain_seq`);
    expect(kept).toEqual(before);
    await pool.query(`INSERT INTO ${table.table} (id, actor, channel) VALUES ($1, 'after', 'ussd')`, [randomUUID()]);
    await append(table, 'after-default');
    await pool.query(`UPDATE ${table.table} SET closed_by = 'supervisor' WHERE actor = 'before-1'`);
    expect(await seqs(table)).toEqual([1, 2, 3, 4]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 4, ok: true, triggersEnabled: true });
    // The new rows are covered as the old were: an added column set on one breaks it.
    await tamper(table, `UPDATE ${table.table} SET channel = 'api' WHERE actor = 'after'`);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: 3 });
  });
});

describe('verifyAuditChain after tampering with the triggers off', () => {
  async function fiveRows(): Promise<{ table: AuditTable; ids: string[] }> {
    const table = await journal();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i += 1) ids.push(await append(table, `actor-${i}`, { details: { i } }));
    return { table, ids };
  }

  it('reports an edited row at its position', async () => {
    const { table, ids } = await fiveRows();
    await tamper(table, `UPDATE ${table.table} SET field_keys = '{child.name,case.risk,child.address}' WHERE id = $1`, [ids[2]]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 5, ok: false, problem: 'hash-mismatch', firstBrokenSeq: 3 });
  });

  it('reports an edit of a jsonb value, even one that keeps the same keys', async () => {
    const { table, ids } = await fiveRows();
    await tamper(table, `UPDATE ${table.table} SET details = '{"i": 40}' WHERE id = $1`, [ids[3]]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: 4 });
  });

  it('reports a deleted row as the missing position', async () => {
    const { table, ids } = await fiveRows();
    await tamper(table, `DELETE FROM ${table.table} WHERE id = $1`, [ids[1]]);
    const report = await verifyAuditChain(pool, table);
    expect(report).toMatchObject({ rows: 4, ok: false, problem: 'missing', firstBrokenSeq: 2 });
    expect(report.reason).toContain('row 2 is missing');
  });

  it('reports a deleted first row', async () => {
    const { table, ids } = await fiveRows();
    await tamper(table, `DELETE FROM ${table.table} WHERE id = $1`, [ids[0]]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: false, problem: 'missing', firstBrokenSeq: 1 });
  });

  it('reports a row replaced with a freshly computed hash at the row after it', async () => {
    const { table, ids } = await fiveRows();
    // The tamperer knows the algorithm and rehashes the edited row, but not its successors.
    await tamper(
      table,
      `UPDATE ${table.table} t SET actor = 'someone else',
              hash = sha256(coalesce(t.prev_hash, ''::bytea) || convert_to(jsonb_build_object('seq', t.chain_seq, 'row',
                jsonb_build_object('id', t.id, 'actor', 'someone else', 'field_keys', t.field_keys, 'details', t.details,
                                   'note', t.note, 'created_at', t.created_at))::text, 'UTF8'))
        WHERE id = $1`,
      [ids[1]],
    );
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: false, problem: 'prev-mismatch', firstBrokenSeq: 3 });
  });

  it('reports two rows that swapped places', async () => {
    const { table, ids } = await fiveRows();
    // Through negative positions, past the unique index: row 3 becomes 4 and row 4 becomes 3.
    await tamper(table, `UPDATE ${table.table} SET chain_seq = CASE id WHEN $1::uuid THEN -4 ELSE -3 END WHERE id IN ($1::uuid, $2::uuid)`, [
      ids[2],
      ids[3],
    ]);
    await tamper(table, `UPDATE ${table.table} SET chain_seq = -chain_seq WHERE chain_seq < 0`);
    const report = await verifyAuditChain(pool, table);
    expect(report).toMatchObject({ rows: 5, ok: false, firstBrokenSeq: 3 });
    expect(['hash-mismatch', 'prev-mismatch']).toContain(report.problem);
  });

  it('reports a row slipped in without the chain', async () => {
    const { table } = await fiveRows();
    await tamper(table, `INSERT INTO ${table.table} (id, actor) VALUES ($1, 'forged')`, [randomUUID()]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 6, ok: false, problem: 'unchained' });
  });

  it('tells that the triggers are off while they are', async () => {
    const { table } = await fiveRows();
    await pool.query(`ALTER TABLE ${table.table} DISABLE TRIGGER ${table.table}_audit_chain_no_delete`);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: true, triggersEnabled: false });
    await pool.query(`ALTER TABLE ${table.table} ENABLE TRIGGER ${table.table}_audit_chain_no_delete`);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: true, triggersEnabled: true });
  });

  it('cannot see the newest rows deleted, but its head moves back', async () => {
    const { table, ids } = await fiveRows();
    const before = await verifyAuditChain(pool, table);
    await tamper(table, `DELETE FROM ${table.table} WHERE id = $1`, [ids[4]]);
    const after = await verifyAuditChain(pool, table);
    expect(after).toMatchObject({ rows: 4, ok: true });
    expect(after.head?.seq).toBe(4);
    expect(after.head?.hash).not.toBe(before.head?.hash);
  });
});

describe('auditChainMigrationSql', () => {
  it('hashes a table wider than one jsonb_build_object call takes', async () => {
    const name = `wide_${randomBytes(4).toString('hex')}`;
    const columns = Array.from({ length: 60 }, (_, i) => `c${i}`);
    await pool.query(`CREATE TABLE ${name} (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), ${columns.map((c) => `${c} int`).join(', ')})`);
    const table: AuditTable = { table: name, columns: ['id', ...columns] };
    await inTransaction(pool, (client) => client.query(auditChainMigrationSql(table)));
    await pool.query(`INSERT INTO ${name} (id, c0, c59) VALUES ($1, 1, 59), ($2, 2, 58)`, [randomUUID(), randomUUID()]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 2, ok: true });
    await tamper(table, `UPDATE ${name} SET c59 = 0 WHERE c0 = 2`);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: 2 });
  });

  it('covers columns added later when set, while the rows written before still verify (auditChainAppendFunctionSql)', async () => {
    const first = await journal();
    await append(first, 'before-1');
    await append(first, 'before-2');
    await pool.query(`ALTER TABLE ${first.table} ADD COLUMN channel text NOT NULL DEFAULT 'api', ADD COLUMN by_whom uuid`);
    const table: AuditTable = { ...first, addedColumns: [{ column: 'channel', unset: "'api'" }, { column: 'by_whom', unset: 'NULL' }] };
    await inTransaction(pool, (client) => client.query(auditChainAppendFunctionSql(table)));
    // The rows from before verify with the new description: unset columns are left out of the hash.
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 2, ok: true });
    const byWhom = randomUUID();
    await pool.query(`INSERT INTO ${table.table} (id, actor, channel, by_whom) VALUES ($1, 'after', 'sms', $2)`, [randomUUID(), byWhom]);
    await append(table, 'after-default');
    expect(await verifyAuditChain(pool, table)).toMatchObject({ rows: 4, ok: true });
    // Set either way, an added column breaks the row's hash: to a value, or back to unset.
    await tamper(table, `UPDATE ${table.table} SET channel = 'api' WHERE actor = 'after'`);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: 3 });
    await tamper(table, `UPDATE ${table.table} SET channel = 'sms' WHERE actor = 'after'`);
    await tamper(table, `UPDATE ${table.table} SET by_whom = $1 WHERE actor = 'before-1'`, [byWhom]);
    expect(await verifyAuditChain(pool, table)).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: 1 });
    expect(() => auditChainAppendFunctionSql({ ...first, addedColumns: [{ column: 'channel', unset: "'); DROP TABLE x; --" }] })).toThrow('plain quoted literal');
    expect(() => auditChainAppendFunctionSql({ ...first, addedColumns: [{ column: 'actor', unset: 'NULL' }] })).toThrow('listed twice');
  });

  it('refuses names it would have to quote, and ambiguous column lists', () => {
    expect(() => auditChainMigrationSql({ table: 'Journal"; DROP TABLE x; --', columns: ['id'] })).toThrow('plain lower-case SQL identifier');
    expect(() => auditChainMigrationSql({ table: 'journal', columns: [] })).toThrow('no audited columns');
    expect(() => auditChainMigrationSql({ table: 'journal', columns: ['id', 'hash'] })).toThrow("chain's own columns");
    expect(() => auditChainMigrationSql({ table: 'journal', columns: ['id', 'id'] })).toThrow('listed twice');
    expect(() => auditChainMigrationSql({ table: 'journal', columns: ['id', 'at'], writeOnce: ['at'] })).toThrow('both audited and write-once');
  });
});
