/**
 * The referrals' /metrics: the referrals waiting past a deadline, by stage,
 * counted at each scrape as the clock passes their due times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, json, startHarness, submitReferral } from './harness.js';
import type { Harness } from './harness.js';

const HOUR = 3_600_000;
let offset = 0;
let h: Harness;

beforeAll(async () => {
  h = await startHarness('referrals-metrics', { now: () => new Date(Date.now() + offset) });
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));

const submitted = (owner: string, recipient: string, caseCode: string, urgency: string, serviceId: string): Promise<ReferralView> =>
  submitReferral(api, { owner, recipient, caseCode, urgency, serviceId });

async function overdue(stage: 'acknowledgement' | 'decision'): Promise<number> {
  const text = await (await fetch(h.referrals.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith('hub_referrals_overdue{') && l.includes(`stage="${stage}"`));
  if (line === undefined) throw new Error(`no hub_referrals_overdue sample for ${stage}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics of referrals', () => {
  it('counts the referrals past their acknowledgement, then their decision deadline', async () => {
    offset = 0;
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    await submitted(owner, recipient, caseCode, 'high', serviceId);
    const onTime = await submitted(owner, recipient, caseCode, 'low', serviceId);
    await json(await api('POST', `/v1/referrals/${onTime.id}/acknowledge`, as('focal_point', recipient)), 200);
    expect([await overdue('acknowledgement'), await overdue('decision')]).toEqual([0, 0]);

    offset = 25 * HOUR;
    expect([await overdue('acknowledgement'), await overdue('decision')]).toEqual([1, 0]);

    offset = 49 * HOUR;
    // The high-urgency one now misses both; the acknowledged low-urgency one still has days.
    expect([await overdue('acknowledgement'), await overdue('decision')]).toEqual([1, 1]);
    offset = 0;
  });
});
