import { randomUUID } from 'node:crypto';
import { buildEvent } from '@referral-hub/contracts';
import type { EventDataMap } from '@referral-hub/contracts';
import type { Tx } from '../data-access/database.js';
import { insertHistory } from '../data-access/history.js';
import { findCachedAccess, findReferralsOfCase, invalidateAccessOfCase } from '../data-access/referrals.js';
import type { ConsentGateway } from '../gateways/consent-client.js';
import type { ReferralDeps } from './deps.js';
import { REFERRALS_SOURCE } from './deps.js';
import { decisionRequestFor } from './view-referral.js';

/** A consent of a case changed; `ended` when it was withdrawn or expired. */
export type ConsentChange = {
  consentId: string;
  caseCode: string;
  organizationId: string;
  ended: boolean;
  at: Date;
  correlationId?: string;
};

/**
 * Applies a `consent.*` event, inside the consumer's inbox transaction. Any
 * change drops the case's cached decisions, so the next read asks consent
 * again. A withdrawal or expiry also tells each referral resting on that
 * consent which fields its recipient lost: kept in the history and published
 * as `referral.access_revoked` (ids and field keys only).
 *
 * The fields lost are what the recipient could read before (the cached
 * decision, else what was shared at submit) minus what a fresh decision
 * allows. If consent cannot be asked, this throws and the event is retried;
 * meanwhile reads already see the cache dropped and ask consent themselves.
 *
 * @returns how many referrals lost access.
 */
export async function applyConsentChange(
  deps: Pick<ReferralDeps, 'outbox'> & { consent: ConsentGateway },
  tx: Tx,
  change: ConsentChange,
): Promise<number> {
  const referrals = change.ended ? await findReferralsOfCase(tx, change.organizationId, change.caseCode) : [];
  const before = new Map<string, string[] | null>();
  for (const row of referrals) before.set(row.id, (await findCachedAccess(tx, row.id))?.allowedKeys ?? null);
  await invalidateAccessOfCase(tx, change.organizationId, change.caseCode);

  let revoked = 0;
  for (const row of referrals) {
    if (!row.consentIds.includes(change.consentId)) continue;
    const previous = before.get(row.id) ?? row.sharedFieldKeys;
    let allowed: string[] = [];
    if (row.sharedFieldKeys.length > 0) {
      const decision = await deps.consent.decide(decisionRequestFor(row, row.sharedFieldKeys));
      allowed = decision.allowed;
    }
    const lost = previous.filter((key) => !allowed.includes(key));
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
      consentIds: [change.consentId],
      occurredAt: change.at,
    });
    const data: EventDataMap['referral.access_revoked'] = {
      referralId: row.id,
      referralCode: row.code,
      caseCode: row.caseCode,
      kind: row.kind as 'referral' | 'transfer',
      status: row.status as EventDataMap['referral.access_revoked']['status'],
      previousStatus: row.status as EventDataMap['referral.access_revoked']['status'],
      urgency: row.urgency as 'high' | 'medium' | 'low',
      referringOrganizationId: row.referringOrganizationId,
      recipientOrganizationId: row.recipientOrganizationId,
      recipientServiceId: row.recipientServiceId,
      actor: null,
      occurredAt: change.at.toISOString(),
      consentIds: [change.consentId],
      fieldKeys: lost as EventDataMap['referral.access_revoked']['fieldKeys'],
    };
    await deps.outbox.enqueueEvent(
      tx,
      buildEvent('referral.access_revoked', data, {
        source: REFERRALS_SOURCE,
        subject: row.id,
        ...(change.correlationId === undefined ? {} : { correlationId: change.correlationId }),
      }),
    );
    revoked += 1;
  }
  return revoked;
}
