/**
 * Idempotency-Keys after a crash, and the free texts the consent service keeps at rest.
 *
 * A claim left by a process that died once its work committed (its answer never stored) is
 * taken over when its lease runs out: the retry gets what committed, under the same id, and
 * never a second row, a second event or a second consumption. Free texts people write
 * (withdrawal notes, overrides' legal basis, justification and explanation, form references)
 * are sealed in the database and shown as written.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { verifyAuditChain } from '@referral-hub/platform';
import { createServiceTestEnv, tapEvents } from '@referral-hub/testkit';
import type { EventTap, ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TABLES } from '../src/data-access/audit-tables.js';
import type { Agreement } from '../src/domain/agreement.js';
import type { Consent, NewConsent } from '../src/domain/consent.js';
import type { Decision } from '../src/domain/decision.js';
import type { NewOverride, Override } from '../src/domain/override.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';
import { as, consentApiClient, COORDINATOR, inDays, newCaseCode, SYSTEM } from './support.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const LEASE_MS = 1_000;
/** What a caseworker might write despite the contract's advice: the child's name. */
const NAME = 'Amani Kabeya';

let testEnv: ServiceTestEnv;
let service: RunningConsent;
let tap: EventTap;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-retry-after-crash', migrationsDir, extraEnv: { IDEMPOTENCY_LEASE_MS: String(LEASE_MS) } });
  tap = await tapEvents({ url: testEnv.amqpUrl, exchange: testEnv.exchange, bindings: ['consent.#'] });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await tap?.close();
  await testEnv?.cleanup();
});

const { api, json, problem } = consentApiClient(() => ({ url: service.url, testEnv }));

/**
 * What `kill -9` between the handler's commit and the stored answer leaves: the claim without an
 * answer. Its lease runs out `LEASE_MS` after `claimed_at`, set here in the past (or to now, for
 * a claim whose lease still holds).
 */
async function crashBeforeTheAnswer(key: string, options: { leaseOver: boolean }): Promise<void> {
  const claimedAt = new Date(Date.now() - (options.leaseOver ? LEASE_MS + 1_000 : 0));
  const updated = await service.pool.query(
    `UPDATE idempotent_request SET status_code = NULL, response = NULL, response_key_id = NULL, response_ciphertext = NULL,
       claimed_at = $2, created_at = $2 WHERE key = $1`,
    [key, claimedAt],
  );
  expect(updated.rowCount).toBe(1);
}

/** Waits a little, then the events of `type` about `subject` seen so far. */
async function eventsAbout(type: string, subject: string) {
  await new Promise((resolve) => setTimeout(resolve, 400));
  return tap.events().filter((e) => e.type === type && e.subject === subject);
}

/** Two organisations with an agreement in force for identity and protection, for referrals. */
async function network(): Promise<{ owner: string; recipient: string }> {
  const owner = randomUUID();
  const recipient = randomUUID();
  const created = await json<Agreement>(await api('POST', '/v1/agreements', COORDINATOR, agreementBody(owner, recipient)), 201);
  await json(await api('POST', `/v1/agreements/${created.id}/accept`, as('org_admin', owner)), 200);
  await json(await api('POST', `/v1/agreements/${created.id}/accept`, as('org_admin', recipient)), 200);
  return { owner, recipient };
}

function agreementBody(owner: string, recipient: string) {
  return {
    title: 'Protocole de partage — zone sud',
    partyOrganizationIds: [owner, recipient],
    dataGroups: ['identity', 'protection'],
    purposes: ['referral'],
    means: ['hub'],
    reviewDate: inDays(180).slice(0, 10),
  };
}

function newConsent(caseCode: string, recipient: string, extra: Partial<NewConsent> = {}): NewConsent {
  return {
    caseCode,
    givenBy: 'caregiver',
    caregiverRelationship: 'mother',
    kind: 'consent',
    method: 'written',
    formReference: `Fiche de ${NAME}`,
    explainedInLanguage: 'fr',
    scope: { recipientOrganizationIds: [recipient], fields: ['identity', 'protection.riskLevel'], purposes: ['referral'] },
    expiresAt: inDays(60),
    ...extra,
  };
}

