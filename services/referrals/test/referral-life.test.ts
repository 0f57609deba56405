import { randomUUID } from 'node:crypto';
import { buildEvent } from '@referral-hub/contracts';
import type { TappedEvent } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferralView } from '../src/domain/referral.js';
import { start } from '../src/start.js';
import { announceService, as, client, givenConsentedCase, HUB_ORG, json, PAYLOAD, publishAsDirectory, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { referralsExtraEnv, testServiceTokens } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-life');
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const consentApi = client(() => ({ testEnv: h.testEnv, url: h.consent.url }));

function newReferral(recipient: string, caseCode: string, serviceId: string, overrides: Record<string, unknown> = {}) {
  return {
    caseCode,
    recipientOrganizationId: recipient,
    recipientServiceId: serviceId,
    urgency: 'high',
    need: { category: 'psychosocial_distress', text: 'Soutien psychosocial après déplacement' },
    payload: PAYLOAD,
    ...overrides,
  };
}

const eventsOf = (referralId: string): TappedEvent[] => h.tap.events().filter((e) => e.subject === referralId);
const typesOf = (referralId: string) => eventsOf(referralId).map((e) => e.type);

async function announceGovernment(organizationId: string): Promise<void> {
  // As the directory would: the recipient is a government department.
  const event = buildEvent('directory.organization.changed', { organizationId, organizationType: 'government', change: 'created', changedFields: ['name', 'type'], version: 1 }, { source: '/services/directory', subject: organizationId });
  await publishAsDirectory(h, event);
  await expect.poll(() => h.referrals.db.client.knownOrganization.findUnique({ where: { id: organizationId } }), { timeout: 10_000 }).not.toBeNull();
}

describe('the whole life of a referral', () => {
  it('goes from draft to closed, each step kept in the history and published once; the government focal point sees only consented fields, and every read is logged', async () => {
    const { owner, recipient, caseCode, consentIds, serviceId } = await givenConsentedCase(h);
    await announceGovernment(recipient);
    const lead = as('caseworker', owner, 'lead-1', { name: 'Awa Diallo', email: 'awa.diallo@ngo.example', phone_number: '+223 70 00 00 00', locale: 'fr-ML' });
    const focalPoint = as('focal_point', recipient, 'gov-fp');
    const recipientCaseworker = as('caseworker', recipient, 'gov-cw');

    const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId)), 201);
    expect(draft).toMatchObject({ status: 'draft', kind: 'referral', caseCode, referringOrganizationId: owner, leadOrganizationId: owner });
    expect(draft.code).toMatch(/^REF-[0-9A-Z]{5}$/);
    expect(draft.lead).toEqual({ userId: 'lead-1', name: 'Awa Diallo', email: 'awa.diallo@ngo.example', phone: '+223 70 00 00 00', language: 'fr' });
    expect(draft.payload).toEqual(PAYLOAD);
    // Stored sealed: the child's name is nowhere in the row.
    const stored = await h.referrals.db.client.referral.findUniqueOrThrow({ where: { id: draft.id } });
    expect(Buffer.from(stored.payloadCiphertext ?? new Uint8Array()).toString('latin1')).not.toContain('Amani');
    // A draft is invisible to the recipient.
    await json(await api('GET', `/v1/referrals/${draft.id}`, focalPoint), 404);

    const submitted = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    expect(submitted.status).toBe('submitted');
    expect(submitted.access.sharedFieldKeys).toEqual(['child.firstName', 'child.age', 'protection.riskLevel']);
    expect(new Date(submitted.acknowledgeDueAt ?? '').getTime() - new Date(submitted.submittedAt ?? '').getTime()).toBe(24 * 3_600_000);
    expect(new Date(submitted.decisionDueAt ?? '').getTime() - new Date(submitted.submittedAt ?? '').getTime()).toBe(48 * 3_600_000);

    const read = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, focalPoint), 200);
    expect(read.payload).toEqual({ 'child.firstName': 'Amani', 'child.age': 12, 'protection.riskLevel': 'high' });
    expect(read.access).toMatchObject({ level: 'consented', fieldKeys: ['child.firstName', 'child.age', 'protection.riskLevel'], restricted: null });
    expect(read.lead.email).toBe('awa.diallo@ngo.example');

    await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, focalPoint), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/accept`, focalPoint), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/start`, recipientCaseworker), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/complete`, recipientCaseworker, { note: 'Six séances réalisées' }), 200);
    const closed = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/close`, as('supervisor', owner)), 200);
    expect(closed.status).toBe('closed');

    const expected = ['referral.submitted', 'referral.acknowledged', 'referral.accepted', 'referral.started', 'referral.completed', 'referral.closed'];
    await h.tap.waitFor(() => typesOf(draft.id).length >= expected.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(typesOf(draft.id)).toEqual(expected);
    const acknowledged = eventsOf(draft.id)[1]?.data;
    expect(acknowledged).toMatchObject({ status: 'acknowledged', previousStatus: 'submitted', actor: { userId: 'gov-fp', organizationId: recipient }, kind: 'referral' });
    // Events carry ids and codes only.
    expect(JSON.stringify(eventsOf(draft.id))).not.toMatch(/Amani|asthma|Awa|Six séances/);

    const history = await json<{ items: { action: string; toStatus: string; actor: { organizationId: string } | null; note: string | null; consentIds: string[] }[] }>(
      await api('GET', `/v1/referrals/${draft.id}/history`, focalPoint),
      200,
    );
    expect(history.items.map((e) => e.action)).toEqual(['create', 'submit', 'acknowledge', 'accept', 'start', 'complete', 'close']);
    expect(history.items[5]?.note).toBe('Six séances réalisées');
    expect(history.items[1]?.consentIds.sort()).toEqual([...consentIds].sort());

    const log = await json<{ items: { readerUserId: string; readerOrganizationId: string; fieldKeys: string[]; decisionId: string | null }[] }>(
      await api('GET', `/v1/referrals/${draft.id}/access-log`, lead),
      200,
    );
    // Exactly the keys returned by the one read; the 404 on the draft and step answers returned none.
    expect(log.items).toEqual([{ id: expect.any(String), readerUserId: 'gov-fp', readerOrganizationId: recipient, fieldKeys: read.access.fieldKeys, decisionId: read.access.decisionId, restricted: null, readAt: expect.any(String) }]);
    await json(await api('GET', `/v1/referrals/${draft.id}/access-log`, focalPoint), 403);
    await json(await api('GET', `/v1/referrals/${draft.id}`, as('supervisor', randomUUID())), 404);
  });

  it('a decline needs a reason (and a note for other), names the onward service, and is published with the reason code only', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner);
    const fp = as('focal_point', recipient);
    const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId)), 201);
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    const missing = await json<{ errors: { field: string }[] }>(await api('POST', `/v1/referrals/${draft.id}/decline`, fp, {}), 400);
    expect(missing.errors.map((e) => e.field)).toContain('body.reasonCode');
    const noNote = await json<{ errors: { field: string }[] }>(await api('POST', `/v1/referrals/${draft.id}/decline`, fp, { reasonCode: 'other' }), 400);
    expect(noNote.errors.map((e) => e.field)).toEqual(['body.note']);
    const onward = randomUUID();
    await json(await api('POST', `/v1/referrals/${draft.id}/decline`, fp, { reasonCode: 'no_capacity', note: 'Liste d’attente pleine', suggestedServiceId: onward }), 200);
    const [event] = await h.tap.waitFor(() => typesOf(draft.id).includes('referral.declined')).then(() => eventsOf(draft.id).filter((e) => e.type === 'referral.declined'));
    expect(event?.data).toMatchObject({ reasonCode: 'no_capacity', suggestedServiceId: onward });
    expect(event?.data).not.toHaveProperty('note');
    // Declined: the recipient no longer needs the case fields.
    const after = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
    expect(after.payload).toEqual({});
    // Wrong actor 403, wrong state 409, both problem+json.
    const wrongActor = await api('POST', `/v1/referrals/${draft.id}/close`, fp);
    expect(wrongActor.status).toBe(403);
    expect(wrongActor.headers.get('content-type')).toContain('application/problem+json');
    const wrongState = await api('POST', `/v1/referrals/${draft.id}/withdraw`, lead);
    expect(wrongState.status).toBe(409);
    expect(wrongState.headers.get('content-type')).toContain('application/problem+json');
    await json(await api('POST', `/v1/referrals/${draft.id}/close`, lead), 200);
  });
});

