import { randomUUID } from 'node:crypto';
import type { EventDataMap } from '@referral-hub/contracts';
import type { Tx } from '../data-access/database.js';
import { insertHistory } from '../data-access/history.js';
import { findReferralsById, lockReadableKeysOfCase, narrowReadableKeys, readableKeysOfCase } from '../data-access/referrals.js';
import type { ConsentGateway } from '../gateways/consent-client.js';
import type { ReferralDeps } from './deps.js';
import { eventData } from './referral.js';
import { decisionRequestFor, RECIPIENT_DONE } from './what-a-reader-sees.js';

/** A basis of sharing of a case ended: a consent withdrawn or expired, or an override revoked. */
export type BasisEnded = {
  /** The consent's or the override's id. */
  basisId: string;
  caseCode: string;
  organizationId: string;
  at: Date;
};

/** What consent allows now of each referral resting on an ended basis, by referral id: asked before the transaction. */
export type DecisionsAfterEnd = ReadonlyMap<string, readonly string[]>;

/**
 * Asks consent, BEFORE the inbox transaction opens, what it allows now of each referral of the case that
 * rests on the ended basis and whose recipient may still read something (read without a lock), so that the
 * transaction of {@link applyEndOfBasis} holds its locks and its connection without waiting on the network.
 *
 * @throws Error when consent cannot be asked (the event is retried).
 */
export async function decisionsAfterEndOfBasis(deps: { consent: ConsentGateway }, db: Tx, change: BasisEnded): Promise<DecisionsAfterEnd> {
  const found = await readableKeysOfCase(db, change.organizationId, change.caseCode);
  const rows = (await findReferralsById(
    db,
    found.map((r) => r.id),
  )).filter((row) => row.consentIds.includes(change.basisId) && !RECIPIENT_DONE.has(row.status));
  const decisions = await Promise.all(rows.map(async (row) => [row.id, (await deps.consent.decide(decisionRequestFor(row, row.sharedFieldKeys))).allowed] as const));
  return new Map(decisions);
}

/**
 * One loss of access, one notice. Applies the end of a basis of sharing, inside the consumer's
 * inbox transaction, with consent's decisions asked before it opened ({@link decisionsAfterEndOfBasis}).
 * Reads never wait for this (they ask consent every time: `what-a-reader-sees.ts`); this only records
 * the loss and tells the lead.
 *
 * Each referral of the case resting on that basis is locked (`FOR UPDATE`). The fields lost are those
 * the recipient may have read and was not yet told it lost (`access_allowed_keys`) minus what the
 * decision allows now. When some were lost: one `access_revoked` history entry and one
 * `referral.access_revoked` event with those keys, and the remembered set shrinks, in the same
 * transaction. When none were (a second basis ending at the same instant, after the first's event
 * already recorded everything; a referral its recipient declined; a basis that covered nothing read),
 * nothing is written or published.
 *
 * @throws Error when a referral needs a decision that was not asked (it changed between the asking and
 *   the lock): the transaction rolls back and the event is retried, asking again.
 * @returns how many referrals lost access.
 */
export async function applyEndOfBasis(deps: Pick<ReferralDeps, 'outbox'>, tx: Tx, change: BasisEnded, decisions: DecisionsAfterEnd): Promise<number> {
  const locked = await lockReadableKeysOfCase(tx, change.organizationId, change.caseCode);
  const readableOf = new Map(locked.map((r) => [r.id, r.readable]));
  const rows = await findReferralsById(
    tx,
    locked.map((r) => r.id),
  );

  let revoked = 0;
  for (const row of rows) {
    if (!row.consentIds.includes(change.basisId)) continue;
    // A recipient that declined, or whose referral was withdrawn, reads no field anyway: nothing to lose.
    const readable = RECIPIENT_DONE.has(row.status) ? [] : (readableOf.get(row.id) ?? []);
    if (!row.sharedFieldKeys.some((key) => readable.includes(key))) continue;
    const allowed = decisions.get(row.id);
    if (allowed === undefined) throw new Error('A referral resting on the ended basis changed before its lock: its decision is asked again');
    const lost = row.sharedFieldKeys.filter((key) => readable.includes(key) && !allowed.includes(key));
    if (lost.length === 0) continue;
    await narrowReadableKeys(
      tx,
      row.id,
      readable.filter((key) => !lost.includes(key)),
    );
    await insertHistory(tx, {
      id: randomUUID(),
      referralId: row.id,
      action: 'access_revoked',
      fromStatus: row.status,
      toStatus: row.status,
      actorUserId: null,
      actorOrganizationId: null,
      reasonCode: null,
      fieldKeys: lost,
      consentIds: [change.basisId],
      occurredAt: change.at,
    });
    // The data every referral event carries, from the one function that builds it, and what this one adds.
    const data: EventDataMap['referral.access_revoked'] = {
      ...eventData(row, row.status, null, change.at),
      consentIds: [change.basisId],
      fieldKeys: lost as EventDataMap['referral.access_revoked']['fieldKeys'],
    };
    await deps.outbox.publish(tx, 'referral.access_revoked', data, { subject: row.id });
    revoked += 1;
  }
  return revoked;
}
