import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralSummary, ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/**
 * Reminder, then escalation, with short deadlines (high urgency: acknowledge within 1 s, decide
 * within 3 s, escalate 1 s after the reminder; the deadline job looks every 100 ms).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-escalation', {
    extraEnv: {
      REFERRAL_DEADLINE_INTERVAL_MS: '100',
      REFERRAL_ACKNOWLEDGE_WITHIN: 'high=1s,medium=72h,low=7d',
      REFERRAL_DECIDE_WITHIN: 'high=3s,medium=5d,low=10d',
      REFERRAL_ESCALATE_AFTER: 'high=1s,medium=72h,low=7d',
    },
  });
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const eventsOf = (id: string, type: string) => h.tap.events().filter((e) => e.subject === id && e.type === type);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function submitted(owner: string, recipient: string, caseCode: string, urgency: string, serviceId: string, lead = as('caseworker', owner, 'lead')): Promise<ReferralView> {
  const draft = await json<ReferralView>(
    await api('POST', '/v1/referrals', lead, { caseCode, recipientOrganizationId: recipient, recipientServiceId: serviceId, urgency, need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD }),
    201,
  );
  return json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
}

type HistoryEntry = { action: string; reasonCode: string | null; actor: unknown };
const historyOf = async (id: string, claims: ReturnType<typeof as>) => (await json<{ items: HistoryEntry[] }>(await api('GET', `/v1/referrals/${id}/history`, claims), 200)).items;
const ids = async (claims: ReturnType<typeof as>, query: string) => (await json<{ items: ReferralSummary[] }>(await api('GET', `/v1/referrals?${query}`, claims), 200)).items.map((r) => r.id);

describe('reminder, then escalation', () => {
  it('a stage still overdue an escalation interval after its reminder is escalated once, for each stage, with a history entry and the roles of the moment', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner, 'lead-esc', { supervisor_sub: 'supervisor-esc' });
    const late = await submitted(owner, recipient, caseCode, 'high', serviceId, lead);
    const calm = await submitted(owner, recipient, caseCode, 'low', serviceId);
    const fp = as('focal_point', recipient);

    await h.tap.waitFor(() => eventsOf(late.id, 'referral.escalated').length >= 2, 15_000);
    const overdue = eventsOf(late.id, 'referral.overdue').map((e) => e.data.stage);
    const escalated = eventsOf(late.id, 'referral.escalated');
    expect(overdue).toEqual(['acknowledgement', 'decision']);
    expect(escalated.map((e) => e.data.stage)).toEqual(['acknowledgement', 'decision']);
    expect(escalated[0]?.data).toMatchObject({
      status: 'submitted',
      dueAt: late.acknowledgeDueAt,
      actor: null,
      parties: { leadUserId: 'lead-esc', leadOrganizationId: owner, leadSupervisorUserId: 'supervisor-esc' },
    });
    // Each escalation comes after its stage's reminder, never before.
    const order = h.tap.events().filter((e) => e.subject === late.id && (e.type === 'referral.overdue' || e.type === 'referral.escalated')).map((e) => `${e.type}:${String(e.data.stage)}`);
    expect(order.indexOf('referral.escalated:acknowledgement')).toBeGreaterThan(order.indexOf('referral.overdue:acknowledgement'));
    expect(order.indexOf('referral.escalated:decision')).toBeGreaterThan(order.indexOf('referral.overdue:decision'));

    // Once: later runs of the job escalate nothing more.
    await sleep(600);
    expect(eventsOf(late.id, 'referral.escalated')).toHaveLength(2);
    const history = (await historyOf(late.id, lead)).filter((e) => e.action === 'escalated');
    expect(history.map((e) => [e.reasonCode, e.actor])).toEqual([
      ['acknowledgement', null],
      ['decision', null],
    ]);

    expect(await ids(fp, 'box=received&escalated=true')).toContain(late.id);
    expect(await ids(fp, 'box=received&escalated=true')).not.toContain(calm.id);
    expect(await ids(fp, 'box=received&escalated=false')).toContain(calm.id);
    expect(await ids(lead, 'box=sent&escalated=true')).toEqual([late.id]);
    expect(eventsOf(calm.id, 'referral.escalated')).toEqual([]);
  });

  it('a referral acknowledged after its reminder and before its escalation is not escalated at that stage; its decision still is', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const r = await submitted(owner, recipient, caseCode, 'high', serviceId);
    const fp = as('focal_point', recipient);
    await h.tap.waitFor(() => eventsOf(r.id, 'referral.overdue').length >= 1, 10_000);
    await json(await api('POST', `/v1/referrals/${r.id}/acknowledge`, fp), 200);
    await h.tap.waitFor(() => eventsOf(r.id, 'referral.escalated').length >= 1, 15_000);
    await sleep(600);
    expect(eventsOf(r.id, 'referral.escalated').map((e) => [e.data.stage, e.data.status])).toEqual([['decision', 'acknowledged']]);
  });

  it('a referral decided in time is neither reminded nor escalated', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const r = await submitted(owner, recipient, caseCode, 'high', serviceId);
    const fp = as('focal_point', recipient);
    await json(await api('POST', `/v1/referrals/${r.id}/acknowledge`, fp), 200);
    await json(await api('POST', `/v1/referrals/${r.id}/accept`, fp), 200);
    await sleep(5_500);
    expect(eventsOf(r.id, 'referral.overdue')).toEqual([]);
    expect(eventsOf(r.id, 'referral.escalated')).toEqual([]);
  });
});
