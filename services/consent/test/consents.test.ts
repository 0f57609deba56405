import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { FIELD_CATALOGUE } from '@referral-hub/contracts';
import { AppError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { createServiceTestEnv, tapEvents } from '@referral-hub/testkit';
import type { EventTap, ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consent, NewConsent } from '../src/domain/consent.js';
import { createConsentTexts, developmentTextKeys } from '../src/data-access/sealed-texts.js';
import { recordConsent } from '../src/domain/record-consent.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningConsent;
let tap: EventTap;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-consents', migrationsDir });
  tap = await tapEvents({ url: testEnv.amqpUrl, exchange: testEnv.exchange, bindings: ['consent.#'] });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await tap?.close();
  await testEnv?.cleanup();
});

const DAY_MS = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

/** A case code no other test uses. */
const newCaseCode = () => `CASE-${randomBytes(5).toString('hex').toUpperCase()}`;

const caseworker = (org: string = randomUUID()): TestClaims => ({ sub: `cw-${randomUUID()}`, org, roles: ['caseworker'] });

/** A valid consent to record, with a fresh case code. */
function buildNewConsent(overrides: Partial<NewConsent> = {}): NewConsent {
  return {
    caseCode: newCaseCode(),
    givenBy: 'caregiver',
    caregiverRelationship: 'mother',
    kind: 'consent',
    method: 'written',
    formReference: 'FORM-2027-001',
    explainedInLanguage: 'fr',
    scope: {
      recipientOrganizationIds: [randomUUID()],
      fields: ['identity', 'protection.riskLevel'],
      purposes: ['referral'],
    },
    expiresAt: inDays(90),
    ...overrides,
  };
}

