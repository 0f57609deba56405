import { Prisma } from './generated/prisma/client.js';
import type { ReferralsDatabase } from './database.js';

/** What the indicators count: referrals submitted in [from, until), per `unit` period, of one organisation or the whole network. */
export type IndicatorSelection = {
  unit: 'month' | 'week';
  from: Date;
  until: Date;
  /** The organisation whose sent and received referrals are counted; null: the whole network. */
  organizationId: string | null;
  /** Decision deadlines passed by this instant count for the no-feedback rate. */
  now: Date;
};

/**
 * One row of the aggregate: `period`, `serviceType` and `urgency` are null where the row is the
 * total over that dimension (SQL grouping sets). Times are in seconds; null when nothing reached the stage.
 */
export type IndicatorRow = {
  period: string | null;
  serviceType: string | null;
  urgency: string | null;
  referrals: number;
  byStatus: Record<string, number>;
  acknowledge: StageRow;
  decide: StageRow;
  due: number;
  withoutDecision: number;
};
export type StageRow = { count: number; within: number; medianSeconds: number | null; p90Seconds: number | null };

/** Declined and not-delivered referrals per reason, with the same grouping (no urgency). */
export type ReasonRow = { period: string | null; serviceType: string | null; outcome: 'declined' | 'not_delivered'; reason: string | null; count: number };

/** The statuses a referral is counted under: a closed one counts under the status it was closed from. */
export const STANDINGS = ['submitted', 'acknowledged', 'accepted', 'in_progress', 'declined', 'completed', 'not_delivered', 'withdrawn'] as const;

/**
 * Each submitted referral of the selection, reduced to its envelope and the moments of its history
 * the indicators need. Case fields, the need's text and notes are never read.
 */
function base(selection: IndicatorSelection): Prisma.Sql {
  const scope =
    selection.organizationId === null
      ? Prisma.sql`TRUE`
      : Prisma.sql`(r.referring_organization_id = ${selection.organizationId}::uuid OR r.recipient_organization_id = ${selection.organizationId}::uuid)`;
  return Prisma.sql`
    WITH base AS (
      SELECT r.urgency,
        COALESCE(r.recipient_service_type, 'unspecified') AS service_type,
        to_char(date_trunc(${selection.unit}::text, r.submitted_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS period,
        r.submitted_at, r.acknowledge_due_at, r.decision_due_at,
        CASE WHEN r.status = 'closed' THEN marks.closed_from ELSE r.status END AS standing,
        marks.acknowledged_at, marks.decided_at, marks.withdrawn_at, marks.decline_reason, marks.not_delivered_reason
      FROM referral r
      LEFT JOIN LATERAL (
        SELECT
          min(h.occurred_at) FILTER (WHERE h.action = 'acknowledge') AS acknowledged_at,
          min(h.occurred_at) FILTER (WHERE h.action IN ('accept', 'decline')) AS decided_at,
          min(h.occurred_at) FILTER (WHERE h.action = 'withdraw') AS withdrawn_at,
          (array_agg(h.reason_code ORDER BY h.occurred_at DESC) FILTER (WHERE h.action = 'decline'))[1] AS decline_reason,
          (array_agg(h.reason_code ORDER BY h.occurred_at DESC) FILTER (WHERE h.action = 'not_delivered'))[1] AS not_delivered_reason,
          (array_agg(h.from_status ORDER BY h.occurred_at DESC) FILTER (WHERE h.action = 'close'))[1] AS closed_from
        FROM referral_history h
        WHERE h.referral_id = r.id
      ) marks ON TRUE
      WHERE r.submitted_at IS NOT NULL AND r.status <> 'draft'
        AND r.submitted_at >= ${selection.from} AND r.submitted_at < ${selection.until}
        AND ${scope}
    )`;
}

