import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralView } from '../src/domain/referral.js';
import { as, client, COORDINATOR, givenConsentedCase, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-network-deadlines', { extraEnv: { REFERRAL_DEADLINE_INTERVAL_MS: '100' } });
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const HOUR = 3600;
const DAY = 24 * HOUR;

async function submitted(owner: string, recipient: string, caseCode: string, serviceId: string): Promise<ReferralView> {
  const lead = as('caseworker', owner, 'lead');
  const draft = await json<ReferralView>(
    await api('POST', '/v1/referrals', lead, { caseCode, recipientOrganizationId: recipient, recipientServiceId: serviceId, urgency: 'high', need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD }),
    201,
  );
  return json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
}

describe('the network’s deadlines', () => {
  it('start at the defaults (version 0), are changed by a network coordinator only, and apply to referrals submitted after the change', async () => {
    const member = as('caseworker', COORDINATOR.org);
    expect(await json(await api('GET', '/v1/network/deadlines', member), 200)).toEqual({
      version: 0,
      effectiveFrom: null,
      changedBy: null,
      acknowledge: { high: DAY, medium: 3 * DAY, low: 7 * DAY },
      decide: { high: 2 * DAY, medium: 5 * DAY, low: 10 * DAY },
      escalate: { high: DAY, medium: 3 * DAY, low: 7 * DAY },
    });
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const before = await submitted(owner, recipient, caseCode, serviceId);

    const short = { acknowledge: { high: 1, medium: 3 * DAY, low: 7 * DAY }, decide: { high: 3, medium: 5 * DAY, low: 10 * DAY }, escalate: { high: 1, medium: DAY, low: DAY } };
    await json(await api('PUT', '/v1/network/deadlines', as('supervisor', owner), short), 403);
    const bad = await json<{ errors: { field: string }[] }>(await api('PUT', '/v1/network/deadlines', COORDINATOR, { ...short, decide: { high: 3, medium: 0 } }), 400);
    expect(bad.errors.map((e) => e.field).join(' ')).toMatch(/decide/);
    const changed = await json<{ version: number; changedBy: string; effectiveFrom: string }>(await api('PUT', '/v1/network/deadlines', COORDINATOR, short), 200);
    expect(changed).toMatchObject({ version: 1, changedBy: COORDINATOR.sub, ...short });
    expect(await json(await api('GET', '/v1/network/deadlines', member), 200)).toEqual(changed);

    const after = await submitted(owner, recipient, caseCode, serviceId);
    const dueIn = (r: ReferralView, at: string | null) => new Date(String(at)).getTime() - new Date(String(r.submittedAt)).getTime();
    expect(dueIn(after, after.acknowledgeDueAt)).toBe(1000);
    expect(dueIn(after, after.decisionDueAt)).toBe(3000);
    // The referral submitted before keeps the deadlines it was submitted under.
    expect(dueIn(before, before.acknowledgeDueAt)).toBe(DAY * 1000);
    // The new deadlines drive reminders and escalations.
    await h.tap.waitFor((events) => events.filter((e) => e.subject === after.id && e.type === 'referral.escalated').length >= 2, 15_000);
    expect(h.tap.events().filter((e) => e.subject === before.id && (e.type === 'referral.overdue' || e.type === 'referral.escalated'))).toEqual([]);
    const row = await h.referrals.db.client.referral.findUnique({ where: { id: after.id } });
    expect(row?.deadlinesVersion).toBe(1);
  });
});