async function post(body: unknown, claims: TestClaims): Promise<Response> {
  return fetch(`${service.url}/v1/consents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await testEnv.authorization(claims) },
    body: JSON.stringify(body),
  });
}

async function get(path: string, claims: TestClaims): Promise<Response> {
  return fetch(`${service.url}${path}`, { headers: { authorization: await testEnv.authorization(claims) } });
}

async function problemFields(response: Response): Promise<string[]> {
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = (await response.json()) as { errors?: { field: string }[] };
  return (problem.errors ?? []).map((e) => e.field);
}

/** What was stored for a case code, consents and their events alike. */
async function storedFor(caseCode: string) {
  const consents = await service.db.client.consent.count({ where: { caseCode } });
  const events = await service.db.client.outboxMessage.findMany({ where: { eventType: 'consent.granted' } });
  const eventsOfCase = events.filter((e) => JSON.stringify(e.payload).includes(caseCode)).length;
  return { consents, events: eventsOfCase };
}

describe('recording a consent', () => {
  it('when a caseworker records a consent, it is stored for their organisation and announced exactly once', async () => {
    const claims = caseworker();
    const input = buildNewConsent();
    const response = await post(input, claims);
    expect(response.status).toBe(201);
    const created = (await response.json()) as Consent;
    expect(response.headers.get('location')).toBe(`/v1/consents/${created.id}`);
    expect(created).toMatchObject({
      organizationId: claims.org,
      recordedBy: claims.sub,
      caseCode: input.caseCode,
      status: 'active',
      singleUse: false,
      scope: input.scope,
    });

    const stored = await service.db.client.consent.findUnique({ where: { id: created.id } });
    expect(stored?.organizationId).toBe(claims.org);
    // Groups are expanded when recorded: a key added to "identity" later will not join this consent.
    expect(stored?.fieldKeys).toEqual(
      FIELD_CATALOGUE.filter((f) => f.group === 'identity' || f.key === 'protection.riskLevel').map((f) => f.key),
    );

    await tap.waitFor((seen) => seen.some((e) => e.data.consentId === created.id));
    // Give a duplicate publication time to show up before counting.
    await expect.poll(async () => (await service.db.client.outboxMessage.count({ where: { subject: created.id, publishedAt: null } }))).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mine = tap.events().filter((e) => e.data.consentId === created.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ type: 'consent.granted', subject: created.id });
    expect(mine[0]?.data).toEqual({
      consentId: created.id,
      caseCode: input.caseCode,
      organizationId: claims.org,
      kind: 'consent',
      purposes: ['referral'],
      recipientOrganizationIds: input.scope.recipientOrganizationIds,
      validFrom: created.validFrom,
      expiresAt: created.expiresAt,
      singleUse: false,
    });
  });

  it('when a focal point tries to record a consent, it gets 403 and nothing is written', async () => {
    const input = buildNewConsent();
    const response = await post(input, { sub: 'fp', org: randomUUID(), roles: ['focal_point'] });
    expect(response.status).toBe(403);
    expect(await storedFor(input.caseCode)).toEqual({ consents: 0, events: 0 });
  });

  it('when a field key is unknown, the problem names its position and nothing is written', async () => {
    const input = buildNewConsent();
    const body = { ...input, scope: { ...input.scope, fields: ['identity', 'child.shoeSize'] } };
    const response = await post(body, caseworker());
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toContain('body.scope.fields[1]');
    expect(await storedFor(input.caseCode)).toEqual({ consents: 0, events: 0 });
  });

  it('when a field key is unknown, the problem lists the allowed selectors within the schema’s 500 characters, in French by default', async () => {
    const input = buildNewConsent();
    const response = await post({ ...input, scope: { ...input.scope, fields: ['child.shoeSize'] } }, caseworker());
    expect(response.status).toBe(400);
    expect(response.headers.get('content-language')).toBe('fr');
    const problem = (await response.json()) as { code: string; title: string; errors: { field: string; message: string; code: string }[] };
    expect(problem).toMatchObject({ code: 'validation_failed', title: 'Requête invalide' });
    const selector = problem.errors.find((e) => e.field === 'body.scope.fields[0]' && e.code === 'enum');
    // The catalogue's selectors made this message 701 characters; the Problem schema allows 500.
    expect(selector?.message).toMatch(/^doit valoir l’une de ces valeurs : "/);
    expect(selector?.message.length).toBeLessThanOrEqual(500);
  });

  it('when a field is strictly confidential, the problem names it and nothing is written', async () => {
    const input = buildNewConsent();
    const body = { ...input, scope: { ...input.scope, fields: ['confidential.notes'] } };
    const response = await post(body, caseworker());
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toContain('body.scope.fields[0]');
    expect(await storedFor(input.caseCode)).toEqual({ consents: 0, events: 0 });
  });

  it('the use case itself refuses strictly confidential fields, whoever calls it', async () => {
    const input = buildNewConsent({
      scope: { recipientOrganizationIds: [], fields: ['health', 'confidential' as never], purposes: ['referral'] },
    });
    const principal: Principal = { userId: 'cw', organizationId: randomUUID(), roles: ['caseworker'] };
    const attempt = recordConsent({ db: service.db, texts: createConsentTexts(developmentTextKeys()), outbox: service.outbox }, principal, input);
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ status: 400, errors: [{ field: 'body.scope.fields[1]', code: 'not_shareable' }] });
    expect(await storedFor(input.caseCode)).toEqual({ consents: 0, events: 0 });
  });

  it('when the consent would end before it starts, the problem names expiresAt and nothing is written', async () => {
    const input = buildNewConsent({ validFrom: inDays(10), expiresAt: inDays(5) });
    const response = await post(input, caseworker());
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(['body.expiresAt']);
    expect(await storedFor(input.caseCode)).toEqual({ consents: 0, events: 0 });
  });

  it('when the consent has already ended, it cannot be recorded', async () => {
    const input = buildNewConsent({ validFrom: inDays(-30), expiresAt: inDays(-1) });
    const response = await post(input, caseworker());
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(['body.expiresAt']);
    expect(await storedFor(input.caseCode)).toEqual({ consents: 0, events: 0 });
  });
});

describe('reading consents', () => {
  it('the recording organisation reads its consent; a caseworker of another organisation gets 404', async () => {
    const owner = caseworker();
    const created = (await (await post(buildNewConsent(), owner)).json()) as Consent;

    const own = await get(`/v1/consents/${created.id}`, { ...caseworker(owner.org), roles: ['supervisor'] });
    expect(own.status).toBe(200);
    expect(((await own.json()) as Consent).id).toBe(created.id);

    const foreign = await get(`/v1/consents/${created.id}`, caseworker());
    expect(foreign.status).toBe(404);
    // The same answer as for an id that does not exist: existence is not revealed.
    const missing = await get(`/v1/consents/${randomUUID()}`, caseworker());
    expect(missing.status).toBe(404);
    const [foreignProblem, missingProblem] = (await Promise.all([foreign.json(), missing.json()])) as { detail: string }[];
    expect(foreignProblem?.detail).toBe(missingProblem?.detail);
  });

  it("a case's consents are listed newest first, page by page, without other organisations' consents", async () => {
    const owner = caseworker();
    const caseCode = newCaseCode();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await post(buildNewConsent({ caseCode }), owner);
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as Consent).id);
    }
    // Same case code in another organisation: a different case.
    expect((await post(buildNewConsent({ caseCode }), caseworker())).status).toBe(201);

    const listed: Consent[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const response = await get(`/v1/cases/${caseCode}/consents${query}`, owner);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: Consent[]; nextCursor: string | null };
      listed.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);

    expect(pages).toBe(2);
    expect(listed.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(listed.every((c) => c.organizationId === owner.org)).toBe(true);
    const created = listed.map((c) => c.createdAt);
    expect(created).toEqual([...created].sort().reverse());
  });

  it('a forged cursor is a 400 naming the cursor', async () => {
    const forged = Buffer.from(JSON.stringify(['not-a-date', 'not-a-uuid'])).toString('base64url');
    const response = await get(`/v1/cases/${newCaseCode()}/consents?cursor=${forged}`, caseworker());
    expect(response.status).toBe(400);
    expect(await problemFields(response)).toEqual(['query.cursor']);
  });

  it('reads need a token', async () => {
    expect((await fetch(`${service.url}/v1/consents/${randomUUID()}`)).status).toBe(401);
    expect((await fetch(`${service.url}/v1/cases/${newCaseCode()}/consents`)).status).toBe(401);
  });

  it('serves liveness and readiness', async () => {
    expect((await fetch(`${service.url}/livez`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});