function newOverride(caseCode: string, recipient: string): NewOverride {
  return {
    caseCode,
    legalBasis: `Ordonnance du juge pour ${NAME}`,
    justification: `${NAME} is at immediate risk; the caregiver is the alleged perpetrator.`,
    explanationGiven: `Explained to ${NAME}, in words fit for her age, who will receive what and why.`,
    scope: { recipientOrganizationIds: [recipient], fields: ['protection'], purposes: ['referral'] },
    expiresAt: inDays(10),
  };
}

describe('a create retried after the process died between its commit and its answer', () => {
  it('of a consent: a 409 while the lease holds, then the consent that committed (201, same id), never a second one or a second event', async () => {
    const caseworker = as('caseworker', randomUUID());
    const body = newConsent(newCaseCode(), randomUUID());
    const key = { 'idempotency-key': randomUUID() };
    const first = await json<Consent>(await api('POST', '/v1/consents', caseworker, body, key), 201);
    await crashBeforeTheAnswer(key['idempotency-key'], { leaseOver: false });
    await problem(await api('POST', '/v1/consents', caseworker, body, key), 409);

    await crashBeforeTheAnswer(key['idempotency-key'], { leaseOver: true });
    const retried = await api('POST', '/v1/consents', caseworker, body, key);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.headers.get('location')).toBe(`/v1/consents/${first.id}`);
    expect(await json<Consent>(retried, 201)).toEqual(first);
    expect(await service.db.client.consent.count({ where: { caseCode: body.caseCode } })).toBe(1);
    expect(await eventsAbout('consent.granted', first.id)).toHaveLength(1);
    // Its answer is now the key's answer.
    const replay = await api('POST', '/v1/consents', caseworker, body, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await json<Consent>(replay, 201)).id).toBe(first.id);
  });

  it('of an override: the override that committed, never a second one', async () => {
    const caseworker = as('caseworker', randomUUID());
    const body = newOverride(newCaseCode(), randomUUID());
    const key = { 'idempotency-key': randomUUID() };
    const first = await json<Override>(await api('POST', '/v1/overrides', caseworker, body, key), 201);
    await crashBeforeTheAnswer(key['idempotency-key'], { leaseOver: true });
    const retried = await api('POST', '/v1/overrides', caseworker, body, key);
    expect(retried.headers.get('location')).toBe(`/v1/overrides/${first.id}`);
    expect(await json<Override>(retried, 201)).toEqual(first);
    expect(await service.db.client.override.count({ where: { caseCode: body.caseCode } })).toBe(1);
  });

  it('of an agreement: the agreement that committed, never a second one', async () => {
    const body = { ...agreementBody(randomUUID(), randomUUID()), title: `Protocole ${randomUUID()}` };
    const key = { 'idempotency-key': randomUUID() };
    const first = await json<Agreement>(await api('POST', '/v1/agreements', COORDINATOR, body, key), 201);
    await crashBeforeTheAnswer(key['idempotency-key'], { leaseOver: true });
    const retried = await api('POST', '/v1/agreements', COORDINATOR, body, key);
    expect(retried.headers.get('location')).toBe(`/v1/agreements/${first.id}`);
    expect(await json<Agreement>(retried, 201)).toEqual(first);
    expect(await service.db.client.sharingAgreement.count({ where: { title: body.title } })).toBe(1);
  });

  it('of a consuming decision: the decision that committed (same id, same consents used up), never a second decision or consumption', async () => {
    const { owner, recipient } = await network();
    const caseCode = newCaseCode();
    const caseworker = as('caseworker', owner);
    await json(await api('PUT', `/v1/cases/${caseCode}/context`, caseworker, { childAge: 16, caregiverCanBeAsked: true }), 200);
    const consent = await json<Consent>(await api('POST', '/v1/consents', caseworker, newConsent(caseCode, recipient, { singleUse: true })), 201);
    const child = await json<Consent>(
      await api('POST', '/v1/consents', caseworker, newConsent(caseCode, recipient, { singleUse: true, givenBy: 'child', caregiverRelationship: undefined })),
      201,
    );
    const request = {
      caseCode,
      ownerOrganizationId: owner,
      recipientOrganizationId: recipient,
      purpose: 'referral',
      fields: ['child.firstName', 'protection.riskLevel'],
      caseCategories: ['neglect'],
      consume: true,
      referralId: randomUUID(),
    };
    const key = { 'idempotency-key': `submit-${randomUUID()}` };
    const first = await json<Decision>(await api('POST', '/v1/decisions', SYSTEM, request, key), 201);
    expect(first.allowed).toEqual(['child.firstName', 'protection.riskLevel']);
    expect([...first.consumed].sort()).toEqual([consent.id, child.id].sort());

    await crashBeforeTheAnswer(key['idempotency-key'], { leaseOver: true });
    const retried = await api('POST', '/v1/decisions', SYSTEM, request, key);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await json<Decision>(retried, 201)).toEqual(first);
    expect(await service.db.client.decision.count({ where: { caseCode } })).toBe(1);
    const stored = await service.db.client.consent.findMany({ where: { caseCode }, select: { consumedByDecisionId: true } });
    expect(stored.map((row) => row.consumedByDecisionId)).toEqual([first.id, first.id]);
    expect([...(await eventsAbout('consent.consumed', consent.id)), ...(await eventsAbout('consent.consumed', child.id))]).toHaveLength(2);
  });

  it('of a consuming decision whose run died before it committed: the retry decides, and uses the consents up once', async () => {
    const { owner, recipient } = await network();
    const caseCode = newCaseCode();
    const caseworker = as('caseworker', owner);
    await json(await api('PUT', `/v1/cases/${caseCode}/context`, caseworker, { childAge: 16, caregiverCanBeAsked: true }), 200);
    await json(await api('POST', '/v1/consents', caseworker, newConsent(caseCode, recipient, { singleUse: true })), 201);
    await json(await api('POST', '/v1/consents', caseworker, newConsent(caseCode, recipient, { singleUse: true, givenBy: 'child', caregiverRelationship: undefined })), 201);
    const request = {
      caseCode,
      ownerOrganizationId: owner,
      recipientOrganizationId: recipient,
      purpose: 'referral',
      fields: ['protection.riskLevel'],
      caseCategories: ['neglect'],
      consume: true,
      referralId: randomUUID(),
    };
    const key = randomUUID();
    // The claim as the dead run left it, before anything committed.
    await service.pool.query(
      `INSERT INTO idempotent_request (organization_id, key, request_hash, claim_id, claimed_at, created_at)
       VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'), $4, $5, $5)`,
      [SYSTEM.org, key, `POST /v1/decisions\n${JSON.stringify(request)}`, randomUUID(), new Date(Date.now() - LEASE_MS - 1_000)],
    );
    const retried = await json<Decision>(await api('POST', '/v1/decisions', SYSTEM, request, { 'idempotency-key': key }), 201);
    expect(retried.allowed).toEqual(['protection.riskLevel']);
    expect(retried.consumed).toHaveLength(2);
    expect(await service.db.client.decision.count({ where: { caseCode } })).toBe(1);
  });
});

