import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toReferralRow, toReferralRowOrNull } from '../src/data-access/referral-row.js';
import type { StoredReferral } from '../src/data-access/referral-row.js';

/** A stored referral as a query returns it; only the three codes matter here. */
function stored(codes: { status: string; urgency: string; kind: string }): StoredReferral {
  const id = randomUUID();
  return { id, code: 'REF-7K2QD', caseCode: 'CASE-0001', ...codes } as unknown as StoredReferral;
}

describe('a stored referral read into the domain', () => {
  it('keeps every status, urgency and kind the domain knows', () => {
    const row = toReferralRow(stored({ status: 'in_progress', urgency: 'high', kind: 'transfer' }));
    expect([row.status, row.urgency, row.kind]).toEqual(['in_progress', 'high', 'transfer']);
    expect(toReferralRowOrNull(null)).toBeNull();
  });

  it.each([
    ['status', { status: 'reopened', urgency: 'low', kind: 'referral' }],
    ['urgency', { status: 'submitted', urgency: 'urgent', kind: 'referral' }],
    ['kind', { status: 'submitted', urgency: 'low', kind: 'handover' }],
  ])('is refused with a %s the domain does not know, naming the column and not the value', (column, codes) => {
    const row = stored(codes);
    expect(() => toReferralRow(row)).toThrow(`referral ${row.id} has an unknown ${column} in the database`);
  });
});
