import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildEvent, validateEvent } from '@referral-hub/contracts';
import { createPublisher } from '@referral-hub/platform';
import { createServiceTestEnv, tapEvents } from '@referral-hub/testkit';
import type { EventTap, ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../src/domain/agreement.js';
import type { Consent, NewConsent } from '../src/domain/consent.js';
import type { Decision } from '../src/domain/decision.js';
import type { Override } from '../src/domain/override.js';
import type { NetworkPolicy } from '../src/domain/policy.js';
import { DEFAULT_POLICY_SETTINGS } from '../src/domain/policy.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';
import { as, consentApiClient, COORDINATOR, inDays, newCaseCode, SYSTEM } from './support.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningConsent;
let tap: EventTap;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({
    name: 'consent-sharing',
    migrationsDir,
    // A short scan interval so that an expiry during the test is announced within it.
    extraEnv: { CONSENT_EXPIRY_INTERVAL_MS: '200', DATABASE_POOL_MAX: '10' },
  });
  tap = await tapEvents({ url: testEnv.amqpUrl, exchange: testEnv.exchange, bindings: ['consent.#'] });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await tap?.close();
  await testEnv?.cleanup();
});

const { api, json, problem } = consentApiClient(() => ({ url: service.url, testEnv }));

/** Two organisations with an agreement in force for identity, protection and health, for referrals. */
async function network(): Promise<{ owner: string; recipient: string; agreement: Agreement }> {
  const owner = randomUUID();
  const recipient = randomUUID();
  const created = await json<Agreement>(
    await api('POST', '/v1/agreements', COORDINATOR, {
      title: 'Protocole de partage — zone nord',
      partyOrganizationIds: [owner, recipient],
      dataGroups: ['identity', 'protection', 'health'],
      purposes: ['referral'],
      means: ['hub'],
      reviewDate: inDays(180).slice(0, 10),
    }),
    201,
  );
  await json(await api('POST', `/v1/agreements/${created.id}/accept`, as('org_admin', owner)), 200);
  const agreement = await json<Agreement>(await api('POST', `/v1/agreements/${created.id}/accept`, as('org_admin', recipient)), 200);
  return { owner, recipient, agreement };
}

function newConsent(caseCode: string, recipient: string, overrides: Partial<NewConsent> = {}): NewConsent {
  return {
    caseCode,
    givenBy: 'caregiver',
    caregiverRelationship: 'mother',
    kind: 'consent',
    method: 'written',
    explainedInLanguage: 'fr',
    scope: { recipientOrganizationIds: [recipient], fields: ['identity', 'protection.riskLevel'], purposes: ['referral'] },
    expiresAt: inDays(60),
    ...overrides,
  };
}

/** The caregiver's consent and the 12-year-old child's assent, as the default policy needs. */
async function consentsForCase(owner: string, recipient: string, overrides: Partial<NewConsent> = {}): Promise<{ caseCode: string; consents: Consent[] }> {
  const caseCode = newCaseCode();
  const caseworker = as('caseworker', owner);
  await json(await api('PUT', `/v1/cases/${caseCode}/context`, caseworker, { childAge: 12, caregiverCanBeAsked: true }), 200);
  const caregiver = await json<Consent>(await api('POST', '/v1/consents', caseworker, newConsent(caseCode, recipient, overrides)), 201);
  const child = await json<Consent>(
    await api('POST', '/v1/consents', caseworker, newConsent(caseCode, recipient, { givenBy: 'child', kind: 'assent', caregiverRelationship: undefined, ...overrides })),
    201,
  );
  return { caseCode, consents: [caregiver, child] };
}

function decisionRequest(caseCode: string, owner: string, recipient: string, extra: Record<string, unknown> = {}) {
  return { caseCode, ownerOrganizationId: owner, recipientOrganizationId: recipient, purpose: 'referral', fields: ['child.firstName', 'protection.riskLevel', 'health.conditions', 'confidential.notes'], caseCategories: ['neglect'], ...extra };
}

