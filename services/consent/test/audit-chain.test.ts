import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AUDIT_APPEND_ONLY_MESSAGE, AUDIT_CHAIN_COLUMNS, auditChainAtCommitSql, auditChainMigrationSql, verifyAuditChain } from '@referral-hub/platform';
import type { AuditTable } from '@referral-hub/platform';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TABLES } from '../src/data-access/audit-tables.js';
import type { Agreement } from '../src/domain/agreement.js';
import type { Consent } from '../src/domain/consent.js';
import type { Decision } from '../src/domain/decision.js';
import type { Override } from '../src/domain/override.js';
import { DEFAULT_POLICY_SETTINGS } from '../src/domain/policy.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';
import { as, COORDINATOR, inDays, newCaseCode, SYSTEM } from './support.js';

/**
 * The consent service's audit records are hash-chained (ADR 10): what the
 * use-cases write verifies, the application cannot rewrite or remove it, and
 * a tamperer who disables the triggers is found out.
 */

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
/** The first chains came in one migration; a table added later brings its own. */
const chainMigrations = [
  new URL('../prisma/migrations/20261208000100_audit_chain/migration.sql', import.meta.url),
  new URL('../prisma/migrations/20261213000000_override_decision/migration.sql', import.meta.url),
];
/** Then every table moved to being chained at commit (ADR 17). */
const atCommitMigration = new URL('../prisma/migrations/20261215000100_audit_chain_at_commit/migration.sql', import.meta.url);

let testEnv: ServiceTestEnv;
let service: RunningConsent;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-audit', migrationsDir, extraEnv: { DATABASE_POOL_MAX: '10' } });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await testEnv?.cleanup();
});


async function api<T>(method: string, path: string, claims: TestClaims, body: unknown, status: number): Promise<T> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: await testEnv.authorization(claims), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

function table(name: string): AuditTable {
  const found = AUDIT_TABLES.find((t) => t.table === name);
  if (found === undefined) throw new Error(`${name} is not an audit table`);
  return found;
}

async function verifyAll() {
  return Promise.all(AUDIT_TABLES.map((t) => verifyAuditChain(testEnv.database.pool, t)));
}

async function seqOf(tableName: string, id: string): Promise<number> {
  const { rows } = await testEnv.database.pool.query<{ chain_seq: string }>(`SELECT chain_seq FROM ${tableName} WHERE id = $1`, [id]);
  return Number(rows[0]?.chain_seq);
}

