import { DECLINE_REASONS, NOT_DELIVERED_REASONS } from '@referral-hub/contracts';
import { t, validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { aggregateIndicators, aggregateReasons, STANDINGS } from '../data-access/indicators.js';
import type { IndicatorRow, ReasonRow } from '../data-access/indicators.js';
import { can, requireAccess } from './access.js';
import type { ReferralDeps } from './deps.js';
import { suppressSmallCells } from './small-cell-suppression.js';
import type { Relation, SuppressionCell } from './small-cell-suppression.js';

/** Counts below this are never shown (DOMAIN: indicators are de-identified). */
export const SUPPRESSION_THRESHOLD = 5;
/** More periods than this in one answer is refused: the page and the CSV stay readable. */
export const MAX_PERIODS = 60;

export type IndicatorsQuery = { from?: string; to?: string; period?: 'month' | 'week'; serviceType?: string; format?: 'json' | 'csv' };

export type Count = { value: number | null; suppressed: boolean };
export type Measure = { value: number | null; suppressed: boolean };
export type StageView = { count: Count; withinDeadline: Count; withinDeadlineShare: Measure; medianHours: Measure; p90Hours: Measure };
export type StageByUrgency = { all: StageView; high: StageView; medium: StageView; low: StageView };
export type IndicatorCell = {
  period: string | null;
  serviceType: string | null;
  referrals: Count;
  byStatus: Record<(typeof STANDINGS)[number], Count>;
  acknowledgement: StageByUrgency;
  decision: StageByUrgency;
  noFeedback: { due: Count; withoutDecision: Count; rate: Measure };
  declinedByReason: Record<string, Count>;
  notDeliveredByReason: Record<string, Count>;
};
export type IndicatorsView = {
  from: string;
  to: string;
  period: 'month' | 'week';
  serviceType: string | null;
  scope: 'network' | 'organization';
  organizationId: string | null;
  threshold: number;
  asOf: string;
  periods: { start: string; end: string }[];
  serviceTypes: string[];
  cells: IndicatorCell[];
};

const URGENCIES = ['high', 'medium', 'low'] as const;
const LEVELS = ['all', ...URGENCIES] as const;
const STAGES = { acknowledgement: 'acknowledge', decision: 'decide' } as const;
const DECLINE_CODES: readonly string[] = DECLINE_REASONS.map((r) => r.code);
const NOT_DELIVERED_CODES: readonly string[] = NOT_DELIVERED_REASONS.map((r) => r.code);
/** The key of "every period" and "every service type" in cell keys. */
const ALL = '*';
const DAY_MS = 86_400_000;

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

function parseDate(text: string): Date {
  return new Date(`${text}T00:00:00.000Z`);
}

/** The first day of the period holding `day` (months start on the 1st, ISO weeks on Monday). */
function periodStart(day: Date, unit: 'month' | 'week'): Date {
  if (unit === 'month') return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}

function nextPeriod(start: Date, unit: 'month' | 'week'): Date {
  return unit === 'month' ? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)) : new Date(start.getTime() + 7 * DAY_MS);
}

/**
 * The range, widened to whole periods: counting a part of a period would let two ranges a day
 * apart be subtracted to give the referrals of that one day.
 */
function periodsOf(query: IndicatorsQuery, unit: 'month' | 'week', today: Date): { starts: Date[]; until: Date } {
  const to = query.to === undefined ? today : parseDate(query.to);
  let from: Date;
  if (query.from !== undefined) from = parseDate(query.from);
  else {
    const last = periodStart(to, unit);
    from = unit === 'month' ? new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() - 11, 1)) : new Date(last.getTime() - 11 * 7 * DAY_MS);
  }
  if (to.getTime() < from.getTime()) throw validationError([{ field: 'query.to', message: t('must be >= {limit}', { limit: isoDate(from) }), code: 'minimum' }]);
  const starts: Date[] = [];
  let start = periodStart(from, unit);
  while (start.getTime() <= to.getTime()) {
    starts.push(start);
    start = nextPeriod(start, unit);
  }
  const earliest = starts.at(-MAX_PERIODS);
  if (starts.length > MAX_PERIODS && earliest !== undefined) {
    throw validationError([{ field: 'query.from', message: t('must be >= {limit}', { limit: isoDate(earliest) }), code: 'minimum' }]);
  }
  return { starts, until: start };
}