describe('withdrawal and status', () => {
  it('when the owner withdraws a consent, it says who, when and why, announces it once, and later decisions deny its fields', async () => {
    const { owner, recipient } = await network();
    const { caseCode, consents } = await consentsForCase(owner, recipient);
    const before = await json<Decision>(await api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient)), 201);
    expect(before.allowed).toEqual(['child.firstName', 'protection.riskLevel']);
    expect(before.denied).toEqual([
      { field: 'health.conditions', reason: 'not_in_scope' },
      { field: 'confidential.notes', reason: 'strictly_confidential' },
    ]);
    expect(before.basis.consentIds.sort()).toEqual(consents.map((c) => c.id).sort());

    const supervisor = as('supervisor', owner);
    const consent = consents[1]!;
    const withdrawn = await json<Consent>(await api('POST', `/v1/consents/${consent.id}/withdraw`, supervisor, { reasonCode: 'child_request' }), 200);
    expect(withdrawn.status).toBe('withdrawn');
    expect(withdrawn.withdrawal).toMatchObject({ withdrawnBy: supervisor.sub, reasonCode: 'child_request', note: null });

    const events = await tap.waitFor((seen) => seen.some((e) => e.type === 'consent.withdrawn' && e.subject === consent.id));
    const mine = events.filter((e) => e.type === 'consent.withdrawn' && e.subject === consent.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.data).toEqual({ consentId: consent.id, caseCode, organizationId: owner, withdrawnAt: withdrawn.withdrawal?.withdrawnAt, reasonCode: 'child_request' });

    const after = await json<Decision>(await api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient)), 201);
    expect(after.allowed).toEqual([]);
    expect(after.denied.filter((d) => d.field !== 'health.conditions' && d.field !== 'confidential.notes')).toEqual([
      { field: 'child.firstName', reason: 'withdrawn' },
      { field: 'protection.riskLevel', reason: 'withdrawn' },
    ]);

    expect(await problem(await api('POST', `/v1/consents/${consent.id}/withdraw`, supervisor, { reasonCode: 'child_request' }), 409)).toBeDefined();
  });

  it('a withdrawal for another reason needs a note; another organisation cannot withdraw', async () => {
    const { owner, recipient } = await network();
    const { consents } = await consentsForCase(owner, recipient);
    const id = consents[0]!.id;
    expect((await problem(await api('POST', `/v1/consents/${id}/withdraw`, as('caseworker', owner), { reasonCode: 'other' }), 400)).fields).toEqual(['body.note']);
    await problem(await api('POST', `/v1/consents/${id}/withdraw`, as('caseworker', randomUUID()), { reasonCode: 'family_request' }), 404);
    expect((await json<Consent>(await api('GET', `/v1/consents/${id}`, as('caseworker', owner)), 200)).status).toBe('active');
  });

  it('a recipient learns the status of a consent naming it and nothing more; anyone else gets 404', async () => {
    const { owner, recipient } = await network();
    const { consents } = await consentsForCase(owner, recipient);
    const id = consents[0]!.id;
    const seen = await json<Record<string, unknown>>(await api('GET', `/v1/consents/${id}/status`, as('focal_point', recipient)), 200);
    expect(seen).toEqual({ id, status: 'active' });
    await problem(await api('GET', `/v1/consents/${id}/status`, as('focal_point', randomUUID())), 404);
    await problem(await api('GET', `/v1/consents/${id}`, as('caseworker', recipient)), 404);
    await json(await api('POST', `/v1/consents/${id}/withdraw`, as('caseworker', owner), { reasonCode: 'family_request' }), 200);
    expect(await json(await api('GET', `/v1/consents/${id}/status`, as('org_admin', recipient)), 200)).toEqual({ id, status: 'withdrawn' });
  });

  it('consent.expired is published once, within moments, for a consent that expires during the test', async () => {
    const owner = randomUUID();
    const created = await json<Consent>(
      await api('POST', '/v1/consents', as('caseworker', owner), newConsent(newCaseCode(), randomUUID(), { expiresAt: new Date(Date.now() + 1500).toISOString() })),
      201,
    );
    const events = await tap.waitFor((seen) => seen.some((e) => e.type === 'consent.expired' && e.subject === created.id), 15_000);
    const expired = events.find((e) => e.type === 'consent.expired' && e.subject === created.id);
    expect(expired?.data).toEqual({ consentId: created.id, caseCode: created.caseCode, organizationId: owner, expiredAt: created.expiresAt });
    // Several scans later, still once.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(tap.events().filter((e) => e.type === 'consent.expired' && e.subject === created.id)).toHaveLength(1);
  });
});

