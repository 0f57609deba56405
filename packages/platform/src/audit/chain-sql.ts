/**
 * Hash chains over audit tables (ADR 10).
 *
 * Every row of an audit table carries `chain_seq` (1, 2, 3, … per table),
 * `prev_hash` (the previous row's hash, NULL for row 1) and
 * `hash = sha256(prev_hash || canonical text of the row)`. The database sets
 * them, so no service code can forget to, and refuses UPDATE, DELETE and
 * TRUNCATE. Since ADR 17 a row is chained when its transaction commits (a
 * deferred constraint trigger), so the per-table lock that keeps the chain
 * from forking is held only while the transaction commits, never across the
 * application's round trips; ADR 10 chained it at insert. Someone who gets past the triggers (a
 * superuser, or the owning role disabling them) can still edit rows, but
 * cannot do it without breaking the chain where `verifyAuditChain` sees it.
 *
 * The SQL is generated here, from one description of each table, and the
 * services' migrations contain its output verbatim (their tests check it): the
 * trigger and the verifier cannot hash differently.
 */

/** One audit table of a service: what is hashed, and how old rows were ordered. */
export type AuditTable = {
  /** Table name, in the connection's schema. */
  table: string;
  /**
   * The audited columns, hashed in this order and frozen once written. Never
   * change this list for a table that has rows: the old rows were hashed with
   * it (a new list needs a new chain; see ADR 10).
   */
  columns: readonly string[];
  /**
   * Columns the service stamps once after the insert (a withdrawal, an
   * approval): they may go from NULL to a value, never change after that.
   * They are not hashed (the row's hash is fixed at insert). Default none:
   * the table refuses every UPDATE.
   */
  writeOnce?: readonly string[];
  /** The order rows present before the chain existed are chained in. Default `created_at, id`. */
  backfillOrder?: readonly string[];
  /**
   * Columns added after the chain had rows, each with the value every row
   * written before holds (`unset`: `NULL` or a quoted literal such as
   * `'api'`, the column's default). A row's value is hashed only when it is
   * something else, so the rows written before hash exactly as they did, and
   * a later row's value is covered (changing it either way breaks its hash).
   * The append function is then replaced with `auditChainAppendFunctionSql`.
   */
  addedColumns?: readonly { column: string; unset: string }[];
};

/** The columns the chain adds to an audit table. */
export const AUDIT_CHAIN_COLUMNS = ['chain_seq', 'prev_hash', 'hash'] as const;

/**
 * Session settings that change how values print as text (jsonb output of
 * timestamptz, bytea, interval, float). The trigger functions pin them, and
 * the verifier sets them, so a row hashes the same from any session.
 */
export const AUDIT_CANONICAL_SETTINGS: readonly (readonly [string, string])[] = [
  ['TimeZone', 'UTC'],
  ['bytea_output', 'hex'],
  ['IntervalStyle', 'postgres'],
  ['extra_float_digits', '1'],
];

/**
 * First key of `pg_advisory_xact_lock(int, int)` for chain appends ("AUDT");
 * the second is `hashtext(<table>)`. The two-key space never meets the
 * one-bigint keys used elsewhere (the migration runner's, say).
 */
export const AUDIT_CHAIN_LOCK_NAMESPACE = 0x41554454;

/** The message every refusal of the guard trigger starts with. */
export const AUDIT_APPEND_ONLY_MESSAGE = 'is an append-only audit table';

/** jsonb_build_object takes at most 100 arguments; wider rows are built in chunks joined with `||`. */
const PAIRS_PER_CALL = 40;

