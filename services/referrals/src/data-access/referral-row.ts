/**
 * The one place a stored referral's status, urgency and kind become the domain's types. The
 * columns are text; every query that returns a referral passes its rows through
 * {@link toReferralRow}, which checks each of the three against the domain's list once and throws
 * on anything else, so the rest of the service reads typed values and never casts them.
 */
import { REFERRAL_STATUSES } from '../domain/lifecycle.js';
import type { ReferralStatus } from '../domain/lifecycle.js';
import { REFERRAL_KINDS, URGENCIES } from '../domain/referral.js';
import type { ReferralKind, Urgency } from '../domain/referral.js';
import type { Referral } from './generated/prisma/client.js';

/** A stored referral as the domain reads it: the ORM's row with its codes typed. */
export type ReferralRow = Omit<Referral, 'status' | 'urgency' | 'kind'> & {
  status: ReferralStatus;
  urgency: Urgency;
  kind: ReferralKind;
};

/** A referral row as a query returns it, its codes still text. */
export type StoredReferral = Omit<ReferralRow, 'status' | 'urgency' | 'kind'> & { status: string; urgency: string; kind: string };

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string, id: string): T {
  const found = allowed.find((candidate) => candidate === value);
  // Only the migrations and this service write these columns: another value is a bug, never input.
  if (found === undefined) throw new Error(`referral ${id} has an unknown ${column} in the database`);
  return found;
}

/** The domain's view of a stored referral; throws when its status, urgency or kind is not one the domain knows. */
export function toReferralRow(row: StoredReferral): ReferralRow {
  return {
    ...row,
    status: oneOf(REFERRAL_STATUSES, row.status, 'status', row.id),
    urgency: oneOf(URGENCIES, row.urgency, 'urgency', row.id),
    kind: oneOf(REFERRAL_KINDS, row.kind, 'kind', row.id),
  };
}

/** {@link toReferralRow}, keeping `null`. */
export function toReferralRowOrNull(row: StoredReferral | null): ReferralRow | null {
  return row === null ? null : toReferralRow(row);
}
