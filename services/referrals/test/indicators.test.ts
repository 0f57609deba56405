import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndicatorCell, IndicatorsView } from '../src/domain/indicators.js';
import { suppressSmallCells } from '../src/domain/small-cell-suppression.js';
import type { SuppressionCell } from '../src/domain/small-cell-suppression.js';
import { as, client, COORDINATOR, json, startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const HOUR = 3_600_000;

// Three organisations: A refers health referrals to B and education referrals to C.
const A = randomUUID();
const B = randomUUID();
const C = randomUUID();
const SERVICE = randomUUID();

type Step = { action: 'acknowledge' | 'accept' | 'decline'; afterHours: number; reasonCode?: string };

/**
 * A submitted referral as the lifecycle leaves it, written straight to the database so its times
 * can be months in the past; the indicators read only the envelope and the history.
 */
async function seed(options: { submittedAt: string; type: string; recipient: string; steps?: Step[] }): Promise<void> {
  const id = randomUUID();
  const submittedAt = new Date(options.submittedAt);
  const steps = options.steps ?? [];
  const statusAfter = { acknowledge: 'acknowledged', accept: 'accepted', decline: 'declined' } as const;
  const last = steps.at(-1);
  await h.referrals.db.client.referral.create({
    data: {
      id,
      code: `REF-${randomUUID().slice(0, 5).toUpperCase()}`,
      caseCode: `CASE-${randomUUID().slice(0, 10).toUpperCase()}`,
      status: last === undefined ? 'submitted' : statusAfter[last.action],
      urgency: 'high',
      referringOrganizationId: A,
      recipientOrganizationId: options.recipient,
      recipientServiceId: SERVICE,
      recipientServiceType: options.type,
      leadOrganizationId: A,
      leadUserId: 'lead',
      accessAllowedKeys: [],
      submittedAt,
      acknowledgeDueAt: new Date(submittedAt.getTime() + 24 * HOUR),
      decisionDueAt: new Date(submittedAt.getTime() + 48 * HOUR),
      createdAt: submittedAt,
      updatedAt: submittedAt,
    },
  });
  const history = [
    { action: 'submit', fromStatus: 'draft', toStatus: 'submitted', occurredAt: submittedAt, reasonCode: null },
    ...steps.map((step, index) => ({
      action: step.action,
      fromStatus: index === 0 ? 'submitted' : statusAfter[steps[index - 1]?.action ?? 'acknowledge'],
      toStatus: statusAfter[step.action],
      occurredAt: new Date(submittedAt.getTime() + step.afterHours * HOUR),
      reasonCode: step.reasonCode ?? null,
    })),
  ];
  for (const entry of history) await h.referrals.db.client.referralHistory.create({ data: { id: randomUUID(), referralId: id, ...entry } });
}

beforeAll(async () => {
  h = await startHarness('referrals-indicators');
  // March 2026, health: ten referrals acknowledged after 1 to 9 hours and one after 30 (late);
  // five of them declined after 12 hours for lack of capacity, five never decided.
  for (let i = 0; i < 10; i += 1) {
    const acknowledged: Step = { action: 'acknowledge', afterHours: i < 9 ? i + 1 : 30 };
    await seed({
      submittedAt: `2026-03-${String(i + 2).padStart(2, '0')}T08:00:00Z`,
      type: 'health',
      recipient: B,
      steps: i % 2 === 0 ? [acknowledged, { action: 'decline', afterHours: 31, reasonCode: 'no_capacity' }] : [acknowledged],
    });
  }
  // February: four education referrals, April: five, never answered.
  for (let i = 0; i < 4; i += 1) await seed({ submittedAt: `2026-02-1${i}T09:00:00Z`, type: 'education', recipient: C });
  for (let i = 0; i < 5; i += 1) await seed({ submittedAt: `2026-04-1${i}T09:00:00Z`, type: 'education', recipient: C });
});
afterAll(async () => {
  await h?.close();
});

const RANGE = 'from=2026-02-01&to=2026-04-30';
const cellOf = (view: IndicatorsView, period: string | null, serviceType: string | null): IndicatorCell => {
  const cell = view.cells.find((c) => c.period === period && c.serviceType === serviceType);
  if (cell === undefined) throw new Error(`no cell ${period} ${serviceType}`);
  return cell;
};
const shown = (value: number) => ({ value, suppressed: false });
const hidden = { value: null, suppressed: true };

describe('referral indicators', () => {
  it('count referrals by month, status and service type, with times to acknowledge and decide and the no-feedback rate', async () => {
    const view = await json<IndicatorsView>(await api('GET', `/v1/indicators?${RANGE}`, COORDINATOR), 200);
    expect(view).toMatchObject({ from: '2026-02-01', to: '2026-04-30', period: 'month', scope: 'network', organizationId: null, threshold: 5, serviceTypes: ['education', 'health'] });
    expect(view.periods).toEqual([
      { start: '2026-02-01', end: '2026-02-28' },
      { start: '2026-03-01', end: '2026-03-31' },
      { start: '2026-04-01', end: '2026-04-30' },
    ]);
    const march = cellOf(view, '2026-03-01', 'health');
    expect(march.referrals).toEqual(shown(10));
    expect(march.byStatus.acknowledged).toEqual(shown(5));
    expect(march.byStatus.declined).toEqual(shown(5));
    expect(march.byStatus.submitted).toEqual(shown(0));
    expect(march.declinedByReason['no_capacity']).toEqual(shown(5));
    expect(march.declinedByReason['family_declined']).toEqual(shown(0));
    // Acknowledged after 1…9 and 30 hours.
    expect(march.acknowledgement.all.count).toEqual(shown(10));
    expect(march.acknowledgement.all.medianHours).toEqual(shown(5.5));
    expect(march.acknowledgement.all.p90Hours).toEqual(shown(11.1));
    expect(march.decision.all).toEqual({ count: shown(5), withinDeadline: shown(5), withinDeadlineShare: shown(1), medianHours: shown(31), p90Hours: shown(31) });
    expect(march.decision.high.count).toEqual(shown(5));
    expect(march.noFeedback).toEqual({ due: shown(10), withoutDecision: shown(5), rate: shown(0.5) });
    // The month with only health referrals: its total is the same cell.
    expect(cellOf(view, '2026-03-01', null).noFeedback).toEqual(march.noFeedback);
    // The whole range of health: every month shown, so the total is too.
    expect(cellOf(view, null, 'health').referrals).toEqual(shown(10));
  });

  it('suppress every count under five, and whatever would let one be worked out by subtraction', async () => {
    const view = await json<IndicatorsView>(await api('GET', `/v1/indicators?${RANGE}`, COORDINATOR), 200);
    // Four → suppressed; five → shown.
    expect(cellOf(view, '2026-02-01', 'education').referrals).toEqual(hidden);
    expect(cellOf(view, '2026-02-01', 'education').byStatus.submitted).toEqual(hidden);
    expect(cellOf(view, '2026-02-01', null).referrals).toEqual(hidden);
    expect(cellOf(view, '2026-04-01', 'education').referrals).toEqual(shown(5));
    expect(cellOf(view, '2026-04-01', 'education').noFeedback).toEqual({ due: shown(5), withoutDecision: shown(5), rate: shown(1) });
    // The range total of education would be 4 + 5: one of its months is suppressed, so it is too.
    expect(cellOf(view, null, 'education').referrals).toEqual(hidden);
    expect(cellOf(view, null, null).referrals).toEqual(hidden);
    // One acknowledgement of ten was late: "within the deadline" (9) would give it away, so it is
    // suppressed with the share computed from it, while the count and times stay.
    const ack = cellOf(view, '2026-03-01', 'health').acknowledgement;
    expect(ack.all.withinDeadline).toEqual(hidden);
    expect(ack.all.withinDeadlineShare).toEqual(hidden);
    expect(ack.high.withinDeadline).toEqual(hidden);
    expect(ack.all.count).toEqual(shown(10));
    // A rate from a suppressed count is suppressed.
    expect(cellOf(view, '2026-02-01', 'education').noFeedback.rate).toEqual(hidden);
    // The service-type filter only chooses cells: the suppression is the same as without it.
    const health = await json<IndicatorsView>(await api('GET', `/v1/indicators?${RANGE}&serviceType=health`, COORDINATOR), 200);
    expect(health.serviceTypes).toEqual(['health']);
    expect(health.cells.map((c) => [c.period, c.serviceType])).toEqual([
      ['2026-02-01', 'health'],
      ['2026-03-01', 'health'],
      ['2026-04-01', 'health'],
      [null, 'health'],
    ]);
    expect(cellOf(health, '2026-03-01', 'health')).toEqual(cellOf(view, '2026-03-01', 'health'));
  });

  it('widen the range to whole periods, and count by ISO week', async () => {
    const view = await json<IndicatorsView>(await api('GET', '/v1/indicators?from=2026-04-12&to=2026-04-12', COORDINATOR), 200);
    expect(view.from).toBe('2026-04-01');
    expect(cellOf(view, '2026-04-01', 'education').referrals).toEqual(shown(5));
    // 10–14 April 2026: Friday to Tuesday, across two ISO weeks (6 and 13 April).
    const weeks = await json<IndicatorsView>(await api('GET', '/v1/indicators?from=2026-04-06&to=2026-04-19&period=week', COORDINATOR), 200);
    expect(weeks.periods.map((p) => p.start)).toEqual(['2026-04-06', '2026-04-13']);
    expect(cellOf(weeks, '2026-04-06', 'education').referrals).toEqual(hidden);
    expect(cellOf(weeks, '2026-04-13', 'education').referrals).toEqual(hidden);
  });

  it('give a supervisor the referrals their own organisation sent or received, and refuse other roles', async () => {
    const received = await json<IndicatorsView>(await api('GET', `/v1/indicators?${RANGE}`, as('supervisor', C)), 200);
    expect(received).toMatchObject({ scope: 'organization', organizationId: C, serviceTypes: ['education'] });
    expect(cellOf(received, '2026-04-01', 'education').referrals).toEqual(shown(5));
    const sent = await json<IndicatorsView>(await api('GET', `/v1/indicators?${RANGE}`, as('supervisor', A)), 200);
    expect(sent.serviceTypes).toEqual(['education', 'health']);
    expect(cellOf(sent, '2026-03-01', 'health').referrals).toEqual(shown(10));
    const stranger = await json<IndicatorsView>(await api('GET', `/v1/indicators?${RANGE}`, as('supervisor', randomUUID())), 200);
    expect(stranger.serviceTypes).toEqual([]);
    expect(cellOf(stranger, null, null).referrals).toEqual(shown(0));
    for (const role of ['caseworker', 'focal_point', 'org_admin', 'system'] as const) {
      await json(await api('GET', `/v1/indicators?${RANGE}`, as(role, A)), 403);
    }
    await json(await api('GET', `/v1/indicators?${RANGE}`, null), 401);
  });

  it('refuse a bad query naming the field', async () => {
    const field = async (query: string) => (await json<{ errors: { field: string }[] }>(await api('GET', `/v1/indicators?${query}`, COORDINATOR), 400)).errors.map((e) => e.field);
    expect(await field('from=2026-13-01')).toContain('query.from');
    expect(await field('from=2026-04-01&to=2026-03-01')).toEqual(['query.to']);
    expect(await field('period=day')).toContain('query.period');
    expect(await field('from=2020-01-01&to=2026-01-01')).toEqual(['query.from']);
    expect(await field('serviceType=Not%20a%20code')).toContain('query.serviceType');
  });

  it('answer the same cells as CSV, with format=csv or Accept: text/csv', async () => {
    for (const response of [
      await api('GET', `/v1/indicators?${RANGE}&format=csv`, COORDINATOR),
      await api('GET', `/v1/indicators?${RANGE}`, COORDINATOR, undefined, { accept: 'text/csv' }),
    ]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await response.text()).trim().split('\r\n').map((line) => line.split(','));
      const [header = [], ...rows] = lines;
      expect(header.slice(0, 3)).toEqual(['period', 'service_type', 'referrals']);
      const column = (name: string) => header.indexOf(name);
      expect(column('no_feedback_rate')).toBeGreaterThan(0);
      expect(column('acknowledgement_all_median_hours')).toBeGreaterThan(0);
      const row = (period: string, type: string) => rows.find((r) => r[0] === period && r[1] === type) ?? [];
      expect(row('2026-04-01', 'education')[column('referrals')]).toBe('5');
      expect(row('2026-02-01', 'education')[column('referrals')]).toBe('<5');
      expect(row('2026-02-01', 'education')[column('no_feedback_rate')]).toBe('suppressed');
      expect(row('2026-03-01', 'health')[column('no_feedback_rate')]).toBe('0.5');
      expect(rows).toHaveLength(3 * 2 + 3 + 2 + 1);
    }
    // JSON stays the default.
    expect((await api('GET', `/v1/indicators?${RANGE}`, COORDINATOR)).headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('small-cell suppression', () => {
  const cells = (values: Record<string, number>, hiddenKeys: string[] = []) =>
    new Map<string, SuppressionCell>(Object.entries(values).map(([key, value]) => [key, { value, published: !hiddenKeys.includes(key) }]));
  const suppressed = (map: Map<string, SuppressionCell>) => [...map].filter(([, c]) => c.suppressed === true).map(([key]) => key).sort();

  it('hides 1 to 4, shows 0 and 5', () => {
    const map = cells({ a: 4, b: 5, c: 0, d: 1 });
    suppressSmallCells(map, [], 5);
    expect(suppressed(map)).toEqual(['a', 'd']);
  });

  it('hides a second part when one suppressed part could be worked out from the total', () => {
    const map = cells({ total: 20, small: 3, mid: 7, large: 10 });
    suppressSmallCells(map, [['total', 'small', 'mid', 'large']], 5);
    expect(suppressed(map)).toEqual(['mid', 'small']);
  });

  it('hides a part when an unpublished small remainder could be worked out', () => {
    const map = cells({ reached: 10, within: 9, late: 1 }, ['late']);
    suppressSmallCells(map, [['reached', 'within', 'late']], 5);
    expect(suppressed(map)).toEqual(['within']);
  });

  it('follows chains of relations', () => {
    // row1 = a + b, a = a1 + a2; a2 is small: hiding a1 alone is not enough once a is known.
    const map = cells({ row1: 30, a: 12, b: 18, a1: 9, a2: 3 });
    suppressSmallCells(map, [['row1', 'a', 'b'], ['a', 'a1', 'a2']], 5);
    expect(suppressed(map)).toEqual(['a1', 'a2']);
    const known = new Set(['row1', 'a', 'b']);
    expect([...known].every((key) => map.get(key)?.suppressed !== true)).toBe(true);
  });
});