/** Plain lower-case identifiers only, so the generated SQL never needs to escape one. */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Audit chain: "${name}" is not a plain lower-case SQL identifier.`);
  return name;
}

function validate(table: AuditTable): void {
  identifier(table.table);
  if (table.columns.length === 0) throw new Error(`Audit chain ${table.table}: no audited columns.`);
  const all = [...table.columns, ...(table.writeOnce ?? []), ...(table.backfillOrder ?? [])];
  for (const column of all) identifier(column);
  const chained = new Set<string>(AUDIT_CHAIN_COLUMNS);
  for (const column of [...all, ...(table.addedColumns ?? []).map((a) => a.column)]) {
    // The link function's variables: a column of the same name would be ambiguous in its statements.
    if (column.startsWith('audit_chain_')) throw new Error(`Audit chain ${table.table}: "${column}" starts with audit_chain_, kept for the chain's functions.`);
  }
  for (const column of [...table.columns, ...(table.writeOnce ?? [])]) {
    if (chained.has(column)) throw new Error(`Audit chain ${table.table}: "${column}" is one of the chain's own columns.`);
  }
  const added = (table.addedColumns ?? []).map((a) => a.column);
  for (const { column, unset } of table.addedColumns ?? []) {
    identifier(column);
    if (!/^(NULL|'[A-Za-z0-9_ -]*')$/.test(unset)) throw new Error(`Audit chain ${table.table}: "${unset}" is not NULL or a plain quoted literal.`);
  }
  const audited = new Set([...table.columns, ...added]);
  if (audited.size !== table.columns.length + added.length) throw new Error(`Audit chain ${table.table}: a column is listed twice.`);
  for (const column of added) {
    if (chained.has(column)) throw new Error(`Audit chain ${table.table}: "${column}" is one of the chain's own columns.`);
  }
  for (const column of table.writeOnce ?? []) {
    if (audited.has(column)) throw new Error(`Audit chain ${table.table}: "${column}" cannot be both audited and write-once.`);
  }
}

/**
 * The canonical text of one row as a SQL expression: a jsonb object of the
 * chain position and the audited columns, as text. jsonb prints keys in a
 * fixed order without insignificant spaces, and with the settings above every
 * value prints the same way wherever it is computed.
 *
 * @param row    how the row is referred to (`NEW` in a trigger, an alias in a query)
 * @param seq    the expression of the row's `chain_seq`
 */
export function auditCanonicalTextSql(table: AuditTable, row: string, seq: string): string {
  validate(table);
  const pairs = table.columns.map((column) => `'${column}', ${row}.${column}`);
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += PAIRS_PER_CALL) chunks.push(`jsonb_build_object(${pairs.slice(i, i + PAIRS_PER_CALL).join(', ')})`);
  // Added later: present in the object only when set, so rows from before keep their text.
  for (const { column, unset } of table.addedColumns ?? []) {
    chunks.push(`(CASE WHEN ${row}.${column} IS DISTINCT FROM ${unset} THEN jsonb_build_object('${column}', ${row}.${column}) ELSE '{}'::jsonb END)`);
  }
  return `jsonb_build_object('seq', ${seq}, 'row', ${chunks.join(' || ')})::text`;
}

/** The hash of a row as a SQL expression: sha256 of the previous hash followed by the row's canonical text (UTF-8). */
export function auditHashSql(table: AuditTable, row: string, seq: string, prevHash: string): string {
  return `sha256(coalesce(${prevHash}, ''::bytea) || convert_to(${auditCanonicalTextSql(table, row, seq)}, 'UTF8'))`;
}

function settingsClause(): string {
  return AUDIT_CANONICAL_SETTINGS.map(([name, value]) => `  SET ${name} = '${value}'`).join('\n');
}

/**
 * When a row takes its place in the chain.
 *
 * - `at-commit` (ADR 17, the default): the BEFORE INSERT trigger only marks
 *   the row pending (a negative `chain_seq` from the table's pending
 *   sequence, no hash) and takes no lock; a deferred constraint trigger
 *   chains it when its transaction commits, under the table's lock, which is
 *   then held only until the commit ends.
 * - `at-insert` (ADR 10): the BEFORE INSERT trigger takes the lock and chains
 *   the row; the lock is held from the first audit insert until the
 *   transaction ends. Kept so the migrations written with it still equal the
 *   generator's output.
 */
export type AuditChainMode = 'at-insert' | 'at-commit';

/**
 * The transaction-local setting in which the append trigger lists the audit
 * tables a transaction wrote to (space-separated), so that at commit their
 * locks are taken in one order (by name) by every transaction: two
 * transactions appending to the same two tables never wait on each other.
 */