/** The counts of one cell, by metric; unpublished ones only tie others together. */
type MetricValues = { published: Map<string, number>; hidden: Map<string, number> };

function metricsOf(
  row: (urgency: string) => IndicatorRow | undefined,
  reason: (outcome: 'declined' | 'not_delivered', code: string) => number,
): MetricValues {
  const published = new Map<string, number>();
  const hidden = new Map<string, number>();
  const total = row(ALL);
  const referrals = total?.referrals ?? 0;
  published.set('referrals', referrals);
  for (const status of STANDINGS) published.set(`status.${status}`, total?.byStatus[status] ?? 0);
  for (const [name, field] of Object.entries(STAGES)) {
    for (const level of LEVELS) {
      const stage = row(level === 'all' ? ALL : level)?.[field];
      published.set(`${name}.${level}.count`, stage?.count ?? 0);
      published.set(`${name}.${level}.within`, stage?.within ?? 0);
      hidden.set(`${name}.${level}.late`, (stage?.count ?? 0) - (stage?.within ?? 0));
    }
    hidden.set(`${name}.notYet`, referrals - (total?.[field].count ?? 0));
  }
  published.set('noFeedback.due', total?.due ?? 0);
  published.set('noFeedback.without', total?.withoutDecision ?? 0);
  hidden.set('noFeedback.answered', (total?.due ?? 0) - (total?.withoutDecision ?? 0));
  hidden.set('noFeedback.notDue', referrals - (total?.due ?? 0));
  for (const [outcome, codes] of [['declined', DECLINE_CODES], ['not_delivered', NOT_DELIVERED_CODES]] as const) {
    let named = 0;
    for (const code of codes) {
      const count = reason(outcome, code);
      named += count;
      published.set(`${outcome}.${code}`, count);
    }
    hidden.set(`${outcome}.rest`, (total?.byStatus[outcome] ?? 0) - named);
  }
  return { published, hidden };
}

/** The relations between the counts of one cell (each list: a total, then its parts). */
function cellRelations(): string[][] {
  const relations: string[][] = [['referrals', ...STANDINGS.map((s) => `status.${s}`)]];
  for (const name of Object.keys(STAGES)) {
    for (const level of LEVELS) relations.push([`${name}.${level}.count`, `${name}.${level}.within`, `${name}.${level}.late`]);
    for (const part of ['count', 'within', 'late']) relations.push(LEVELS.map((level) => `${name}.${level}.${part}`));
    relations.push(['referrals', `${name}.all.count`, `${name}.notYet`]);
  }
  relations.push(['referrals', 'noFeedback.due', 'noFeedback.notDue'], ['noFeedback.due', 'noFeedback.without', 'noFeedback.answered']);
  relations.push(['status.declined', ...DECLINE_CODES.map((c) => `declined.${c}`), 'declined.rest']);
  relations.push(['status.not_delivered', ...NOT_DELIVERED_CODES.map((c) => `not_delivered.${c}`), 'not_delivered.rest']);
  return relations;
}

/**
 * `GET /v1/indicators`: the referral indicators of the caller's scope, every small count suppressed.
 *
 * Suppression runs in two steps so that no two answers can be subtracted to reveal a small count:
 * 1. each period on its own, over every service type (whatever type was asked for: the filter only
 *    chooses which cells are returned), so a period's cells are the same in every answer;
 * 2. the totals over the range, shown only when every period they add up is shown (a total over a
 *    range is then no more than the sum of what any range shows), then checked against each other.
 *
 * @throws AppError 403 for anyone but a network coordinator or a supervisor; 400 naming `query.to`
 *   or `query.from` for a range that ends before it starts or holds more than 60 periods.
 */