describe('decisions', () => {
  it('a consuming decision retried with its Idempotency-Key gets the first answer: the consents are used up once, by one stored decision', async () => {
    const { owner, recipient } = await network();
    const { caseCode, consents } = await consentsForCase(owner, recipient, { singleUse: true });
    const request = decisionRequest(caseCode, owner, recipient, { consume: true, referralId: randomUUID() });
    const key = { 'idempotency-key': `submit-${randomUUID()}` };
    const first = await json<Decision>(await api('POST', '/v1/decisions', SYSTEM, request, key), 201);
    expect([...first.consumed].sort()).toEqual(consents.map((c) => c.id).sort());
    const retried = await api('POST', '/v1/decisions', SYSTEM, request, key);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(await json<Decision>(retried, 201)).toEqual(first);
    const listed = await json<{ items: Decision[] }>(await api('GET', `/v1/cases/${caseCode}/decisions?limit=200`, as('supervisor', owner)), 200);
    expect(listed.items.map((d) => d.id)).toEqual([first.id]);
  });

  it('of twenty concurrent consuming decisions under single-use consents, exactly one gets the fields', async () => {
    const { owner, recipient } = await network();
    const { caseCode, consents } = await consentsForCase(owner, recipient, { singleUse: true });
    const referralIds = Array.from({ length: 20 }, () => randomUUID());
    const decisions = await Promise.all(
      referralIds.map(async (referralId) =>
        json<Decision>(await api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient, { consume: true, referralId })), 201),
      ),
    );
    const winners = decisions.filter((d) => d.allowed.length > 0);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    expect(winner.allowed).toEqual(['child.firstName', 'protection.riskLevel']);
    expect(winner.consumed.sort()).toEqual(consents.map((c) => c.id).sort());
    for (const loser of decisions.filter((d) => d !== winner)) {
      expect(loser.consumed).toEqual([]);
      expect(loser.denied.filter((d) => d.reason === 'consumed').map((d) => d.field)).toEqual(['child.firstName', 'protection.riskLevel']);
    }
    // One consent.consumed per consent, naming the winning decision.
    await tap.waitFor((seen) => seen.filter((e) => e.type === 'consent.consumed' && e.data.decisionId === winner.id).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const consumedEvents = tap.events().filter((e) => e.type === 'consent.consumed' && consents.some((c) => c.id === e.subject));
    expect(consumedEvents).toHaveLength(2);

    // The winning referral keeps reading under the consents it used up; another does not.
    const reread = await json<Decision>(await api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient, { referralId: winner.referralId })), 201);
    expect(reread.allowed).toEqual(['child.firstName', 'protection.riskLevel']);
    expect(reread.consumed).toEqual([]);
    const listed = await json<{ items: Decision[] }>(await api('GET', `/v1/cases/${caseCode}/decisions?limit=200`, as('supervisor', owner)), 200);
    expect(listed.items).toHaveLength(21);
    expect(listed.items[0]?.id).toBe(reread.id);
    const foreign = await json<{ items: Decision[] }>(await api('GET', `/v1/cases/${caseCode}/decisions`, as('supervisor', recipient)), 200);
    expect(foreign.items).toEqual([]);
  });

  it("the owner's case team may preview a decision but neither consume nor ask about another organisation's case", async () => {
    const { owner, recipient } = await network();
    const { caseCode } = await consentsForCase(owner, recipient, { singleUse: true });
    const preview = await json<Decision>(await api('POST', '/v1/decisions', as('caseworker', owner), decisionRequest(caseCode, owner, recipient)), 201);
    expect(preview.allowed).toEqual(['child.firstName', 'protection.riskLevel']);
    expect(preview.consumed).toEqual([]);
    await problem(await api('POST', '/v1/decisions', as('caseworker', owner), decisionRequest(caseCode, owner, recipient, { consume: true, referralId: randomUUID() })), 403);
    await problem(await api('POST', '/v1/decisions', as('caseworker', randomUUID()), decisionRequest(caseCode, owner, recipient)), 403);
    await problem(await api('POST', '/v1/decisions', as('focal_point', recipient), decisionRequest(caseCode, owner, recipient)), 403);
  });

  it("an NGO's own machine client cannot ask about another organisation's case; only the trusted referrals client can", async () => {
    const { owner, recipient } = await network();
    const { caseCode } = await consentsForCase(owner, recipient);
    const ngoSystem: TestClaims = { sub: 'ngo-case-system', org: randomUUID(), roles: ['system'] };
    const refused = await problem(await api('POST', '/v1/decisions', ngoSystem, decisionRequest(caseCode, owner, recipient)), 403);
    expect(refused.detail).toMatch(/not trusted/);
    expect((await json<Decision>(await api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient)), 201)).allowed).not.toEqual([]);
  });

  it('bad input is named: an unknown field, a consuming decision without a referral', async () => {
    const owner = randomUUID();
    const body = decisionRequest(newCaseCode(), owner, randomUUID(), { fields: ['child.firstName', 'child.shoeSize'], consume: true });
    expect((await problem(await api('POST', '/v1/decisions', SYSTEM, body), 400)).fields.sort()).toEqual(['body.fields[1]', 'body.referralId']);
  });

  it('a decision needs an agreement in force: not before every party accepted', async () => {
    const owner = randomUUID();
    const recipient = randomUUID();
    const caseCode = newCaseCode();
    await json(await api('POST', '/v1/consents', as('caseworker', owner), newConsent(caseCode, recipient)), 201);
    await json(await api('POST', '/v1/consents', as('caseworker', owner), newConsent(caseCode, recipient, { givenBy: 'child' })), 201);
    const proposed = await json<Agreement>(
      await api('POST', '/v1/agreements', as('org_admin', owner), {
        title: 'Bilateral protocol',
        partyOrganizationIds: [owner, recipient],
        dataGroups: ['identity'],
        purposes: ['referral'],
        means: ['hub', 'phone'],
        reviewDate: inDays(30).slice(0, 10),
      }),
      201,
    );
    expect(proposed.inForce).toBe(false);
    await json(await api('POST', `/v1/agreements/${proposed.id}/accept`, as('org_admin', owner)), 200);
    const ask = () => api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient, { fields: ['child.firstName'] }));
    expect((await json<Decision>(await ask(), 201)).denied).toEqual([{ field: 'child.firstName', reason: 'no_agreement' }]);
    await problem(await api('POST', `/v1/agreements/${proposed.id}/accept`, as('caseworker', recipient)), 403);
    const accepted = await json<Agreement>(await api('POST', `/v1/agreements/${proposed.id}/accept`, as('org_admin', recipient)), 200);
    expect(accepted.inForce).toBe(true);
    expect((await json<Decision>(await ask(), 201)).allowed).toEqual(['child.firstName']);
    await problem(await api('POST', `/v1/agreements/${proposed.id}/accept`, as('org_admin', recipient)), 409);
    await problem(await api('GET', `/v1/agreements/${proposed.id}`, as('org_admin', randomUUID())), 404);
    await problem(
      await api('POST', '/v1/agreements', as('org_admin', randomUUID()), {
        title: 'Not mine',
        partyOrganizationIds: [owner, recipient],
        dataGroups: ['identity'],
        purposes: ['referral'],
        means: ['hub'],
        reviewDate: inDays(30).slice(0, 10),
      }),
      403,
    );
  });
});