export const AUDIT_CHAIN_PENDING_SETTING = 'audit_chain.pending';

/** Names of what the chain installs on a table. */
export function auditChainObjectNames(table: string): {
  appendFunction: string;
  linkFunction: string;
  guardFunction: string;
  appendTrigger: string;
  linkTrigger: string;
  updateTrigger: string;
  deleteTrigger: string;
  truncateTrigger: string;
  seqIndex: string;
  pendingSequence: string;
} {
  identifier(table);
  return {
    appendFunction: `audit_chain_append_${table}`,
    linkFunction: `audit_chain_link_${table}`,
    guardFunction: `audit_chain_guard_${table}`,
    appendTrigger: `${table}_audit_chain_append`,
    linkTrigger: `${table}_audit_chain_link`,
    updateTrigger: `${table}_audit_chain_no_update`,
    deleteTrigger: `${table}_audit_chain_no_delete`,
    truncateTrigger: `${table}_audit_chain_no_truncate`,
    seqIndex: `${table}_chain_seq_key`,
    pendingSequence: `${table}_chain_pending_seq`,
  };
}

function updateGuardSql(table: AuditTable, mode: AuditChainMode): string {
  const writeOnce = table.writeOnce ?? [];
  const refusal = (what: string, indent: string) =>
    `${indent}RAISE EXCEPTION '% ${AUDIT_APPEND_ONLY_MESSAGE}: %', TG_TABLE_NAME, ${what}\n` +
    `${indent}  USING HINT = 'Audit rows are only ever inserted (ADR 10).';`;
  const audited = [...table.columns, ...(table.addedColumns ?? []).map((a) => a.column)];
  // At commit, the link trigger's UPDATE (nested in it, hence a trigger depth above 1) stamps a pending row's
  // chain columns once, from pending to a position, and changes nothing else.
  const stamp =
    mode === 'at-insert'
      ? []
      : [
          `    -- The chain's own stamp at commit (${auditChainObjectNames(table.table).linkFunction}): a pending row gets its position, once.`,
          `    IF pg_trigger_depth() > 1 AND OLD.chain_seq < 0 AND OLD.prev_hash IS NULL AND OLD.hash IS NULL`,
          `       AND NEW.chain_seq > 0 AND NEW.hash IS NOT NULL`,
          `       AND NOT (${[...audited, ...writeOnce].map((c) => `NEW.${c} IS DISTINCT FROM OLD.${c}`).join('\n                OR ')}) THEN`,
          `      RETURN NEW;`,
          `    END IF;`,
        ];
  if (writeOnce.length === 0) {
    return [`  IF TG_OP = 'UPDATE' THEN`, ...stamp, refusal(`'UPDATE refused'`, '    '), `  END IF;`].join('\n');
  }
  const frozen = [...audited, ...AUDIT_CHAIN_COLUMNS];
  const lines = [
    `  IF TG_OP = 'UPDATE' THEN`,
    ...stamp,
    `    -- The audited and chain columns never change; the write-once ones are set once.`,
    `    IF ${frozen.map((c) => `NEW.${c} IS DISTINCT FROM OLD.${c}`).join('\n       OR ')} THEN`,
    refusal(`'UPDATE of an audited column refused'`, '      '),
    `    END IF;`,
    `    IF ${writeOnce.map((c) => `(OLD.${c} IS NOT NULL AND NEW.${c} IS DISTINCT FROM OLD.${c})`).join('\n       OR ')} THEN`,
    refusal(`'a write-once column was already set'`, '      '),
    `    END IF;`,
    `    RETURN NEW;`,
    `  END IF;`,
  ];
  return lines.join('\n');
}

function guardFunctionSql(table: AuditTable, create: 'CREATE FUNCTION' | 'CREATE OR REPLACE FUNCTION', mode: AuditChainMode): string {
  return `${create} ${auditChainObjectNames(table.table).guardFunction}() RETURNS trigger
  LANGUAGE plpgsql
AS $fn$
BEGIN
${updateGuardSql(table, mode)}
  RAISE EXCEPTION '% ${AUDIT_APPEND_ONLY_MESSAGE}: % refused', TG_TABLE_NAME, TG_OP
    USING HINT = 'Audit rows are only ever inserted (ADR 10).';
END
$fn$;`;
}

