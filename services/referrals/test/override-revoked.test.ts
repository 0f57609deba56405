import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, json, startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-override-revoked');
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const consentApi = client(() => ({ testEnv: h.testEnv, url: h.consent.url }));
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('a best-interests override revoked', () => {
  it('ends what only it allowed, like a withdrawn consent: history, referral.access_revoked, and the next read', async () => {
    // The family consented to identity; a supervisor approved an override for the health condition.
    const { owner, recipient, caseCode, consentIds, serviceId } = await givenConsentedCase(h, { fields: ['identity'] });
    const requester = as('caseworker', owner);
    const override = await json<{ id: string }>(
      await consentApi('POST', '/v1/overrides', requester, {
        caseCode,
        legalBasis: 'Code de protection de l’enfant, art. 12',
        justification: 'Urgent medical follow-up; the caregiver cannot be reached.',
        explanationGiven: 'Explained to the child in words fit for her age.',
        scope: { recipientOrganizationIds: [recipient], fields: ['health.conditions'], purposes: ['referral'] },
        expiresAt: inDays(10),
      }),
      201,
    );
    await json(await consentApi('POST', `/v1/overrides/${override.id}/approve`, as('supervisor', owner)), 200);

    const lead = as('caseworker', owner);
    const fp = as('focal_point', recipient);
    const draft = await json<ReferralView>(
      await api('POST', '/v1/referrals', lead, {
        caseCode,
        recipientOrganizationId: recipient,
        recipientServiceId: serviceId,
        urgency: 'high',
        need: { category: 'neglect', text: 'Suivi médical' },
        payload: { 'child.firstName': 'Amani', 'health.conditions': ['asthma'] },
      }),
      201,
    );
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    const before = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
    expect(Object.keys(before.payload).sort()).toEqual(['child.firstName', 'health.conditions']);

    const requestId = `revoke-${randomUUID()}`;
    await json(await consentApi('POST', `/v1/overrides/${override.id}/revoke`, requester, undefined, { 'x-request-id': requestId }), 200);
    const events = await h.tap.waitFor((seen) => seen.some((e) => e.type === 'referral.access_revoked' && e.subject === draft.id));
    const revoked = events.find((e) => e.type === 'referral.access_revoked' && e.subject === draft.id);
    expect(revoked?.data).toMatchObject({ consentIds: [override.id], fieldKeys: ['health.conditions'] });
    // Built like every referral event (the roles of the moment included), and correlated with the revocation that caused it.
    expect(revoked?.data).toMatchObject({ referralId: draft.id, status: 'submitted', previousStatus: 'submitted', actor: null, parties: { leadOrganizationId: owner } });
    expect(revoked?.raw).toMatchObject({ source: '/services/referrals', correlationid: requestId });
    expect(revoked?.headers['x-request-id']).toBe(requestId);

    const after = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
    expect(after.payload).toEqual({ 'child.firstName': 'Amani' });
    const history = await json<{ items: { action: string; fieldKeys: string[]; consentIds: string[] }[] }>(
      await api('GET', `/v1/referrals/${draft.id}/history`, lead),
      200,
    );
    expect(history.items.filter((e) => e.action === 'access_revoked')).toEqual([
      expect.objectContaining({ fieldKeys: ['health.conditions'], consentIds: [override.id] }),
    ]);
    // The consents the family gave still stand, and still carry the identity fields.
    expect(consentIds).toHaveLength(2);
  });
});