describe('best-interests overrides', () => {
  const newOverride = (caseCode: string, recipient: string, extra: Record<string, unknown> = {}) => ({
    caseCode,
    legalBasis: 'Code de protection de l’enfant, art. 12',
    justification: 'Immediate risk of harm; the caregiver is the alleged perpetrator.',
    explanationGiven: 'Explained to the child, in words fit for her age, who will receive what and why.',
    scope: { recipientOrganizationIds: [recipient], fields: ['protection'], purposes: ['referral'] },
    expiresAt: inDays(10),
    ...extra,
  });

  it('counts only once a supervisor of the same organisation, not the requester, approves it, and stops when revoked', async () => {
    const { owner, recipient } = await network();
    const caseCode = newCaseCode();
    const requester: TestClaims = { sub: `lead-${randomUUID()}`, org: owner, roles: ['caseworker', 'supervisor'] };
    const override = await json<Override>(await api('POST', '/v1/overrides', requester, newOverride(caseCode, recipient)), 201);
    expect(override.status).toBe('pending');
    const ask = () => api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient, { fields: ['protection.riskLevel'] }));
    expect((await json<Decision>(await ask(), 201)).denied).toEqual([{ field: 'protection.riskLevel', reason: 'no_consent' }]);

    const self = await problem(await api('POST', `/v1/overrides/${override.id}/approve`, requester), 403);
    expect(self.detail).toMatch(/requested/);
    const foreign = await problem(await api('POST', `/v1/overrides/${override.id}/approve`, as('supervisor', randomUUID())), 403);
    expect(foreign.detail).toMatch(/organisation/);
    const caseworker = await problem(await api('POST', `/v1/overrides/${override.id}/approve`, as('caseworker', owner)), 403);
    expect(caseworker.detail).toMatch(/supervisor/);

    const supervisor = as('supervisor', owner);
    const approved = await json<Override>(await api('POST', `/v1/overrides/${override.id}/approve`, supervisor), 200);
    expect(approved).toMatchObject({ status: 'active', approvedBy: supervisor.sub, requestedBy: requester.sub });
    await problem(await api('POST', `/v1/overrides/${override.id}/approve`, as('supervisor', owner)), 409);
    const allowed = await json<Decision>(await ask(), 201);
    expect(allowed.allowed).toEqual(['protection.riskLevel']);
    expect(allowed.basis).toEqual({ consentIds: [], overrideIds: [override.id] });
    expect(allowed.validUntil).toBe(override.expiresAt);

    await json(await api('POST', `/v1/overrides/${override.id}/revoke`, requester), 200);
    expect((await json<Decision>(await ask(), 201)).allowed).toEqual([]);
    await problem(await api('GET', `/v1/overrides/${override.id}`, as('supervisor', recipient)), 404);

    // Recipients' caches learn of both changes, with identifiers only (never the justification).
    const events = await tap.waitFor((seen) => seen.filter((e) => e.subject === override.id).length >= 2);
    const mine = events.filter((e) => e.subject === override.id);
    expect(mine.map((e) => e.type)).toEqual(['consent.override_approved', 'consent.override_revoked']);
    expect(mine[0]?.data).toEqual({ overrideId: override.id, caseCode, organizationId: owner, approvedAt: expect.any(String), expiresAt: override.expiresAt });
    expect(mine[1]?.data).toEqual({ overrideId: override.id, caseCode, organizationId: owner, revokedAt: expect.any(String) });
    expect(JSON.stringify(mine)).not.toContain('perpetrator');
  });

  it('is refused beyond the network maximum, with a strictly confidential field, or by a supervisor requesting', async () => {
    const owner = randomUUID();
    const caseworker = as('caseworker', owner);
    expect((await problem(await api('POST', '/v1/overrides', caseworker, newOverride(newCaseCode(), randomUUID(), { expiresAt: inDays(31) })), 400)).fields).toEqual(['body.expiresAt']);
    const confidential = newOverride(newCaseCode(), randomUUID(), { scope: { recipientOrganizationIds: [randomUUID()], fields: ['confidential.notes'], purposes: ['referral'] } });
    expect((await problem(await api('POST', '/v1/overrides', caseworker, confidential), 400)).fields).toEqual(['body.scope.fields[0]']);
    await problem(await api('POST', '/v1/overrides', as('supervisor', owner), newOverride(newCaseCode(), randomUUID())), 403);
  });
});