function appendFunctionSql(table: AuditTable, create: 'CREATE FUNCTION' | 'CREATE OR REPLACE FUNCTION'): string {
  const names = auditChainObjectNames(table.table);
  return `${create} ${names.appendFunction}() RETURNS trigger
  LANGUAGE plpgsql
${settingsClause()}
AS $fn$
DECLARE
  last_seq bigint;
  last_hash bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_NAMESPACE}, hashtext(TG_TABLE_NAME));
  EXECUTE format('SELECT chain_seq, hash FROM %I.%I WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1', TG_TABLE_SCHEMA, TG_TABLE_NAME)
     INTO last_seq, last_hash;
  NEW.chain_seq := coalesce(last_seq, 0) + 1;
  NEW.prev_hash := last_hash;
  NEW.hash := ${auditHashSql(table, 'NEW', 'NEW.chain_seq', 'NEW.prev_hash')};
  RETURN NEW;
END
$fn$;`;
}

/** At commit (ADR 17): the append trigger marks the row pending, takes no lock, and notes the table for the link trigger. */
function pendingAppendFunctionSql(table: AuditTable): string {
  const names = auditChainObjectNames(table.table);
  return `CREATE OR REPLACE FUNCTION ${names.appendFunction}() RETURNS trigger
  LANGUAGE plpgsql
AS $fn$
DECLARE
  pending text := coalesce(current_setting('${AUDIT_CHAIN_PENDING_SETTING}', true), '');
BEGIN
  -- Pending: a negative position of its own (what the link trigger finds it by), no hash; whatever the client sent is
  -- overwritten. No lock here: the row is chained when its transaction commits.
  NEW.chain_seq := -nextval(format('%I.%I', TG_TABLE_SCHEMA, '${names.pendingSequence}')::regclass);
  NEW.prev_hash := NULL;
  NEW.hash := NULL;
  IF position(' ' || TG_TABLE_NAME || ' ' IN ' ' || pending || ' ') = 0 THEN
    PERFORM set_config('${AUDIT_CHAIN_PENDING_SETTING}', ltrim(pending || ' ' || TG_TABLE_NAME), true);
  END IF;
  RETURN NEW;
END
$fn$;`;
}

/**
 * At commit (ADR 17): the deferred link trigger takes the locks of every
 * audit table the transaction wrote to (by name, so always in one order),
 * reads the head, which its predecessor committed before releasing the lock,
 * and stamps the pending row with the next position and its hash. The lock is
 * held from here to the end of the commit, and no longer.
 */
function linkFunctionSql(table: AuditTable): string {
  const names = auditChainObjectNames(table.table);
  const t = table.table;
  return `CREATE OR REPLACE FUNCTION ${names.linkFunction}() RETURNS trigger
  LANGUAGE plpgsql
${settingsClause()}
  SET search_path FROM CURRENT
AS $fn$
DECLARE
  audit_chain_table text;
  audit_chain_head_seq bigint;
  audit_chain_head_hash bytea;
  audit_chain_next_seq bigint;
BEGIN
  -- A row the append trigger did not mark pending (written with it off) is left unchained, for the verifier to report.
  IF NEW.chain_seq IS NULL OR NEW.chain_seq >= 0 OR NEW.hash IS NOT NULL THEN
    RETURN NULL;
  END IF;
  FOR audit_chain_table IN
    SELECT DISTINCT pending.name
      FROM unnest(string_to_array(coalesce(current_setting('${AUDIT_CHAIN_PENDING_SETTING}', true), '') || ' ' || TG_TABLE_NAME, ' ')) AS pending(name)
     WHERE pending.name <> ''
     ORDER BY pending.name
  LOOP
    PERFORM pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_NAMESPACE}, hashtext(audit_chain_table));
  END LOOP;
  SELECT t.chain_seq, t.hash INTO audit_chain_head_seq, audit_chain_head_hash
    FROM ${t} t WHERE t.chain_seq > 0 ORDER BY t.chain_seq DESC LIMIT 1;
  audit_chain_next_seq := coalesce(audit_chain_head_seq, 0) + 1;
  UPDATE ${t} t
     SET chain_seq = audit_chain_next_seq,
         prev_hash = audit_chain_head_hash,
         hash = ${auditHashSql(table, 't', 'audit_chain_next_seq', 'audit_chain_head_hash')}
   WHERE t.chain_seq = NEW.chain_seq;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%: the pending audit row % was not found at commit', TG_TABLE_NAME, NEW.chain_seq;
  END IF;
  RETURN NULL;
END
$fn$;`;
}

