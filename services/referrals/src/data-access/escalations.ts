import type { Tx } from './database.js';

export type Stage = 'acknowledgement' | 'decision';

/**
 * Referrals whose stage is still waiting after its reminder and whose escalation time has come,
 * not yet escalated; locked `FOR UPDATE SKIP LOCKED` so that two instances never take the same.
 * A stage is escalated only after its reminder (`*_overdue_at` set): never both at once.
 */
export function claimEscalations(tx: Tx, stage: Stage, now: Date, limit: number): Promise<{ id: string }[]> {
  return stage === 'acknowledgement'
    ? tx.$queryRaw<{ id: string }[]>`
        SELECT id::text AS id FROM referral
        WHERE status = 'submitted' AND acknowledge_overdue_at IS NOT NULL AND acknowledge_escalated_at IS NULL
          AND acknowledge_escalate_at <= ${now}::timestamptz
        ORDER BY acknowledge_escalate_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`
    : tx.$queryRaw<{ id: string }[]>`
        SELECT id::text AS id FROM referral
        WHERE status IN ('submitted', 'acknowledged') AND decision_overdue_at IS NOT NULL AND decision_escalated_at IS NULL
          AND decision_escalate_at <= ${now}::timestamptz
        ORDER BY decision_escalate_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
}

/** Marks a stage's escalation as made, without touching the version (it is not a transition). */
export async function markEscalated(tx: Tx, id: string, stage: Stage, at: Date): Promise<void> {
  await tx.referral.update({ where: { id }, data: stage === 'acknowledgement' ? { acknowledgeEscalatedAt: at } : { decisionEscalatedAt: at } });
}
