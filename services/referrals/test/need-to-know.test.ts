import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, json, startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-need-to-know');
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const consentApi = client(() => ({ testEnv: h.testEnv, url: h.consent.url }));

/** Valid values for some catalogue keys; education is outside the test agreement's data groups. */
const VALUES: Record<string, unknown> = {
  'child.firstName': 'Amani',
  'child.age': 9,
  'child.sex': 'female',
  'child.currentLocation': 'ML-BKO',
  'protection.riskLevel': 'medium',
  'health.conditions': ['asthma'],
  'case.summary': 'Besoin de soutien scolaire et psychosocial',
  'education.status': 'attending',
};
const KEYS = Object.keys(VALUES);
const IN_AGREEMENT = new Set(['child.firstName', 'child.age', 'child.sex', 'child.currentLocation', 'protection.riskLevel', 'health.conditions', 'case.summary']);

const subset = fc.subarray(KEYS, { minLength: 1 });

describe('need to know, as a property', () => {
  it('no answer to the receiving side ever holds a field the consent does not cover; after withdrawal, none of them', async () => {
    await fc.assert(
      fc.asyncProperty(subset, subset, async (consented, proposed) => {
        const { owner, recipient, caseCode, consentIds, serviceId } = await givenConsentedCase(h, { fields: consented });
        const lead = as('caseworker', owner);
        const fp = as('focal_point', recipient);
        const payload = Object.fromEntries(proposed.map((k) => [k, VALUES[k]]));
        const draft = await json<ReferralView>(
          await api('POST', '/v1/referrals', lead, { caseCode, recipientOrganizationId: recipient, recipientServiceId: serviceId, urgency: 'medium', need: { category: 'neglect', text: 'Suivi' }, payload }),
          201,
        );
        await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, { envelopeOnly: true }), 200);
        const mayHave = new Set(proposed.filter((k) => consented.includes(k) && IN_AGREEMENT.has(k)));

        const answers: ReferralView[] = [];
        answers.push(await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200));
        answers.push(await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, fp), 200));
        answers.push(await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200));
        for (const answer of answers) {
          for (const key of Object.keys(answer.payload)) expect(mayHave.has(key), key).toBe(true);
          expect(answer.access.fieldKeys).toEqual(Object.keys(answer.payload));
        }
        // Everything allowed is shown (the projection is not merely empty).
        expect(new Set(Object.keys(answers[2]!.payload))).toEqual(mayHave);

        await json(await consentApi('POST', `/v1/consents/${consentIds[0]}/withdraw`, as('supervisor', owner), { reasonCode: 'family_request' }), 200);
        if (mayHave.size > 0) {
          await h.tap.waitFor((events) => events.some((e) => e.type === 'referral.access_revoked' && e.subject === draft.id));
        }
        const after = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
        for (const key of Object.keys(after.payload)) expect(consented, key).not.toContain(key);
        expect(after.payload).toEqual({});

        // The access log holds exactly the keys each read returned.
        const log = await json<{ items: { fieldKeys: string[] }[] }>(await api('GET', `/v1/referrals/${draft.id}/access-log`, lead), 200);
        expect(log.items.map((e) => e.fieldKeys)).toEqual([answers[0]!.access.fieldKeys, answers[2]!.access.fieldKeys, []]);
      }),
      { numRuns: 8 },
    );
  });
});