describe('the account for the child and family', () => {
  it('tells every consent, override and decision of the case in the language asked, with catalogue labels', async () => {
    const { owner, recipient } = await network();
    const { caseCode, consents } = await consentsForCase(owner, recipient);
    await json(await api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient)), 201);
    type Sharing = { caseCode: string; language: string; entries: { kind: string; id: string; text: string }[] };
    const en = await json<Sharing>(await api('GET', `/v1/cases/${caseCode}/sharing?lang=en`, as('caseworker', owner)), 200);
    expect(en.entries.map((e) => e.kind)).toEqual(['consent', 'consent', 'decision']);
    expect(en.entries[0]?.id).toBe(consents[0]?.id);
    expect(en.entries[0]?.text).toContain('The caregiver (Mother) gave consent in writing');
    expect(en.entries[2]?.text).toContain("was allowed to receive: Child's first name and Risk level");
    const fr = await json<Sharing>(await api('GET', `/v1/cases/${caseCode}/sharing`, as('supervisor', owner)), 200);
    expect(fr.language).toBe('fr');
    expect(fr.entries[2]?.text).toContain("Prénom de l'enfant et Niveau de risque");
    // Another organisation sees nothing of this case.
    const other = await json<Sharing>(await api('GET', `/v1/cases/${caseCode}/sharing`, as('caseworker', recipient)), 200);
    expect(other.entries).toEqual([]);
  });
});