describe('free texts at rest', () => {
  const sealedOrNull = (value: string | null) => value === null || /^sealed:[A-Za-z0-9_.-]+:[A-Za-z0-9+/]+=*$/.test(value);

  it('a withdrawal note, a form reference and an override’s legal basis, justification and explanation are sealed, and read as written', async () => {
    const owner = randomUUID();
    const caseworker = as('caseworker', owner);
    const caseCode = newCaseCode();
    const consent = await json<Consent>(await api('POST', '/v1/consents', caseworker, newConsent(caseCode, randomUUID())), 201);
    const note = `${NAME} asked us to stop sharing`;
    const withdrawn = await json<Consent>(await api('POST', `/v1/consents/${consent.id}/withdraw`, caseworker, { reasonCode: 'other', note }), 200);
    expect(withdrawn.withdrawal?.note).toBe(note);
    expect(withdrawn.formReference).toBe(`Fiche de ${NAME}`);
    const body = newOverride(caseCode, randomUUID());
    const override = await json<Override>(await api('POST', '/v1/overrides', caseworker, body), 201);
    expect(override).toMatchObject({ legalBasis: body.legalBasis, justification: body.justification, explanationGiven: body.explanationGiven });
    expect(await json<Override>(await api('GET', `/v1/overrides/${override.id}`, caseworker), 200)).toEqual(override);
    expect((await json<Consent>(await api('GET', `/v1/consents/${consent.id}`, caseworker), 200)).withdrawal?.note).toBe(note);
    const listed = await json<{ items: Consent[] }>(await api('GET', `/v1/cases/${caseCode}/consents`, caseworker), 200);
    expect(listed.items[0]?.withdrawal?.note).toBe(note);

    const { rows } = await service.pool.query<{ texts: string }>(
      `SELECT concat_ws('|', withdrawal_note, form_reference) AS texts FROM consent WHERE case_code = $1
       UNION ALL SELECT concat_ws('|', legal_basis, justification, explanation_given) FROM override WHERE case_code = $1`,
      [caseCode],
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.texts).not.toContain('Amani');
    const stored = await service.db.client.consent.findUniqueOrThrow({ where: { id: consent.id } });
    expect([stored.withdrawalNote, stored.formReference].every(sealedOrNull)).toBe(true);
    const storedOverride = await service.db.client.override.findUniqueOrThrow({ where: { id: override.id } });
    expect([storedOverride.legalBasis, storedOverride.justification, storedOverride.explanationGiven].every(sealedOrNull)).toBe(true);
    // The answer kept for an Idempotency-Key replay repeats them: it is sealed too.
    const key = randomUUID();
    await json<Override>(await api('POST', '/v1/overrides', caseworker, newOverride(caseCode, randomUUID()), { 'idempotency-key': key }), 201);
    const answers = await service.pool.query<{ response: unknown; response_ciphertext: Buffer | null }>(
      'SELECT response, response_ciphertext FROM idempotent_request WHERE key = $1',
      [key],
    );
    expect(answers.rows[0]?.response).toBeNull();
    expect(answers.rows[0]?.response_ciphertext?.toString('latin1')).not.toContain('Amani');
    // The chains hashed what was stored, the ciphertext, and the withdrawal's write-once stamp took it.
    for (const table of AUDIT_TABLES) expect((await verifyAuditChain(service.pool, table)).ok).toBe(true);
  });

  it('a row written in clear before texts were sealed is read as it is; a sealed text moved onto another row does not open there', async () => {
    const owner = randomUUID();
    const caseworker = as('caseworker', owner);
    const caseCode = newCaseCode();
    const override = await json<Override>(await api('POST', '/v1/overrides', caseworker, newOverride(caseCode, randomUUID())), 201);
    const copy = async (justification: string | null) => {
      const id = randomUUID();
      await service.pool.query(
        `INSERT INTO override (id, organization_id, case_code, legal_basis, justification, explanation_given, recipient_organization_ids,
           service_types, fields, field_keys, purposes, valid_from, expires_at, requested_by, created_at)
         SELECT $2, organization_id, case_code, 'Loi 2020-12', coalesce($3, justification), 'Explained in clear before sealing.',
           recipient_organization_ids, service_types, fields, field_keys, purposes, valid_from, expires_at, requested_by, created_at
           FROM override WHERE id = $1`,
        [override.id, id, justification],
      );
      return id;
    };
    const legacy = await copy('Written in clear before texts were sealed.');
    expect(await json<Override>(await api('GET', `/v1/overrides/${legacy}`, caseworker), 200)).toMatchObject({
      legalBasis: 'Loi 2020-12',
      justification: 'Written in clear before texts were sealed.',
      explanationGiven: 'Explained in clear before sealing.',
    });
    const moved = await copy(null);
    const refused = await api('GET', `/v1/overrides/${moved}`, caseworker);
    expect(refused.status).toBe(500);
    expect(await refused.text()).not.toContain('Amani');
  });
});