/** The pending sequence, the append and link functions and the guard function of the at-commit chain, and the link trigger. */
function atCommitObjectsSql(table: AuditTable, withAppendTrigger: boolean): string {
  const names = auditChainObjectNames(table.table);
  const t = table.table;
  return `-- Pending rows are told apart by a negative chain_seq of their own until their transaction commits.
CREATE SEQUENCE ${names.pendingSequence} AS bigint;

-- Marks each new row pending; takes no lock.
${pendingAppendFunctionSql(table)}
${
    withAppendTrigger
      ? `CREATE TRIGGER ${names.appendTrigger} BEFORE INSERT ON ${t}
  FOR EACH ROW EXECUTE FUNCTION ${names.appendFunction}();
`
      : ''
  }
-- Chains each new row when its transaction commits. The advisory lock, taken
-- there and held until the commit ends, makes committing writers take turns,
-- so each reads the head its predecessor committed: one chain, no fork, and a
-- rolled-back insert is never chained. Runs at READ COMMITTED, where each
-- statement here sees what committed before it.
${linkFunctionSql(table)}
CREATE CONSTRAINT TRIGGER ${names.linkTrigger} AFTER INSERT ON ${t}
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ${names.linkFunction}();

-- Append-only: no DELETE, no TRUNCATE, no UPDATE of what the chain covers
-- (the link trigger's stamp of a pending row excepted).
${guardFunctionSql(table, 'CREATE OR REPLACE FUNCTION', 'at-commit')}
`;
}

/**
 * The SQL that makes the chain cover `addedColumns` from now on, rows written
 * before still verifying. At commit (the default): the link and guard
 * functions replaced. At insert (ADR 10): the append function (and, when the
 * table has write-once columns, the guard) replaced. The migration adding the
 * columns holds exactly this text after its `ALTER TABLE … ADD COLUMN`s.
 */
export function auditChainAppendFunctionSql(table: AuditTable, mode: AuditChainMode = 'at-commit'): string {
  validate(table);
  const added = `-- Added columns: ${(table.addedColumns ?? []).map((a) => `${a.column} (unset ${a.unset})`).join(', ')}.`;
  if (mode === 'at-commit') {
    return `-- Audit chain of ${table.table}, chained at commit: columns added later, hashed when set (generated by auditChainAppendFunctionSql in @referral-hub/platform; ADR 10, ADR 17).
${added}
${linkFunctionSql(table)}
${guardFunctionSql(table, 'CREATE OR REPLACE FUNCTION', 'at-commit')}
`;
  }
  const guard = (table.writeOnce ?? []).length === 0 ? '' : `\n${guardFunctionSql(table, 'CREATE OR REPLACE FUNCTION', 'at-insert')}`;
  return `-- Audit chain of ${table.table}: columns added later, hashed when set (generated by auditChainAppendFunctionSql in @referral-hub/platform; ADR 10).
${added}
${appendFunctionSql(table, 'CREATE OR REPLACE FUNCTION')}${guard}
`;
}

/**
 * The SQL that moves a table chained at insert (ADR 10) to being chained at
 * commit (ADR 17): the rows already chained keep their positions and hashes,
 * the append trigger stops taking the lock, and the link trigger chains each
 * new row when its transaction commits. The migration holds exactly this text
 * for each audit table; `table` is the table as it is now (with its
 * `addedColumns`).
 */