describe('the network policy', () => {
  it('starts from the defaults; only the coordinator changes it, and a change applies to the next request', async () => {
    const initial = await json<NetworkPolicy>(await api('GET', '/v1/network-policy', as('caseworker', randomUUID())), 200);
    expect(initial).toMatchObject({ ...DEFAULT_POLICY_SETTINGS, version: 0 });
    await problem(await api('PUT', '/v1/network-policy', as('org_admin', randomUUID()), DEFAULT_POLICY_SETTINGS), 403);
    expect((await problem(await api('PUT', '/v1/network-policy', COORDINATOR, { ...DEFAULT_POLICY_SETTINGS, assentFromAge: 12, childConsentFromAge: 10 }), 400)).fields).toEqual(['body.childConsentFromAge']);

    // Government bodies receive nothing about sexual-violence cases.
    const { owner, recipient } = await network();
    const { caseCode } = await consentsForCase(owner, recipient);
    const changed = await json<NetworkPolicy>(
      await api('PUT', '/v1/network-policy', COORDINATOR, {
        ...DEFAULT_POLICY_SETTINGS,
        maxConsentValidityDays: 90,
        recipientExclusions: [{ organizationType: 'government', caseCategories: ['sexual_violence'] }],
      }),
      200,
    );
    expect(changed).toMatchObject({ version: 1, updatedBy: COORDINATOR.sub, maxConsentValidityDays: 90 });
    try {
      const tooLong = await api('POST', '/v1/consents', as('caseworker', owner), newConsent(newCaseCode(), recipient, { expiresAt: inDays(91) }));
      expect((await problem(tooLong, 400)).fields).toEqual(['body.expiresAt']);

      // The recipient's type comes from the directory's events.
      const publisher = createPublisher({ amqp: service.amqp, exchange: testEnv.exchange, validator: validateEvent, logger: service.logger });
      await publisher.publish(
        buildEvent('directory.organization.changed', { organizationId: recipient, change: 'created', changedFields: ['name'], version: 1, organizationType: 'government' }, { source: '/services/directory' }),
      );
      await publisher.close();
      await expect.poll(async () => (await service.db.client.organizationType.findUnique({ where: { organizationId: recipient } }))?.organizationType, { timeout: 10_000 }).toBe('government');

      const ask = (categories: string[]) =>
        api('POST', '/v1/decisions', SYSTEM, decisionRequest(caseCode, owner, recipient, { fields: ['child.firstName'], caseCategories: categories }));
      expect((await json<Decision>(await ask(['sexual_violence']), 201)).denied).toEqual([{ field: 'child.firstName', reason: 'excluded_recipient' }]);
      expect((await json<Decision>(await ask(['neglect']), 201)).allowed).toEqual(['child.firstName']);
    } finally {
      await json(await api('PUT', '/v1/network-policy', COORDINATOR, DEFAULT_POLICY_SETTINGS), 200);
    }
  });
});
