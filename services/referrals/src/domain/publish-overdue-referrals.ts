import type { EventDataMap } from '@referral-hub/contracts';
import { randomUUID } from 'node:crypto';
import { insertHistory } from '../data-access/history.js';
import { claimOverdue, findReferral, markOverdue } from '../data-access/referrals.js';
import type { ReferralDeps } from './deps.js';
import { eventData } from './referral.js';

const STAGES = ['acknowledgement', 'decision'] as const;

/**
 * Announces each passed deadline once: `referral.overdue` with its stage, for
 * referrals still waiting on the recipient. Rows are claimed `FOR UPDATE SKIP
 * LOCKED` and marked in the same transaction as the outbox row, so several
 * instances never announce one twice and a crash announces it later.
 *
 * @returns how many were announced.
 */
export async function publishOverdueReferrals(deps: Pick<ReferralDeps, 'db' | 'outbox' | 'now'>, batchSize = 100): Promise<number> {
  let published = 0;
  for (const stage of STAGES) {
    published += await deps.db.transaction(async (tx) => {
      const now = deps.now();
      const claimed = await claimOverdue(tx, stage, now, batchSize);
      for (const { id } of claimed) {
        const row = await findReferral(tx, id);
        if (row === null) continue;
        const dueAt = stage === 'acknowledgement' ? row.acknowledgeDueAt : row.decisionDueAt;
        // Claimed while it waited for an acknowledgement or a decision: the only statuses the event allows.
        const status = row.status;
        if (dueAt === null || (status !== 'submitted' && status !== 'acknowledged')) continue;
        await markOverdue(tx, id, stage, now);
        await insertHistory(tx, {
          id: randomUUID(),
          referralId: id,
          action: 'overdue',
          fromStatus: row.status,
          toStatus: row.status,
          reasonCode: stage,
          occurredAt: now,
        });
        const data: EventDataMap['referral.overdue'] = {
          ...eventData(row, status, null, now),
          status,
          stage,
          dueAt: dueAt.toISOString(),
        };
        await deps.outbox.publish(tx, 'referral.overdue', data, { subject: id, time: now });
      }
      return claimed.length;
    });
  }
  return published;
}
