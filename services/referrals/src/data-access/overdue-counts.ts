import type { Tx } from './database.js';

/**
 * How many referrals wait past a deadline now, by stage: acknowledgement
 * (submitted, not acknowledged by its due time) and decision (submitted or
 * acknowledged, not accepted or declined by its due time). The same rule as
 * the `overdue` filter of the lists; one query, for the metrics scrape.
 */
export async function countOverdueReferrals(db: Pick<Tx, '$queryRaw'>, now: Date): Promise<{ acknowledgement: number; decision: number }> {
  const rows = await db.$queryRaw<{ acknowledgement: number; decision: number }[]>`
    SELECT count(*) FILTER (WHERE status = 'submitted' AND acknowledge_due_at < ${now}::timestamptz)::int AS acknowledgement,
           count(*) FILTER (WHERE decision_due_at < ${now}::timestamptz)::int AS decision
      FROM referral
     WHERE status IN ('submitted', 'acknowledged')`;
  return { acknowledgement: rows[0]?.acknowledgement ?? 0, decision: rows[0]?.decision ?? 0 };
}