export function auditChainAtCommitSql(table: AuditTable): string {
  validate(table);
  return `-- Audit chain of ${table.table}: chained at commit from now on (generated by auditChainAtCommitSql in @referral-hub/platform; ADR 17).
${atCommitObjectsSql(table, false)}`;
}

/**
 * The SQL that turns an existing table into a chained audit table: the chain
 * columns and their unique index, the chain built over the rows already there
 * (in `backfillOrder`), the append trigger and the guard triggers, and, at
 * commit (the default), the pending sequence and the link trigger. A
 * service's migration contains exactly this text for each of its audit tables.
 */
export function auditChainMigrationSql(table: AuditTable, mode: AuditChainMode = 'at-commit'): string {
  validate(table);
  const t = table.table;
  const names = auditChainObjectNames(t);
  const order = (table.backfillOrder ?? ['created_at', 'id']).map((c) => `t.${c}`).join(', ');
  const header = `-- Audit chain of ${t} (generated by auditChainMigrationSql in @referral-hub/platform; ${mode === 'at-insert' ? 'ADR 10' : 'ADR 10, ADR 17'}).
-- Audited columns: ${table.columns.join(', ')}.${
    (table.writeOnce ?? []).length > 0 ? `\n-- Write-once columns: ${(table.writeOnce ?? []).join(', ')}.` : ''
  }
ALTER TABLE ${t}
  ADD COLUMN chain_seq bigint,
  ADD COLUMN prev_hash bytea,
  ADD COLUMN hash bytea;
CREATE UNIQUE INDEX ${names.seqIndex} ON ${t} (chain_seq);

-- The rows written before the chain existed, chained in the order they were written.
CREATE FUNCTION pg_temp.audit_chain_backfill_${t}() RETURNS void
  LANGUAGE plpgsql
${settingsClause()}
AS $fn$
DECLARE
  r record;
  seq bigint := 0;
  last_hash bytea;
BEGIN
  FOR r IN SELECT t.ctid AS row_ctid FROM ${t} t ORDER BY ${order} LOOP
    seq := seq + 1;
    UPDATE ${t} t
       SET chain_seq = seq,
           prev_hash = last_hash,
           hash = ${auditHashSql(table, 't', 'seq', 'last_hash')}
     WHERE t.ctid = r.row_ctid
    RETURNING t.hash INTO last_hash;
  END LOOP;
END
$fn$;
SELECT pg_temp.audit_chain_backfill_${t}();
DROP FUNCTION pg_temp.audit_chain_backfill_${t}();
`;
  const guardTriggers = `CREATE TRIGGER ${names.updateTrigger} BEFORE UPDATE ON ${t}
  FOR EACH ROW EXECUTE FUNCTION ${names.guardFunction}();
CREATE TRIGGER ${names.deleteTrigger} BEFORE DELETE ON ${t}
  FOR EACH ROW EXECUTE FUNCTION ${names.guardFunction}();
CREATE TRIGGER ${names.truncateTrigger} BEFORE TRUNCATE ON ${t}
  FOR EACH STATEMENT EXECUTE FUNCTION ${names.guardFunction}();
`;
  if (mode === 'at-commit') return `${header}\n${atCommitObjectsSql(table, true)}${guardTriggers}`;
  return `${header}
-- Appends each new row to the chain. The advisory lock (held until the
-- transaction ends) makes concurrent writers take turns, so each reads the
-- head its predecessor committed: one chain, no fork. Runs at READ COMMITTED,
-- where each statement here sees what committed before it.
${appendFunctionSql(table, 'CREATE FUNCTION')}
CREATE TRIGGER ${names.appendTrigger} BEFORE INSERT ON ${t}
  FOR EACH ROW EXECUTE FUNCTION ${names.appendFunction}();

-- Append-only: no DELETE, no TRUNCATE, no UPDATE of what the chain covers.
${guardFunctionSql(table, 'CREATE FUNCTION', 'at-insert')}
${guardTriggers}`;
}