export async function getIndicators(deps: Pick<ReferralDeps, 'db' | 'now'>, principal: Principal, query: IndicatorsQuery): Promise<IndicatorsView> {
  requireAccess(principal, 'indicators.read');
  const network = can(principal, 'indicators.readNetwork').allowed;
  const unit = query.period ?? 'month';
  const now = deps.now();
  const { starts, until } = periodsOf(query, unit, parseDate(isoDate(now)));
  const from = starts[0] ?? until;
  const selection = { unit, from, until, organizationId: network ? null : principal.organizationId, now };
  const [rows, reasons] = await Promise.all([aggregateIndicators(deps.db, selection), aggregateReasons(deps.db, selection)]);

  const rowAt = new Map<string, IndicatorRow>();
  for (const row of rows) rowAt.set([row.period ?? ALL, row.serviceType ?? ALL, row.urgency ?? ALL].join('|'), row);
  const reasonAt = new Map<string, number>();
  for (const row of reasons) reasonAt.set(reasonKey(row), row.count);

  const periods = starts.map(isoDate);
  const types = [...new Set(rows.flatMap((row) => (row.serviceType === null ? [] : [row.serviceType])))].sort();
  const cells = new Map<string, SuppressionCell>();
  const metricNames = new Set<string>();
  for (const p of [...periods, ALL]) {
    for (const t of [...types, ALL]) {
      const values = metricsOf(
        (u) => rowAt.get([p, t, u].join('|')),
        (outcome, code) => reasonAt.get([p, t, outcome, code].join('|')) ?? 0,
      );
      for (const [metric, value] of values.published) {
        cells.set(`${p}|${t}|${metric}`, { value, published: true });
        metricNames.add(metric);
      }
      for (const [metric, value] of values.hidden) {
        cells.set(`${p}|${t}|${metric}`, { value, published: false });
        metricNames.add(metric);
      }
    }
  }
  const within = cellRelations();
  const inCell = (p: string, t: string) => within.map((relation) => relation.map((metric) => `${p}|${t}|${metric}`));

  // Step 1: each period, over every service type.
  const periodCells = new Map([...cells].filter(([key]) => !key.startsWith(`${ALL}|`)));
  const periodRelations: Relation[] = [];
  for (const p of periods) {
    for (const t of [...types, ALL]) periodRelations.push(...inCell(p, t));
    for (const metric of metricNames) periodRelations.push([`${p}|${ALL}|${metric}`, ...types.map((t) => `${p}|${t}|${metric}`)]);
  }
  suppressSmallCells(periodCells, periodRelations, SUPPRESSION_THRESHOLD);

  // Step 2: the totals over the range, the periods' cells fixed as step 1 left them.
  for (const cell of periodCells.values()) cell.fixed = true;
  const rangeRelations: Relation[] = [];
  for (const t of [...types, ALL]) {
    rangeRelations.push(...inCell(ALL, t));
    for (const metric of metricNames) {
      const parts = periods.map((p) => `${p}|${t}|${metric}`);
      rangeRelations.push([`${ALL}|${t}|${metric}`, ...parts]);
      const total = cells.get(`${ALL}|${t}|${metric}`);
      if (total?.published === true && parts.some((key) => cells.get(key)?.suppressed === true)) total.suppressed = true;
    }
  }
  for (const metric of metricNames) rangeRelations.push([`${ALL}|${ALL}|${metric}`, ...types.map((t) => `${ALL}|${t}|${metric}`)]);
  suppressSmallCells(cells, rangeRelations, SUPPRESSION_THRESHOLD);

  const shownTypes = query.serviceType === undefined ? types : [query.serviceType];
  const order: [string, string][] = [
    ...periods.flatMap((p) => shownTypes.map((t): [string, string] => [p, t])),
    ...(query.serviceType === undefined ? periods.map((p): [string, string] => [p, ALL]) : []),
    ...shownTypes.map((t): [string, string] => [ALL, t]),
    ...(query.serviceType === undefined ? [[ALL, ALL] satisfies [string, string]] : []),
  ];
  return {
    from: isoDate(from),
    to: isoDate(new Date(until.getTime() - DAY_MS)),
    period: unit,
    serviceType: query.serviceType ?? null,
    scope: network ? 'network' : 'organization',
    organizationId: network ? null : principal.organizationId,
    threshold: SUPPRESSION_THRESHOLD,
    asOf: now.toISOString(),
    periods: starts.map((start) => ({ start: isoDate(start), end: isoDate(new Date(nextPeriod(start, unit).getTime() - DAY_MS)) })),
    serviceTypes: shownTypes,
    cells: order.map(([p, t]) => viewOf(p, t, cells, rowAt)),
  };
}

