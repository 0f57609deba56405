import pg from 'pg';

import { AUDIT_CANONICAL_SETTINGS, auditChainObjectNames, auditHashSql } from './chain-sql.js';
import type { AuditTable } from './chain-sql.js';

/** What can break a chain, first one found wins. */
export type AuditChainProblem =
  /** A row without chain fields: written while the append or link trigger was off. */
  | 'unchained'
  /** A position of the chain has no row: a row was deleted. */
  | 'missing'
  /** Two rows claim one position (the unique index was dropped). */
  | 'duplicate'
  /** The row's prev_hash is not its predecessor's hash: the row before was replaced, or rows were reordered. */
  | 'prev-mismatch'
  /** The row's content no longer gives its hash: the row was edited. */
  | 'hash-mismatch';

export type AuditChainReport = {
  table: string;
  /** Rows in the table. */
  rows: number;
  /** True when every row is in place and unchanged since it was appended. */
  ok: boolean;
  /** The chain position where it first breaks (for `missing`, the position with no row). */
  firstBrokenSeq?: number;
  problem?: AuditChainProblem;
  /** The problem in one sentence. */
  reason?: string;
  /**
   * The last row's position and hash (hex). Deleting the newest rows leaves an
   * intact, shorter chain: compare with a head exported earlier to see it.
   */
  head?: { seq: number; hash: string };
  /** Whether the append, link and guard triggers are installed and enabled. */
  triggersEnabled: boolean;
};

/** A pool, or one client that is not inside a transaction. */
export type AuditDatabase = pg.Pool | pg.ClientBase;

type CheckRow = {
  rows: string;
  head_seq: string | null;
  head_hash: string | null;
  seq: string | null;
  before_seq: string | null;
  problem: AuditChainProblem | null;
};

/**
 * Walks one audit table in chain order and recomputes every hash in SQL, from
 * the same expression the append trigger uses, in one read-only snapshot.
 * The work stays in the database: one pass with window functions, whatever
 * the table's size.
 */
export async function verifyAuditChain(db: AuditDatabase, table: AuditTable): Promise<AuditChainReport> {
  const names = auditChainObjectNames(table.table);
  const t = table.table;
  const checkSql = `
    WITH chain AS (
      SELECT t.chain_seq AS seq, t.prev_hash, t.hash,
             ${auditHashSql(table, 't', 't.chain_seq', 't.prev_hash')} AS recomputed,
             lag(t.chain_seq) OVER w AS before_seq,
             lag(t.hash) OVER w AS before_hash,
             row_number() OVER w AS position
        FROM ${t} t
      WINDOW w AS (ORDER BY t.chain_seq NULLS FIRST)
    ), checked AS (
      SELECT seq, before_seq, position,
             CASE
               WHEN seq IS NULL OR hash IS NULL THEN 'unchained'
               WHEN seq <= coalesce(before_seq, 0) THEN 'duplicate'
               WHEN seq > coalesce(before_seq, 0) + 1 THEN 'missing'
               WHEN prev_hash IS DISTINCT FROM before_hash THEN 'prev-mismatch'
               WHEN hash <> recomputed THEN 'hash-mismatch'
             END AS problem
        FROM chain
    ), head AS (
      SELECT seq, encode(hash, 'hex') AS hash FROM chain ORDER BY position DESC LIMIT 1
    ), first_problem AS (
      SELECT seq, before_seq, problem FROM checked WHERE problem IS NOT NULL ORDER BY position LIMIT 1
    )
    SELECT (SELECT count(*) FROM chain) AS rows,
           (SELECT seq FROM head) AS head_seq,
           (SELECT hash FROM head) AS head_hash,
           f.seq, f.before_seq, f.problem
      FROM (SELECT 1) one
      LEFT JOIN first_problem f ON true`;

  if (!(db instanceof pg.Pool)) return runCheck(db, t, checkSql, names);
  const client = await db.connect();
  let healthy = true;
  try {
    return await runCheck(client, t, checkSql, names);
  } catch (error) {
    healthy = false;
    throw error;
  } finally {
    // A connection whose ROLLBACK may have failed is not given back to the pool.
    client.release(!healthy);
  }
}

async function runCheck(
  client: pg.ClientBase,
  t: string,
  checkSql: string,
  names: ReturnType<typeof auditChainObjectNames>,
): Promise<AuditChainReport> {
  // One snapshot for the whole walk, and the printing settings the trigger pins.
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    for (const [name, value] of AUDIT_CANONICAL_SETTINGS) await client.query('SELECT set_config($1, $2, true)', [name, value]);
    const check = await client.query<CheckRow>(checkSql);
    const expected = [names.appendTrigger, names.linkTrigger, names.updateTrigger, names.deleteTrigger, names.truncateTrigger];
    const triggers = await client.query<{ enabled: string }>(
      `SELECT count(*) FILTER (WHERE tg.tgenabled <> 'D')::text AS enabled
         FROM pg_trigger tg
        WHERE tg.tgrelid = to_regclass($1) AND tg.tgname = ANY($2::text[])`,
      [t, expected],
    );
    await client.query('COMMIT');
    const row = check.rows[0];
    if (row === undefined) throw new Error(`Audit chain ${t}: the check returned no row.`);
    return toReport(t, row, triggers.rows[0]?.enabled === String(expected.length));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function toReport(table: string, row: CheckRow, triggersEnabled: boolean): AuditChainReport {
  const report: AuditChainReport = { table, rows: Number(row.rows), ok: row.problem === null, triggersEnabled };
  if (row.head_seq !== null && row.head_hash !== null) report.head = { seq: Number(row.head_seq), hash: row.head_hash };
  if (row.problem === null) return report;
  const seq = row.seq === null ? undefined : Number(row.seq);
  const before = row.before_seq === null ? 0 : Number(row.before_seq);
  report.problem = row.problem;
  switch (row.problem) {
    case 'unchained':
      report.reason = "a row has no chain fields: it was written while the chain's triggers were disabled";
      break;
    case 'missing':
      report.firstBrokenSeq = before + 1;
      report.reason = `row ${before + 1} is missing: it was deleted`;
      break;
    case 'duplicate':
      report.firstBrokenSeq = seq;
      report.reason = `two rows claim position ${seq ?? '?'}`;
      break;
    case 'prev-mismatch':
      report.firstBrokenSeq = seq;
      report.reason = `row ${seq ?? '?'} does not follow the hash of row ${before}: a row before it was replaced`;
      break;
    case 'hash-mismatch':
      report.firstBrokenSeq = seq;
      report.reason = `row ${seq ?? '?'} no longer matches its hash: it was edited`;
      break;
  }
  return report;
}
