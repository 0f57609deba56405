import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { encodeCursor } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsentTexts, developmentTextKeys } from '../src/data-access/sealed-texts.js';
import type { Agreement, NewAgreement } from '../src/domain/agreement.js';
import type { NewOverride, Override } from '../src/domain/override.js';
import { proposeAgreement } from '../src/domain/propose-agreement.js';
import { requestOverride } from '../src/domain/request-override.js';
import { start } from '../src/start.js';
import type { RunningConsent } from '../src/start.js';
import { as, consentApiClient, COORDINATOR, DAY_MS, inDays, newCaseCode } from './support.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

let testEnv: ServiceTestEnv;
let service: RunningConsent;

beforeAll(async () => {
  testEnv = await createServiceTestEnv({ name: 'consent-listing', migrationsDir });
  service = await start({ env: testEnv.env });
});

afterAll(async () => {
  await service?.stop();
  await testEnv?.cleanup();
});

type Page<T> = { items: T[]; nextCursor: string | null };

const { api, json, problem } = consentApiClient(() => ({ url: service.url, testEnv }));

/** Every page of a list, following `nextCursor` to the end. */
async function allPages<T>(path: string, claims: TestClaims, limit: number): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = `${path}${separator}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page: Page<T> = await json<Page<T>>(await api('GET', url, claims), 200);
    pages.push(page.items);
    cursor = page.nextCursor;
    expect(pages.length, 'the pages never end').toBeLessThan(50);
  } while (cursor !== null);
  return pages;
}

/** Newest first: `createdAt` descending, then `id` descending. */
function isNewestFirst(items: readonly { id: string; createdAt: string }[]): boolean {
  return items.every((item, index) => {
    const previous = items[index - 1];
    if (previous === undefined) return true;
    return previous.createdAt > item.createdAt || (previous.createdAt === item.createdAt && previous.id > item.id);
  });
}

const ids = (items: readonly { id: string }[]) => items.map((item) => item.id);

function newAgreement(parties: string[], extra: Partial<NewAgreement> = {}): NewAgreement {
  return {
    title: 'Protocole de partage',
    partyOrganizationIds: parties,
    dataGroups: ['identity', 'protection'],
    purposes: ['referral'],
    means: ['hub'],
    reviewDate: inDays(90).slice(0, 10),
    ...extra,
  };
}

async function propose(parties: string[], extra: Partial<NewAgreement> = {}): Promise<Agreement> {
  return json<Agreement>(await api('POST', '/v1/agreements', COORDINATOR, newAgreement(parties, extra)), 201);
}

async function acceptByAll(agreement: Agreement): Promise<Agreement> {
  let latest = agreement;
  for (const party of agreement.partyOrganizationIds) {
    latest = await json<Agreement>(await api('POST', `/v1/agreements/${agreement.id}/accept`, as('org_admin', party)), 200);
  }
  return latest;
}

function newOverride(caseCode: string, recipient: string, extra: Partial<NewOverride> = {}): NewOverride {
  return {
    caseCode,
    legalBasis: 'Code de protection de l’enfant, art. 12',
    justification: 'Immediate risk of harm; the caregiver is the alleged perpetrator.',
    explanationGiven: 'Explained to the child, in words fit for her age, who will receive what and why.',
    scope: { recipientOrganizationIds: [recipient], fields: ['protection'], purposes: ['referral'] },
    expiresAt: inDays(10),
    ...extra,
  };
}

async function requestAs(caseworker: TestClaims, caseCode: string, recipient: string): Promise<Override> {
  return json<Override>(await api('POST', '/v1/overrides', caseworker, newOverride(caseCode, recipient)), 201);
}

describe('GET /v1/agreements', () => {
  it("lists the agreements the caller's organisation is a party to, as GET /v1/agreements/{id} gives them, and none of another's", async () => {
    const [mine, partner, other, lonely] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const bilateral = await acceptByAll(await propose([mine, partner]));
    const network = await propose([mine, partner, other]);
    const theirs = await propose([partner, other]);

    for (const role of ['org_admin', 'caseworker', 'supervisor', 'focal_point'] as const) {
      const page = await json<Page<Agreement>>(await api('GET', '/v1/agreements', as(role, mine)), 200);
      expect(ids(page.items), role).toEqual([network.id, bilateral.id]);
      expect(page.nextCursor).toBeNull();
    }
    const listed = await json<Page<Agreement>>(await api('GET', '/v1/agreements', as('caseworker', mine)), 200);
    for (const agreement of listed.items) {
      expect(agreement).toEqual(await json<Agreement>(await api('GET', `/v1/agreements/${agreement.id}`, as('caseworker', mine)), 200));
    }
    expect(listed.items.find((a) => a.id === bilateral.id)).toMatchObject({ status: 'in_force', inForce: true });
    expect(listed.items.find((a) => a.id === network.id)).toMatchObject({ status: 'proposed', inForce: false });

    const ofPartner = await json<Page<Agreement>>(await api('GET', '/v1/agreements', as('org_admin', partner)), 200);
    expect(ids(ofPartner.items)).toEqual([theirs.id, network.id, bilateral.id]);
    const ofOther = await json<Page<Agreement>>(await api('GET', '/v1/agreements', as('org_admin', other)), 200);
    expect(ids(ofOther.items)).toEqual([theirs.id, network.id]);
    expect(await json<Page<Agreement>>(await api('GET', '/v1/agreements', as('org_admin', lonely)), 200)).toEqual({ items: [], nextCursor: null });
  });

  it('shows the network coordinator every agreement, whoever the parties', async () => {
    const first = await propose([randomUUID(), randomUUID()]);
    const second = await propose([randomUUID(), randomUUID()]);
    const everything = (await allPages<Agreement>('/v1/agreements', COORDINATOR, 200)).flat();
    expect(ids(everything)).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(await service.db.client.sharingAgreement.count()).toBe(everything.length);
    expect(isNewestFirst(everything)).toBe(true);
  });

  it('refuses a role that may read no agreement, with 403', async () => {
    const party = randomUUID();
    await propose([party, randomUUID()]);
    const refused = await problem(await api('GET', '/v1/agreements', as('system', party)), 403);
    expect(refused.detail).toMatch(/coordinator/);
  });

  it('filters by status as GET /v1/agreements/{id} derives it: proposed, in force, expired (review date passed, accepted or not)', async () => {
    const [mine, partner] = [randomUUID(), randomUUID()];
    const proposed = await propose([mine, partner]);
    const halfAccepted = await propose([mine, partner]);
    await json(await api('POST', `/v1/agreements/${halfAccepted.id}/accept`, as('org_admin', mine)), 200);
    const inForce = await acceptByAll(await propose([mine, partner]));
    // Agreements whose review date has passed, proposed through the use case as of two weeks ago.
    const twoWeeksAgo = new Date(Date.now() - 14 * DAY_MS);
    const coordinator: Principal = { userId: 'coordinator', organizationId: COORDINATOR.org, roles: ['network_coordinator'] };
    const lapsed = await Promise.all(
      [0, 1].map(() =>
        proposeAgreement({ db: service.db }, coordinator, newAgreement([mine, partner], { reviewDate: inDays(-3).slice(0, 10) }), twoWeeksAgo),
      ),
    );
    const lapsedAccepted = await acceptByAll(lapsed[0]!);
    expect(lapsedAccepted).toMatchObject({ status: 'expired', inForce: false });

    const list = async (status: string) =>
      ids((await json<Page<Agreement>>(await api('GET', `/v1/agreements?status=${status}`, as('supervisor', mine)), 200)).items).sort();
    expect(await list('proposed')).toEqual([proposed.id, halfAccepted.id].sort());
    expect(await list('in_force')).toEqual([inForce.id]);
    expect(await list('expired')).toEqual(ids(lapsed).sort());
    const all = await json<Page<Agreement>>(await api('GET', '/v1/agreements', as('supervisor', mine)), 200);
    expect(all.items.map((a) => [a.id, a.status]).sort()).toEqual(
      [
        [proposed.id, 'proposed'],
        [halfAccepted.id, 'proposed'],
        [inForce.id, 'in_force'],
        [lapsed[0]!.id, 'expired'],
        [lapsed[1]!.id, 'expired'],
      ].sort(),
    );
  });

  it('pages newest first without duplicates or gaps, also under a status filter', async () => {
    const [mine, partner] = [randomUUID(), randomUUID()];
    const created: Agreement[] = [];
    for (let i = 0; i < 5; i += 1) created.push(await propose([mine, partner], { title: `Protocole ${i}` }));
    await acceptByAll(created[1]!);
    await acceptByAll(created[3]!);

    const whole = await json<Page<Agreement>>(await api('GET', '/v1/agreements?limit=200', as('org_admin', mine)), 200);
    expect(whole.nextCursor).toBeNull();
    expect(ids(whole.items).sort()).toEqual(ids(created).sort());
    expect(isNewestFirst(whole.items)).toBe(true);

    const pages = await allPages<Agreement>('/v1/agreements', as('org_admin', mine), 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(ids(pages.flat())).toEqual(ids(whole.items));

    // A boundary that falls exactly at the end: the last full page says so with a null cursor.
    const exact = await allPages<Agreement>('/v1/agreements?status=proposed', as('org_admin', mine), 3);
    expect(exact.map((page) => page.length)).toEqual([3]);
    const proposedPages = await allPages<Agreement>('/v1/agreements?status=proposed', as('org_admin', mine), 1);
    expect(proposedPages.map((page) => page.length)).toEqual([1, 1, 1]);
    expect(ids(proposedPages.flat())).toEqual(ids(whole.items.filter((a) => a.status === 'proposed')));
  });

  it('names the bad query parameter in a problem: an unknown status, a forged cursor, a limit out of range', async () => {
    const caller = as('org_admin', randomUUID());
    expect((await problem(await api('GET', '/v1/agreements?status=signed', caller), 400)).fields).toEqual(['query.status']);
    expect((await problem(await api('GET', '/v1/agreements?cursor=bm90LWEtY3Vyc29y', caller), 400)).fields).toEqual(['query.cursor']);
    const forged = encodeCursor(['2026-01-01T00:00:00.000Z', "1' OR '1'='1"]);
    expect((await problem(await api('GET', `/v1/agreements?cursor=${forged}`, caller), 400)).fields).toEqual(['query.cursor']);
    expect((await problem(await api('GET', '/v1/agreements?limit=0', caller), 400)).fields).toEqual(['query.limit']);
  });
});

describe('GET /v1/overrides', () => {
  it("lists the organisation's overrides to its caseworkers and supervisors, justification included; never to a recipient or another organisation", async () => {
    const [owner, recipient] = [randomUUID(), randomUUID()];
    const caseworker = as('caseworker', owner);
    const first = await requestAs(caseworker, newCaseCode(), recipient);
    const second = await requestAs(caseworker, newCaseCode(), recipient);
    const recipientsOwn = await requestAs(as('caseworker', recipient), newCaseCode(), owner);

    for (const claims of [caseworker, as('supervisor', owner)]) {
      const page = await json<Page<Override>>(await api('GET', '/v1/overrides', claims), 200);
      expect(ids(page.items)).toEqual([second.id, first.id]);
      expect(page.items[1]).toEqual(await json<Override>(await api('GET', `/v1/overrides/${first.id}`, claims), 200));
      expect(page.items[1]?.justification).toBe(first.justification);
    }
    // The organisation the overrides name as recipient lists only its own.
    for (const claims of [as('caseworker', recipient), as('supervisor', recipient)]) {
      const page = await json<Page<Override>>(await api('GET', '/v1/overrides', claims), 200);
      expect(ids(page.items)).toEqual([recipientsOwn.id]);
    }
    expect(await json<Page<Override>>(await api('GET', '/v1/overrides', as('supervisor', randomUUID())), 200)).toEqual({ items: [], nextCursor: null });
  });

  it('refuses the roles that may not read an override, with 403', async () => {
    const owner = randomUUID();
    await requestAs(as('caseworker', owner), newCaseCode(), randomUUID());
    for (const role of ['focal_point', 'org_admin', 'network_coordinator', 'system'] as const) {
      const refused = await problem(await api('GET', '/v1/overrides', as(role, owner)), 403);
      expect(refused.detail, role).toMatch(/caseworker or a supervisor/);
    }
  });

  it('filters by status as GET /v1/overrides/{id} derives it (pending, active, expired, revoked) and by case code', async () => {
    const [owner, recipient] = [randomUUID(), randomUUID()];
    const caseworker = as('caseworker', owner);
    const supervisor = as('supervisor', owner);
    const caseCode = newCaseCode();
    const otherCase = newCaseCode();
    const pending = await requestAs(caseworker, caseCode, recipient);
    const pendingElsewhere = await requestAs(caseworker, otherCase, recipient);
    const active = await requestAs(caseworker, caseCode, recipient);
    await json(await api('POST', `/v1/overrides/${active.id}/approve`, supervisor), 200);
    const revoked = await requestAs(caseworker, caseCode, recipient);
    await json(await api('POST', `/v1/overrides/${revoked.id}/approve`, supervisor), 200);
    await json(await api('POST', `/v1/overrides/${revoked.id}/revoke`, supervisor), 200);
    // An override that ended yesterday, requested through the use case as of three days ago.
    const threeDaysAgo = new Date(Date.now() - 3 * DAY_MS);
    const principal: Principal = { userId: caseworker.sub, organizationId: owner, roles: ['caseworker'] };
    const expired = await requestOverride(
      { db: service.db, texts: createConsentTexts(developmentTextKeys()) },
      principal,
      newOverride(caseCode, recipient, { expiresAt: inDays(-1) }),
      threeDaysAgo,
    );

    const list = async (query: string) =>
      (await json<Page<Override>>(await api('GET', `/v1/overrides?${query}`, supervisor), 200)).items.map((o) => [o.id, o.status]);
    expect(await list('status=pending')).toEqual([
      [pendingElsewhere.id, 'pending'],
      [pending.id, 'pending'],
    ]);
    expect(await list('status=active')).toEqual([[active.id, 'active']]);
    expect(await list('status=revoked')).toEqual([[revoked.id, 'revoked']]);
    expect(await list('status=expired')).toEqual([[expired.id, 'expired']]);
    expect(await list(`caseCode=${caseCode}`)).toEqual([
      [expired.id, 'expired'],
      [revoked.id, 'revoked'],
      [active.id, 'active'],
      [pending.id, 'pending'],
    ]);
    expect(await list(`caseCode=${caseCode}&status=pending`)).toEqual([[pending.id, 'pending']]);
    expect(await list(`caseCode=${otherCase}&status=active`)).toEqual([]);
    // Another organisation's case with the same code lists none of ours.
    expect(await json<Page<Override>>(await api('GET', `/v1/overrides?caseCode=${caseCode}`, as('caseworker', recipient)), 200)).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('pages newest first without duplicates or gaps, also under filters', async () => {
    const owner = randomUUID();
    const caseworker = as('caseworker', owner);
    const caseCode = newCaseCode();
    const created: Override[] = [];
    for (let i = 0; i < 5; i += 1) created.push(await requestAs(caseworker, i % 2 === 0 ? caseCode : newCaseCode(), randomUUID()));

    const whole = await json<Page<Override>>(await api('GET', '/v1/overrides?limit=200', caseworker), 200);
    expect(ids(whole.items).sort()).toEqual(ids(created).sort());
    expect(isNewestFirst(whole.items)).toBe(true);

    const pages = await allPages<Override>('/v1/overrides', caseworker, 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(ids(pages.flat())).toEqual(ids(whole.items));

    const ofCase = await allPages<Override>(`/v1/overrides?caseCode=${caseCode}&status=pending`, caseworker, 2);
    expect(ofCase.map((page) => page.length)).toEqual([2, 1]);
    expect(ids(ofCase.flat())).toEqual(ids(whole.items.filter((o) => o.caseCode === caseCode)));
  });

  it('names the bad query parameter in a problem: an unknown status, a malformed case code, a forged cursor', async () => {
    const caller = as('supervisor', randomUUID());
    expect((await problem(await api('GET', '/v1/overrides?status=approved', caller), 400)).fields).toEqual(['query.status']);
    expect((await problem(await api('GET', '/v1/overrides?caseCode=case-1234', caller), 400)).fields).toEqual(['query.caseCode']);
    expect((await problem(await api('GET', '/v1/overrides?cursor=bm90LWEtY3Vyc29y', caller), 400)).fields).toEqual(['query.cursor']);
    const forged = encodeCursor(['not a time', randomUUID()]);
    expect((await problem(await api('GET', `/v1/overrides?cursor=${forged}`, caller), 400)).fields).toEqual(['query.cursor']);
  });
});
