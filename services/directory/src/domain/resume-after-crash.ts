import { randomUUID } from 'node:crypto';
import type { IdempotentAttempt } from '@referral-hub/platform';

/** A run without `Idempotency-Key`, or the first run under one. */
export const FIRST_RUN: IdempotentAttempt = { claimId: null, resumedFrom: null };

/**
 * The id of a row a POST creates: the `Idempotency-Key` claim's id when there is one (the same
 * for every run under the key, and unique to it), so a retry that takes over the key after a
 * crash finds the row the crashed run committed; a fresh id otherwise.
 */
export function newRowId(attempt: IdempotentAttempt): string {
  return attempt.claimId ?? randomUUID();
}

/**
 * What an earlier run under the same key committed, when this run resumes it (the first run's
 * lease ran out, perhaps after its commit and before its answer was stored): the row created
 * under the claim's id, as it is now. Null when this run is the first, or when the first
 * committed nothing: then this run does the work.
 */
export async function committedEarlier<Row>(attempt: IdempotentAttempt, find: (id: string) => Promise<Row | null>): Promise<Row | null> {
  if (attempt.resumedFrom === null || attempt.claimId === null) return null;
  return find(attempt.claimId);
}