/** Runs statements with the table's triggers off, as a superuser tampering with the rows would. */
async function tamper(tableName: string, statements: [string, unknown[]][]): Promise<void> {
  const client = await testEnv.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`ALTER TABLE ${tableName} DISABLE TRIGGER ALL`);
    for (const [sql, params] of statements) await client.query(sql, params);
    await client.query(`ALTER TABLE ${tableName} ENABLE TRIGGER ALL`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** An agreement accepted by two organisations, a case with its consents, decisions (one consuming), an override's life, a policy change. */
async function useTheService(): Promise<{ owner: string; recipient: string; caseCode: string; consents: Consent[]; decisions: Decision[] }> {
  const owner = randomUUID();
  const recipient = randomUUID();
  const agreement = await api<Agreement>(
    'POST',
    '/v1/agreements',
    COORDINATOR,
    { title: 'Protocole', partyOrganizationIds: [owner, recipient], dataGroups: ['identity', 'protection'], purposes: ['referral'], means: ['hub'], reviewDate: inDays(180).slice(0, 10) },
    201,
  );
  await api('POST', `/v1/agreements/${agreement.id}/accept`, as('org_admin', owner), undefined, 200);
  await api('POST', `/v1/agreements/${agreement.id}/accept`, as('org_admin', recipient), undefined, 200);

  const caseCode = newCaseCode();
  const caseworker = as('caseworker', owner);
  await api('PUT', `/v1/cases/${caseCode}/context`, caseworker, { childAge: 12, caregiverCanBeAsked: true }, 200);
  const scope = { recipientOrganizationIds: [recipient], fields: ['identity', 'protection.riskLevel'], purposes: ['referral'] };
  const base = { caseCode, method: 'written', explainedInLanguage: 'fr', scope, expiresAt: inDays(60), singleUse: true };
  const consents = [
    await api<Consent>('POST', '/v1/consents', caseworker, { ...base, givenBy: 'caregiver', caregiverRelationship: 'mother', kind: 'consent' }, 201),
    await api<Consent>('POST', '/v1/consents', caseworker, { ...base, givenBy: 'child', kind: 'assent' }, 201),
  ];
  const ask = { caseCode, ownerOrganizationId: owner, recipientOrganizationId: recipient, purpose: 'referral', fields: ['child.firstName', 'protection.riskLevel'] };
  const decisions = [
    await api<Decision>('POST', '/v1/decisions', SYSTEM, ask, 201),
    // Uses the single-use consents up: a write-once stamp on both.
    await api<Decision>('POST', '/v1/decisions', SYSTEM, { ...ask, consume: true, referralId: randomUUID() }, 201),
  ];
  expect(decisions[1]?.consumed).toHaveLength(2);

  const other = await api<Consent>('POST', '/v1/consents', caseworker, { ...base, caseCode: newCaseCode(), singleUse: false, givenBy: 'caregiver', kind: 'consent' }, 201);
  await api('POST', `/v1/consents/${other.id}/withdraw`, as('supervisor', owner), { reasonCode: 'child_request' }, 200);

  const requester: TestClaims = { sub: `lead-${randomUUID()}`, org: owner, roles: ['caseworker'] };
  const override = await api<Override>(
    'POST',
    '/v1/overrides',
    requester,
    {
      caseCode: newCaseCode(),
      legalBasis: 'Code de protection de l’enfant, art. 12',
      justification: 'Immediate risk of harm.',
      explanationGiven: 'Explained to the child.',
      scope: { recipientOrganizationIds: [recipient], fields: ['protection'], purposes: ['referral'] },
      expiresAt: inDays(10),
    },
    201,
  );
  await api('POST', `/v1/overrides/${override.id}/approve`, as('supervisor', owner), undefined, 200);
  await api('POST', `/v1/overrides/${override.id}/revoke`, requester, undefined, 200);
  return { owner, recipient, caseCode, consents, decisions };
}

describe('the audit tables', () => {
  it('are chained by exactly the SQL the platform generates for them', async () => {
    const migration = (await Promise.all(chainMigrations.map((file) => readFile(file, 'utf8')))).join('\n');
    const atCommit = await readFile(atCommitMigration, 'utf8');
    for (const auditTable of AUDIT_TABLES) {
      expect(migration).toContain(auditChainMigrationSql(auditTable, 'at-insert'));
      expect(atCommit).toContain(auditChainAtCommitSql(auditTable));
    }
  });

  it('leave no column outside the chain: each is audited, write-once, or the chain’s own', async () => {
    for (const auditTable of AUDIT_TABLES) {
      const { rows } = await testEnv.database.pool.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
        [auditTable.table],
      );
      const covered = [...auditTable.columns, ...(auditTable.writeOnce ?? []), ...AUDIT_CHAIN_COLUMNS];
      expect(rows.map((row) => row.column_name).sort(), auditTable.table).toEqual(covered.sort());
    }
  });
});

