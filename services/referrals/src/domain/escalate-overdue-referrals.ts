import { randomUUID } from 'node:crypto';
import type { EventDataMap } from '@referral-hub/contracts';
import { claimEscalations, markEscalated } from '../data-access/escalations.js';
import { insertHistory } from '../data-access/history.js';
import { findReferral } from '../data-access/referrals.js';
import type { ReferralDeps } from './deps.js';
import { eventData } from './referral.js';

const STAGES = ['acknowledgement', 'decision'] as const;

/**
 * Reminder, then escalation (DOMAIN.md): a stage still waiting on the recipient when its
 * escalation time comes (its deadline plus the escalation interval in force at submit), after
 * its reminder (`referral.overdue`), is escalated once: an `escalated` history entry with the
 * stage, and `referral.escalated` (told to the lead's supervisor and the receiving
 * organisation's administrators as well as those reminded). Claimed and marked in the outbox's
 * transaction, so several instances never escalate one twice and a crash escalates it later.
 *
 * @returns how many were escalated.
 */
export async function escalateOverdueReferrals(deps: Pick<ReferralDeps, 'db' | 'outbox' | 'now'>, batchSize = 100): Promise<number> {
  let escalated = 0;
  for (const stage of STAGES) {
    escalated += await deps.db.transaction(async (tx) => {
      const now = deps.now();
      const claimed = await claimEscalations(tx, stage, now, batchSize);
      for (const { id } of claimed) {
        const row = await findReferral(tx, id);
        const dueAt = stage === 'acknowledgement' ? row?.acknowledgeDueAt : row?.decisionDueAt;
        // Claimed while it waited for an acknowledgement or a decision: the only statuses the event allows.
        const status = row?.status;
        if (row === null || dueAt === null || dueAt === undefined || (status !== 'submitted' && status !== 'acknowledged')) continue;
        await markEscalated(tx, id, stage, now);
        await insertHistory(tx, { id: randomUUID(), referralId: id, action: 'escalated', fromStatus: row.status, toStatus: row.status, reasonCode: stage, occurredAt: now });
        const data: EventDataMap['referral.escalated'] = { ...eventData(row, status, null, now), status, stage, dueAt: dueAt.toISOString() };
        await deps.outbox.publish(tx, 'referral.escalated', data, { subject: id, time: now });
      }
      return claimed.length;
    });
  }
  return escalated;
}