function reasonKey(row: ReasonRow): string {
  return [row.period ?? ALL, row.serviceType ?? ALL, row.outcome, row.reason ?? ''].join('|');
}

/** Counts (not rates or times) of a view, for the CSV's `<5`. */
const COUNTS = new WeakSet<object>();

function viewOf(p: string, t: string, cells: Map<string, SuppressionCell>, rowAt: Map<string, IndicatorRow>): IndicatorCell {
  const count = (metric: string): Count => {
    const cell = cells.get(`${p}|${t}|${metric}`);
    const suppressed = cell?.suppressed === true;
    const view = { value: suppressed ? null : (cell?.value ?? 0), suppressed };
    COUNTS.add(view);
    return view;
  };
  const rate = (numerator: Count, denominator: Count): Measure => {
    if (numerator.suppressed || denominator.suppressed) return { value: null, suppressed: true };
    return { value: denominator.value === 0 || denominator.value === null ? null : round((numerator.value ?? 0) / denominator.value, 4), suppressed: false };
  };
  const hours = (seconds: number | null | undefined, basis: Count): Measure =>
    basis.suppressed ? { value: null, suppressed: true } : { value: seconds === null || seconds === undefined ? null : round(seconds / 3600, 1), suppressed: false };
  const stages = (name: keyof typeof STAGES): StageByUrgency => {
    const level = (l: (typeof LEVELS)[number]): StageView => {
      const row = rowAt.get([p, t, l === 'all' ? ALL : l].join('|'))?.[STAGES[name]];
      const reached = count(`${name}.${l}.count`);
      const inTime = count(`${name}.${l}.within`);
      return { count: reached, withinDeadline: inTime, withinDeadlineShare: rate(inTime, reached), medianHours: hours(row?.medianSeconds, reached), p90Hours: hours(row?.p90Seconds, reached) };
    };
    return { all: level('all'), high: level('high'), medium: level('medium'), low: level('low') };
  };
  const due = count('noFeedback.due');
  const without = count('noFeedback.without');
  return {
    period: p === ALL ? null : p,
    serviceType: t === ALL ? null : t,
    referrals: count('referrals'),
    byStatus: {
      submitted: count('status.submitted'),
      acknowledged: count('status.acknowledged'),
      accepted: count('status.accepted'),
      in_progress: count('status.in_progress'),
      declined: count('status.declined'),
      completed: count('status.completed'),
      not_delivered: count('status.not_delivered'),
      withdrawn: count('status.withdrawn'),
    },
    acknowledgement: stages('acknowledgement'),
    decision: stages('decision'),
    noFeedback: { due, withoutDecision: without, rate: rate(without, due) },
    declinedByReason: Object.fromEntries(DECLINE_CODES.map((c) => [c, count(`declined.${c}`)])),
    notDeliveredByReason: Object.fromEntries(NOT_DELIVERED_CODES.map((c) => [c, count(`not_delivered.${c}`)])),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function isSuppressible(value: unknown): value is Count {
  return typeof value === 'object' && value !== null && 'suppressed' in value && 'value' in value;
}

/** The leaves of a cell as CSV columns, named by their path (`acknowledgement_high_median_hours`). */
function columnsOf(value: unknown, path: string[], out: [string, string][]): void {
  if (isSuppressible(value)) {
    const name = path.map((part) => part.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()).join('_');
    out.push([name, value.suppressed ? (COUNTS.has(value) ? '<5' : 'suppressed') : value.value === null ? '' : String(value.value)]);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) columnsOf(child, [...path, key], out);
  }
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The cells as CSV: a header line, then one line per cell (period and service type empty for "all"). */
export function indicatorsCsv(view: IndicatorsView): string {
  const lines: string[] = [];
  for (const cell of view.cells) {
    const { period, serviceType, ...metrics } = cell;
    const columns: [string, string][] = [];
    columnsOf(metrics, [], columns);
    if (lines.length === 0) lines.push(['period', 'service_type', ...columns.map(([name]) => name)].map(csvField).join(','));
    lines.push([period ?? '', serviceType ?? '', ...columns.map(([, text]) => text)].map(csvField).join(','));
  }
  if (lines.length === 0) lines.push('period,service_type');
  return `${lines.join('\r\n')}\r\n`;
}