describe('a transfer', () => {
  it('once accepted, moves the lead role to the receiving agency and ends the sender’s access to the payload', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h, { purposes: ['case_transfer'] });
    const lead = as('caseworker', owner, 'sender-lead');
    const fp = as('focal_point', recipient, 'new-lead', { name: 'Moussa Keita' });
    const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId, { kind: 'transfer' })), 201);
    const submitted = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    expect(submitted.access.sharedFieldKeys).toEqual(['child.firstName', 'child.age', 'protection.riskLevel']);
    await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, fp), 200);
    const accepted = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/accept`, fp), 200);
    expect(accepted).toMatchObject({ leadOrganizationId: recipient, lead: { userId: 'new-lead', name: 'Moussa Keita' } });

    const sender = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, lead), 200);
    expect(sender.payload).toEqual({});
    expect(sender.access).toMatchObject({ level: 'envelope', restricted: 'transferred' });
    const receiver = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
    expect(receiver.payload).toEqual({ 'child.firstName': 'Amani', 'child.age': 12, 'protection.riskLevel': 'high' });

    await json(await api('POST', `/v1/referrals/${draft.id}/start`, fp), 200);
    await json(await api('POST', `/v1/referrals/${draft.id}/complete`, fp, {}), 200);
    // The sender no longer holds the lead role: closing is the new lead's.
    await json(await api('POST', `/v1/referrals/${draft.id}/close`, lead), 403);
    await json(await api('POST', `/v1/referrals/${draft.id}/close`, fp), 200);
    const expected = ['referral.submitted', 'referral.acknowledged', 'referral.accepted', 'referral.started', 'referral.completed', 'referral.closed'];
    await h.tap.waitFor(() => typesOf(draft.id).length >= expected.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(typesOf(draft.id)).toEqual(expected);
    expect(eventsOf(draft.id).every((e) => e.data.kind === 'transfer')).toBe(true);
  });
});

describe('need to know', () => {
  it('when a consent is withdrawn, the recipient loses its fields from the next read on, the history says so and referral.access_revoked goes out', async () => {
    const { owner, recipient, caseCode, consentIds, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner);
    const fp = as('focal_point', recipient);
    const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId)), 201);
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    expect(Object.keys((await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200)).payload)).toHaveLength(3);

    const withdrawnConsent = consentIds[1]!;
    await json(await consentApi('POST', `/v1/consents/${withdrawnConsent}/withdraw`, as('supervisor', owner), { reasonCode: 'child_request' }), 200);
    await h.tap.waitFor(() => typesOf(draft.id).includes('referral.access_revoked'));
    const revoked = eventsOf(draft.id).find((e) => e.type === 'referral.access_revoked');
    expect(revoked?.data).toMatchObject({ consentIds: [withdrawnConsent], fieldKeys: ['child.firstName', 'child.age', 'protection.riskLevel'], actor: null, status: 'submitted' });

    const after = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, fp), 200);
    expect(after.payload).toEqual({});
    expect(after.access.fieldKeys).toEqual([]);
    expect(after.status).toBe('submitted');
    const history = await json<{ items: { action: string; fieldKeys: string[] }[] }>(await api('GET', `/v1/referrals/${draft.id}/history`, lead), 200);
    expect(history.items.at(-1)).toMatchObject({ action: 'access_revoked', fieldKeys: ['child.firstName', 'child.age', 'protection.riskLevel'] });
    const log = await json<{ items: { fieldKeys: string[] }[] }>(await api('GET', `/v1/referrals/${draft.id}/access-log`, lead), 200);
    expect(log.items.map((e) => e.fieldKeys)).toEqual([['child.firstName', 'child.age', 'protection.riskLevel'], []]);
  });

  it('when nothing proposed may be shared, submit is refused unless the lead asks for the envelope alone', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h, { fields: ['education'] });
    const lead = as('caseworker', owner);
    const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId)), 201);
    const refused = await json<{ errors: { field: string }[]; denied: { field: string; reason: string }[] }>(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 422);
    expect(refused.errors.map((e) => e.field)).toEqual(['body.envelopeOnly']);
    expect(refused.denied.map((d) => d.field)).toContain('child.firstName');
    const sent = await json<ReferralView>(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, { envelopeOnly: true }), 200);
    expect(sent.access.sharedFieldKeys).toEqual([]);
    const read = await json<ReferralView>(await api('GET', `/v1/referrals/${draft.id}`, as('focal_point', recipient)), 200);
    expect(read).toMatchObject({ payload: {}, caseCode, urgency: 'high', status: 'submitted' });
  });

  it('when the consent service cannot be asked, a recipient read fails closed to the envelope, says so, and is logged with no field', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner);
    const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId)), 201);
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    // A second instance on the same database whose consent service is unreachable.
    const cut = await start({ env: { ...h.testEnv.env, ...referralsExtraEnv('http://127.0.0.1:9'), REFERRAL_PAYLOAD_KEYS: h.referrals.config.REFERRAL_PAYLOAD_KEYS.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',') }, serviceTokens: testServiceTokens(h.testEnv, HUB_ORG) });
    try {
      const response = await fetch(`${cut.url}/v1/referrals/${draft.id}`, { headers: { authorization: await h.testEnv.authorization(as('focal_point', recipient, 'fp-x')) } });
      const read = await json<ReferralView>(response, 200);
      expect(read.payload).toEqual({});
      expect(read.access).toMatchObject({ level: 'envelope', restricted: 'consent_unavailable', fieldKeys: [] });
    } finally {
      await cut.stop();
    }
    const log = await json<{ items: { readerUserId: string; fieldKeys: string[]; restricted: string | null }[] }>(await api('GET', `/v1/referrals/${draft.id}/access-log`, lead), 200);
    expect(log.items).toMatchObject([{ readerUserId: 'fp-x', fieldKeys: [], restricted: 'consent_unavailable' }]);
  });
});

describe('safe retries and races', () => {
  it('the same Idempotency-Key and body replays the first answer; another body with it is a 422', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner, 'idem-lead');
    const key = { 'idempotency-key': randomUUID() };
    const body = newReferral(recipient, caseCode, serviceId);
    const first = await json<ReferralView>(await api('POST', '/v1/referrals', lead, body, key), 201);
    const replay = await api('POST', '/v1/referrals', lead, body, key);
    expect(replay.headers.get('location')).toBe(`/v1/referrals/${first.id}`);
    expect(await json<ReferralView>(replay, 201)).toEqual(first);
    expect(await h.referrals.db.client.referral.count({ where: { caseCode } })).toBe(1);
    const other = await json<{ errors: { field: string }[] }>(await api('POST', '/v1/referrals', lead, { ...body, urgency: 'low' }, key), 422);
    expect(other.errors.map((e) => e.field)).toEqual(['header.idempotency-key']);

    const submitKey = { 'idempotency-key': randomUUID() };
    const submitted = await json<ReferralView>(await api('POST', `/v1/referrals/${first.id}/submit`, lead, {}, submitKey), 200);
    expect(await json<ReferralView>(await api('POST', `/v1/referrals/${first.id}/submit`, lead, {}, submitKey), 200)).toEqual(submitted);
    await h.tap.waitFor(() => typesOf(first.id).includes('referral.submitted'));
    await new Promise((r) => setTimeout(r, 300));
    expect(typesOf(first.id)).toEqual(['referral.submitted']);
  });

  it('of an accept and a withdrawal sent at once, exactly one wins and the other is a 409', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner);
    const fp = as('focal_point', recipient);
    for (let round = 0; round < 3; round += 1) {
      const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId)), 201);
      await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
      await json(await api('POST', `/v1/referrals/${draft.id}/acknowledge`, fp), 200);
      const [accept, withdraw] = await Promise.all([api('POST', `/v1/referrals/${draft.id}/accept`, fp), api('POST', `/v1/referrals/${draft.id}/withdraw`, lead, {})]);
      // Withdrawal from accepted is allowed, so both may succeed in sequence; what must never happen is a lost update.
      const statuses = [accept.status, withdraw.status].sort();
      const row = await h.referrals.db.client.referral.findUniqueOrThrow({ where: { id: draft.id } });
      const history = await h.referrals.db.client.referralHistory.findMany({ where: { referralId: draft.id }, orderBy: { occurredAt: 'asc' } });
      if (statuses[1] === 409) {
        expect(statuses).toEqual([200, 409]);
        expect(history.filter((e) => e.action === 'accept' || e.action === 'withdraw')).toHaveLength(1);
      } else {
        // Both applied one after the other: accepted, then withdrawn.
        expect(row.status).toBe('withdrawn');
        expect(history.map((e) => e.action).slice(-2)).toEqual(['accept', 'withdraw']);
      }
      expect(row.version).toBe(history.length - 1 + 1);
    }
  });

  it('of two acknowledgements sent at once, exactly one is applied and published', async () => {
    const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
    const lead = as('caseworker', owner);
    const draft = await json<ReferralView>(await api('POST', '/v1/referrals', lead, newReferral(recipient, caseCode, serviceId)), 201);
    await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
    const answers = await Promise.all(Array.from({ length: 5 }, () => api('POST', `/v1/referrals/${draft.id}/acknowledge`, as('focal_point', recipient))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
    await h.tap.waitFor(() => typesOf(draft.id).includes('referral.acknowledged'));
    await new Promise((r) => setTimeout(r, 300));
    expect(typesOf(draft.id)).toEqual(['referral.submitted', 'referral.acknowledged']);
  });
});

describe('bad input', () => {
  it('is answered with problem+json naming each bad field', async () => {
    const owner = randomUUID();
    const lead = as('caseworker', owner);
    const recipient = randomUUID();
    const serviceId = await announceService(h, recipient);
    const response = await api('POST', '/v1/referrals', lead, newReferral(recipient, 'CASE-BAD1', serviceId, { payload: { 'child.age': 'twelve', 'child.favouriteColour': 'blue', 'confidential.notes': 'x' } }));
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = await json<{ errors: { field: string; code: string }[] }>(response, 400);
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['body.payload["child.age"]', 'body.payload["child.favouriteColour"]', 'body.payload["confidential.notes"]']);
    const contract = await json<{ errors: { field: string }[] }>(await api('POST', '/v1/referrals', lead, { ...newReferral(recipient, 'CASE-BAD2', serviceId), urgency: 'urgent' }), 400);
    expect(contract.errors.map((e) => e.field)).toEqual(['body.urgency']);
    const self = await json<{ errors: { field: string }[] }>(await api('POST', '/v1/referrals', lead, newReferral(owner, 'CASE-BAD3', serviceId)), 422);
    expect(self.errors.map((e) => e.field)).toEqual(['body.recipientOrganizationId']);
    await json(await api('POST', '/v1/referrals', as('org_admin', owner), newReferral(recipient, 'CASE-BAD4', serviceId)), 403);
    // A service the directory never announced, another organisation's, or a deleted one: 422 naming it.
    for (const unknown of [randomUUID(), await announceService(h, randomUUID())]) {
      const refused = await json<{ errors: { field: string }[] }>(await api('POST', '/v1/referrals', lead, newReferral(recipient, 'CASE-BAD5', unknown)), 422);
      expect(refused.errors.map((e) => e.field)).toEqual(['body.recipientServiceId']);
    }
    // A service that is closed for now, or no longer takes referrals: 422 saying so.
    const closed = await announceService(h, recipient, { status: 'temporarily_closed' });
    const notTaking = await announceService(h, recipient, { acceptsReferrals: false });
    for (const [service, code] of [
      [closed, 'not_accepting_referrals'],
      [notTaking, 'not_accepting_referrals'],
    ] as const) {
      const refused = await json<{ errors: { field: string; code: string }[] }>(await api('POST', '/v1/referrals', lead, newReferral(recipient, 'CASE-BAD7', service)), 422);
      expect(refused.errors).toEqual([expect.objectContaining({ field: 'body.recipientServiceId', code })]);
    }
    await announceService(h, recipient, { serviceId, version: 2, change: 'deleted' });
    await json(await api('POST', '/v1/referrals', lead, newReferral(recipient, 'CASE-BAD6', serviceId)), 422);
  });
});