describe('after the service is used', () => {
  it('every chain verifies, with a row for each record the use-cases wrote', async () => {
    await useTheService();
    await api('PUT', '/v1/network-policy', COORDINATOR, { ...DEFAULT_POLICY_SETTINGS, maxConsentValidityDays: 90 }, 200);
    const reports = await verifyAll();
    for (const report of reports) {
      expect(report, report.table).toMatchObject({ ok: true, triggersEnabled: true });
      expect(report.rows, report.table).toBeGreaterThan(0);
      expect(report.head?.seq, report.table).toBe(report.rows);
    }
  });

  it('twenty consents recorded at once still form one unbroken chain', async () => {
    const before = await verifyAuditChain(testEnv.database.pool, table('consent'));
    const owner = randomUUID();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        api<Consent>(
          'POST',
          '/v1/consents',
          as('caseworker', owner),
          {
            caseCode: newCaseCode(),
            givenBy: 'caregiver',
            kind: 'consent',
            method: 'verbal',
            explainedInLanguage: 'fr',
            scope: { recipientOrganizationIds: [randomUUID()], fields: ['identity'], purposes: ['referral'] },
            expiresAt: inDays(30),
          },
          201,
        ),
      ),
    );
    expect(await verifyAuditChain(testEnv.database.pool, table('consent'))).toMatchObject({ ok: true, rows: before.rows + 20 });
  });

  it('the service itself can neither rewrite nor remove an audit record', async () => {
    const { decisions, consents } = await useTheService();
    const client = service.db.client;
    const decisionId = decisions[0]?.id;
    const consentId = consents[0]?.id;
    await expect(client.$executeRawUnsafe(`UPDATE decision SET allowed = '{}' WHERE id = $1::uuid`, decisionId)).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(client.$executeRawUnsafe(`DELETE FROM decision WHERE id = $1::uuid`, decisionId)).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    await expect(client.consent.delete({ where: { id: consentId } })).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    // A consent's scope is frozen; its use by a decision, once stamped, stays as it was.
    await expect(client.consent.update({ where: { id: consentId }, data: { fieldKeys: ['child.firstName', 'child.address'] } })).rejects.toThrow(
      AUDIT_APPEND_ONLY_MESSAGE,
    );
    await expect(client.consent.update({ where: { id: consentId }, data: { consumedForReferralId: randomUUID() } })).rejects.toThrow(
      'a write-once column was already set',
    );
    await expect(client.$executeRawUnsafe('TRUNCATE network_policy')).rejects.toThrow(AUDIT_APPEND_ONLY_MESSAGE);
    for (const report of await verifyAll()) expect(report, report.table).toMatchObject({ ok: true });
  });
});

describe('with the triggers disabled, as a superuser could', () => {
  it('an edited decision is reported broken at its position, and intact again once put back', async () => {
    const { decisions } = await useTheService();
    const decision = decisions[1]!;
    const seq = await seqOf('decision', decision.id);
    await tamper('decision', [[`UPDATE decision SET allowed = array_append(allowed, 'child.address') WHERE id = $1`, [decision.id]]]);
    const report = await verifyAuditChain(testEnv.database.pool, table('decision'));
    expect(report).toMatchObject({ ok: false, problem: 'hash-mismatch', firstBrokenSeq: seq });
    await tamper('decision', [[`UPDATE decision SET allowed = $2 WHERE id = $1`, [decision.id, decision.allowed]]]);
    expect(await verifyAuditChain(testEnv.database.pool, table('decision'))).toMatchObject({ ok: true });
  });

  it('a deleted consent is reported as the missing position', async () => {
    const { consents } = await useTheService();
    const consent = consents[0]!;
    const seq = await seqOf('consent', consent.id);
    const { rows } = await testEnv.database.pool.query<Record<string, unknown>>('SELECT * FROM consent WHERE id = $1', [consent.id]);
    const saved = rows[0]!;
    await tamper('consent', [['DELETE FROM consent WHERE id = $1', [consent.id]]]);
    expect(await verifyAuditChain(testEnv.database.pool, table('consent'))).toMatchObject({ ok: false, problem: 'missing', firstBrokenSeq: seq });

    // Put back as it was, the chain is whole again.
    const columns = Object.keys(saved);
    await tamper('consent', [
      [`INSERT INTO consent (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => saved[c])],
    ]);
    expect(await verifyAuditChain(testEnv.database.pool, table('consent'))).toMatchObject({ ok: true });
  });

  it('an override whose justification was rewritten is reported', async () => {
    await useTheService();
    const { rows } = await testEnv.database.pool.query<{ id: string; chain_seq: string }>('SELECT id, chain_seq FROM override ORDER BY chain_seq LIMIT 1');
    const first = rows[0]!;
    await tamper('override', [[`UPDATE override SET justification = 'Routine.' WHERE id = $1`, [first.id]]]);
    expect(await verifyAuditChain(testEnv.database.pool, table('override'))).toMatchObject({
      ok: false,
      problem: 'hash-mismatch',
      firstBrokenSeq: Number(first.chain_seq),
    });
  });
});
