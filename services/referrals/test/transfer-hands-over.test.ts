import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralSummary, ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-transfer-hands-over');
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
type LogEntry = { readerUserId: string; readerOrganizationId: string };
const logOf = async (id: string, claims: ReturnType<typeof as>, status = 200) => json<{ items: LogEntry[] }>(await api('GET', `/v1/referrals/${id}/access-log`, claims), status);

describe('a transfer hands over responsibility and its audit', () => {
  it('after acceptance the new lead’s organisation reads the access log; the sender reads it up to the hand-over and sees the case as transferred', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h, { purposes: ['case_transfer'] });
    const lead = as('caseworker', owner, 'sender-lead-2');
    const senderSupervisor = as('supervisor', owner);
    const fp = as('focal_point', recipient, 'new-lead-2');
    const receivingSupervisor = as('supervisor', recipient);
    const receivingCaseworker = as('caseworker', recipient);
    const draft = await json<ReferralView>(
      await api('POST', '/v1/referrals', lead, {
        kind: 'transfer',
        caseCode,
        recipientOrganizationId: recipient,
        recipientServiceId: serviceId,
        urgency: 'high',
        need: { category: 'psychosocial_distress', text: 'Suivi' },
        payload: PAYLOAD,
      }),
      201,
    );
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, fp), 200);
    // A read before the hand-over: the sender answers for it.
    await json(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
    // Before the hand-over the access log is the sender's only.
    expect((await logOf(draft.id, lead)).items).toHaveLength(1);
    await logOf(draft.id, receivingSupervisor, 403);

    await json(await api('POST', `/v1/referrals/${draft.id}/accept`, fp), 200);
    await new Promise((r) => setTimeout(r, 20));
    await json(await api('GET', `/v1/referrals/${draft.id}`, receivingCaseworker), 200);

    // The new lead's organisation follows the case: the whole log, its own reads included.
    for (const reader of [receivingSupervisor, receivingCaseworker]) expect((await logOf(draft.id, reader)).items.length).toBeGreaterThanOrEqual(2);
    // The sender keeps what was read in its time, not the new lead's reads.
    for (const reader of [lead, senderSupervisor]) {
      const items = (await logOf(draft.id, reader)).items;
      expect(items).toHaveLength(1);
      expect(items[0]?.readerUserId).toBe('new-lead-2');
    }
    // A third organisation, or the recipient's focal point without a case role, reads nothing.
    await logOf(draft.id, as('caseworker', (await givenConsentedCase(h)).owner), 404);

    const sent = await json<{ items: ReferralSummary[] }>(await api('GET', '/v1/referrals?box=sent', lead), 200);
    expect(sent.items.find((r) => r.id === draft.id)).toMatchObject({ status: 'accepted', transferred: true });
    const view = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
    expect(view).toMatchObject({ transferred: true, leadOrganizationId: recipient, lead: { userId: 'new-lead-2' } });
  });

  it('an ordinary referral, once accepted, is not transferred and its access log stays the referring organisation’s', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner);
    const fp = as('focal_point', recipient);
    const draft = await json<ReferralView>(
      await api('POST', '/v1/referrals', lead, { caseCode, recipientOrganizationId: recipient, recipientServiceId: serviceId, urgency: 'high', need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD }),
      201,
    );
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, fp), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/accept`, fp), 200);
    expect((await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, lead), 200)).transferred).toBe(false);
    await logOf(draft.id, as('supervisor', recipient), 403);
    await logOf(draft.id, lead);
  });
});
