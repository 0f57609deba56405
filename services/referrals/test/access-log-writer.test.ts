import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@referral-hub/testkit';
import type { TestDatabase } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessLogWriter, readReferral } from '../src/data-access/referral-read.js';
import type { AccessLogRow } from '../src/data-access/referral-read.js';

/*
 * The recipient read's own statements (`src/data-access/referral-read.ts`), on a real database:
 * the referral as the ORM would give it, and access-log rows written together by concurrent reads.
 */

let db: TestDatabase;
let referralId: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrationsDir: fileURLToPath(new URL('../prisma/migrations', import.meta.url)), poolMax: 4 });
  referralId = randomUUID();
  await db.pool.query(
    `INSERT INTO referral (id, code, case_code, status, urgency, referring_organization_id, recipient_organization_id, recipient_service_id,
                           shared_field_keys, consent_ids, payload_key_id, payload_ciphertext)
     VALUES ($1, 'REF-TEST1', 'CASE-1', 'submitted', 'high', $2, $3, $4, '{child.age}', ARRAY[$5]::uuid[], 'k1', '\\x0102')`,
    [referralId, randomUUID(), randomUUID(), randomUUID(), randomUUID()],
  );
});
afterAll(async () => {
  await db?.drop();
});

function entry(overrides: Partial<AccessLogRow> = {}): AccessLogRow {
  return {
    id: randomUUID(),
    referralId,
    readerUserId: 'focal-1',
    readerOrganizationId: randomUUID(),
    fieldKeys: ['child.age'],
    decisionId: randomUUID(),
    restrictedReason: null,
    requestId: randomUUID(),
    readAt: new Date('2026-12-16T10:00:00.123Z'),
    ...overrides,
  };
}

describe('the recipient read on the pool', () => {
  it('reads the referral with the field names and types of the client (uuid arrays, bytes, dates, a null list)', async () => {
    const row = await readReferral(db.pool, referralId);
    expect(row?.id).toBe(referralId);
    expect(row?.caseCode).toBe('CASE-1');
    expect(row?.sharedFieldKeys).toEqual(['child.age']);
    expect(row?.consentIds).toHaveLength(1);
    expect(typeof row?.consentIds[0]).toBe('string');
    expect(Buffer.from(row?.payloadCiphertext ?? []).toString('hex')).toBe('0102');
    expect(row?.createdAt).toBeInstanceOf(Date);
    expect(row?.accessAllowedKeys).toBeNull();
    expect(row?.accessGeneration).toBe(0);
    expect(await readReferral(db.pool, randomUUID())).toBeNull();
  });

  it('writes the rows of concurrent reads, each call answered once its row is stored, and a refused row fails only its own read', async () => {
    const writer = createAccessLogWriter(db.pool);
    const good = Array.from({ length: 12 }, (_, i) => entry({ fieldKeys: i % 2 === 0 ? ['child.age'] : [], restrictedReason: i % 3 === 0 ? 'consent_unavailable' : null }));
    // A row naming no stored referral: the database refuses it (foreign key).
    const refused = entry({ referralId: randomUUID() });
    const outcomes = await Promise.allSettled([...good.slice(0, 6), refused, ...good.slice(6)].map((row) => writer.write(row)));
    expect(outcomes.map((o) => o.status)).toEqual([...Array(6).fill('fulfilled'), 'rejected', ...Array(6).fill('fulfilled')]);
    const { rows } = await db.pool.query<{ id: string; field_keys: string[]; restricted_reason: string | null; read_at: Date; chain_seq: string | null }>(
      'SELECT id, field_keys, restricted_reason, read_at, chain_seq FROM access_log ORDER BY id',
    );
    expect(rows.map((r) => r.id).sort()).toEqual(good.map((r) => r.id).sort());
    for (const written of good) {
      const stored = rows.find((r) => r.id === written.id);
      expect(stored?.field_keys).toEqual(written.fieldKeys);
      expect(stored?.restricted_reason).toBe(written.restrictedReason);
      expect(stored?.read_at.toISOString()).toBe('2026-12-16T10:00:00.123Z');
    }
    // Each row has its place in the audit chain.
    expect(new Set(rows.map((r) => r.chain_seq)).size).toBe(rows.length);
  });
});