type RawStage = { count: number; within: number; median: number | null; p90: number | null };
type RawRow = {
  period: string | null;
  service_type: string | null;
  urgency: string | null;
  g_period: number;
  g_type: number;
  g_urgency: number;
  referrals: number;
  by_status: Record<string, number>;
  ack: RawStage;
  dec: RawStage;
  due: number;
  without_decision: number;
};

/** Every count, time and no-feedback figure of the selection, per period × service type × urgency and every total of them. */
export async function aggregateIndicators(db: ReferralsDatabase, selection: IndicatorSelection): Promise<IndicatorRow[]> {
  const now = selection.now;
  const byStatus = Prisma.join(
    STANDINGS.map((s) => Prisma.sql`${s}::text, count(*) FILTER (WHERE standing = ${s})`),
    ', ',
  );
  // A referral withdrawn before its decision deadline without a decision was no longer waiting for one.
  const due = Prisma.sql`decision_due_at <= ${now} AND NOT (decided_at IS NULL AND withdrawn_at IS NOT NULL AND withdrawn_at < decision_due_at)`;
  const rows = await db.client.$queryRaw<RawRow[]>`
    ${base(selection)}
    SELECT period, service_type, urgency,
      GROUPING(period) AS g_period, GROUPING(service_type) AS g_type, GROUPING(urgency) AS g_urgency,
      count(*)::int AS referrals,
      json_build_object(${byStatus}) AS by_status,
      json_build_object(
        'count', count(acknowledged_at),
        'within', count(*) FILTER (WHERE acknowledged_at <= acknowledge_due_at),
        'median', percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - submitted_at)),
        'p90', percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - submitted_at))
      ) AS ack,
      json_build_object(
        'count', count(decided_at),
        'within', count(*) FILTER (WHERE decided_at <= decision_due_at),
        'median', percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at)),
        'p90', percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at))
      ) AS dec,
      (count(*) FILTER (WHERE ${due}))::int AS due,
      (count(*) FILTER (WHERE ${due} AND decided_at IS NULL))::int AS without_decision
    FROM base
    GROUP BY GROUPING SETS ((period, service_type, urgency), (period, service_type), (period, urgency), (period), (service_type, urgency), (service_type), (urgency), ())`;
  const stage = (raw: RawStage): StageRow => ({ count: raw.count, within: raw.within, medianSeconds: raw.median, p90Seconds: raw.p90 });
  return rows.map((row) => ({
    period: row.g_period === 1 ? null : row.period,
    serviceType: row.g_type === 1 ? null : row.service_type,
    urgency: row.g_urgency === 1 ? null : row.urgency,
    referrals: row.referrals,
    byStatus: row.by_status,
    acknowledge: stage(row.ack),
    decide: stage(row.dec),
    due: row.due,
    withoutDecision: row.without_decision,
  }));
}

/** Declined and not-delivered referrals of the selection per reason, per period × service type and every total. */
export async function aggregateReasons(db: ReferralsDatabase, selection: IndicatorSelection): Promise<ReasonRow[]> {
  const rows = await db.client.$queryRaw<{ period: string | null; service_type: string | null; g_period: number; g_type: number; standing: 'declined' | 'not_delivered'; reason: string | null; count: number }[]>`
    ${base(selection)}
    SELECT period, service_type, GROUPING(period) AS g_period, GROUPING(service_type) AS g_type, standing, reason, count(*)::int AS count
    FROM (
      SELECT period, service_type, standing, CASE WHEN standing = 'declined' THEN decline_reason ELSE not_delivered_reason END AS reason
      FROM base WHERE standing IN ('declined', 'not_delivered')
    ) outcomes
    GROUP BY GROUPING SETS ((period, service_type, standing, reason), (period, standing, reason), (service_type, standing, reason), (standing, reason))`;
  return rows.map((row) => ({
    period: row.g_period === 1 ? null : row.period,
    serviceType: row.g_type === 1 ? null : row.service_type,
    outcome: row.standing,
    reason: row.reason,
    count: row.count,
  }));
}
