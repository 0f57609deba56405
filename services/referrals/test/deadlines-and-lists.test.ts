import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralSummary, ReferralView } from '../src/domain/referral.js';
import { announceService, as, client, givenConsentedCase, json, startHarness, submitReferral } from './harness.js';
import type { Harness } from './harness.js';

const HOUR = 3_600_000;
let offset = 0;
let h: Harness;

beforeAll(async () => {
  // The clock is moved by the tests; the deadline job looks every 100 ms.
  h = await startHarness('referrals-deadlines', {
    extraEnv: { REFERRAL_DEADLINE_INTERVAL_MS: '100', REFERRAL_POLL_SETTLE_MS: '300' },
    now: () => new Date(Date.now() + offset),
  });
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const overdueOf = (id: string) => h.tap.events().filter((e) => e.subject === id && e.type === 'referral.overdue');

const submitted = (owner: string, recipient: string, caseCode: string, urgency: string, serviceId: string): Promise<ReferralView> =>
  submitReferral(api, { owner, recipient, caseCode, urgency, serviceId });

async function page(claims: ReturnType<typeof as>, query: string): Promise<{ items: ReferralSummary[]; nextCursor: string | null }> {
  return json(await api('GET', `/v1/referrals?${query}`, claims), 200);
}

describe('deadlines', () => {
  it('when the acknowledgement, then the decision deadline passes, referral.overdue goes out once per stage, and lists can filter on it', async () => {
    offset = 0;
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const late = await submitted(owner, recipient, caseCode, 'high', serviceId);
    const onTime = await submitted(owner, recipient, caseCode, 'low', serviceId);
    const fp = as('focal_point', recipient);
    await json(await api('POST', `/v1/referrals/${onTime.id}/acknowledge`, fp), 200);

    offset = 25 * HOUR;
    await h.tap.waitFor(() => overdueOf(late.id).length >= 1);
    expect(overdueOf(late.id)[0]?.data).toMatchObject({ stage: 'acknowledgement', status: 'submitted', dueAt: late.acknowledgeDueAt, actor: null });
    const overdue = await page(fp, 'box=received&overdue=true');
    expect(overdue.items.map((r) => r.id)).toEqual([late.id]);
    expect((await page(fp, 'box=received&overdue=false')).items.map((r) => r.id)).toEqual([onTime.id]);

    offset = 49 * HOUR;
    await h.tap.waitFor(() => overdueOf(late.id).length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(overdueOf(late.id).map((e) => e.data.stage)).toEqual(['acknowledgement', 'decision']);
    // The low-urgency one was acknowledged and is still within its 10 days.
    expect(overdueOf(onTime.id)).toEqual([]);
    offset = 0;
  });
});

describe('lists', () => {
  it('filter by status, urgency and service', async () => {
    offset = 0;
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const service = await announceService(h, recipient);
    const a = await submitted(owner, recipient, caseCode, 'high', service);
    const b = await submitted(owner, recipient, caseCode, 'medium', serviceId);
    const fp = as('focal_point', recipient);
    await json(await api('POST', `/v1/referrals/${b.id}/acknowledge`, fp), 200);
    expect((await page(fp, 'box=received&status=acknowledged')).items.map((r) => r.id)).toEqual([b.id]);
    expect((await page(fp, 'box=received&urgency=high,low')).items.map((r) => r.id)).toEqual([a.id]);
    expect((await page(fp, `box=received&serviceId=${service}`)).items.map((r) => r.id)).toEqual([a.id]);
    const bad = await json<{ errors: { field: string }[] }>(await api('GET', '/v1/referrals?box=received&urgency=urgent', fp), 400);
    expect(bad.errors[0]?.field).toMatch(/urgency/);
  });

  it('a system polling in ascending order from its last cursor gets every change once, without missing or repeating any', async () => {
    offset = 0;
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const system = as('system', recipient, 'ngo-system');
    const created = [];
    for (let i = 0; i < 5; i += 1) created.push(await submitted(owner, recipient, caseCode, 'high', serviceId));
    await new Promise((r) => setTimeout(r, 400)); // past the settle time

    const seen: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const result = await page(system, `box=received&order=asc&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...result.items.map((r) => r.id));
      cursor = result.nextCursor;
      if (result.items.length === 0) break;
    }
    expect(seen).toEqual(created.map((r) => r.id));
    expect(cursor).not.toBeNull();

    // Two changes; the poll from the last cursor returns exactly them, in the order they happened.
    await json(await api('POST', `/v1/referrals/${created[3]!.id}/acknowledge`, system), 200);
    await json(await api('POST', `/v1/referrals/${created[1]!.id}/acknowledge`, system), 200);
    // Too fresh yet: held back until they settle.
    expect((await page(system, `box=received&order=asc&cursor=${cursor}`)).items).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    const changes = await page(system, `box=received&order=asc&cursor=${cursor}`);
    expect(changes.items.map((r) => [r.id, r.status])).toEqual([
      [created[3]!.id, 'acknowledged'],
      [created[1]!.id, 'acknowledged'],
    ]);
    const after = await page(system, `box=received&order=asc&cursor=${changes.nextCursor}`);
    expect(after).toEqual({ items: [], nextCursor: changes.nextCursor });
  });
});
