import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinator, createArea, createOrg, member, startDirectory } from './support/directory.js';
import type { Claims, TestDirectory } from './support/directory.js';

/**
 * Property: for any combination of filters, paging through `GET /v1/services`
 * returns exactly the services an in-memory filter over the same data keeps
 * (nothing extra, nothing missing, no repeats), in the documented order.
 */

const WORDS = ['école', 'Santé', 'soutien', 'juridique', 'abri', 'famille', 'nutrition', 'écoute', 'enfant', 'protection'];
const QUERY_WORDS = ['ecole', 'SANTÉ', 'sante', 'soutien', 'juridiq', 'abri', 'FAMILLE', 'écoute', 'enfant', 'prot', 'zzz'];
const TYPES = ['mhpss', 'legal_aid', 'education', 'safe_shelter'];
const AREAS: Record<string, string | undefined> = { A: undefined, A1: 'A', A2: 'A', A1x: 'A1', B: undefined, B1: 'B' };
const LANGS = ['fr', 'en', 'rn', 'sw'];
const CAPACITY = ['available', 'waitlist', 'full', 'assessment_required'];
const SEXES = ['female', 'male', 'other'];
const CENTER = { latitude: -3.4, longitude: 29.4 };

type Loc = { id: string; organizationId: string; areaCode: string; latitude: number; longitude: number; confidential: boolean };
type Model = {
  id: string;
  organizationId: string;
  nameFr: string;
  nameEn: string | null;
  description: string;
  types: string[];
  areasServed: string[];
  minAge: number | null;
  maxAge: number | null;
  sexes: string[];
  languages: string[];
  acceptsReferrals: boolean;
  capacity: string;
  locations: Loc[];
};

const normalize = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const ancestors = (code: string): string[] => {
  const parent = AREAS[code];
  return parent === undefined ? [code] : [...ancestors(parent), code];
};
function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b.latitude - a.latitude) / 2) ** 2 +
    Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(rad(b.longitude - a.longitude) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

type Filters = {
  q?: string[];
  type?: string[];
  area?: string;
  age?: number;
  sex?: string;
  language?: string;
  acceptsReferrals?: boolean;
  capacity?: string[];
  near?: { latitude: number; longitude: number; radiusKm: number };
};

/** 'in', 'out' or 'either' (too close to a radius boundary for floating point to decide). */
function expected(service: Model, f: Filters, viewer: Claims): 'in' | 'out' | 'either' {
  const text = normalize(`${service.nameFr} ${service.nameEn ?? ''} ${service.description}`);
  if (f.q !== undefined && !f.q.every((word) => text.includes(normalize(word)))) return 'out';
  if (f.type !== undefined && !service.types.some((t) => f.type?.includes(t))) return 'out';
  if (f.area !== undefined) {
    const codes = [...service.areasServed, ...service.locations.map((l) => l.areaCode)];
    if (!codes.some((code) => ancestors(code).includes(f.area ?? ''))) return 'out';
  }
  if (f.age !== undefined && ((service.minAge !== null && service.minAge > f.age) || (service.maxAge !== null && service.maxAge < f.age))) return 'out';
  if (f.sex !== undefined && service.sexes.length > 0 && !service.sexes.includes(f.sex)) return 'out';
  if (f.language !== undefined && !service.languages.includes(f.language)) return 'out';
  if (f.acceptsReferrals !== undefined && service.acceptsReferrals !== f.acceptsReferrals) return 'out';
  if (f.capacity !== undefined && !f.capacity.includes(service.capacity)) return 'out';
  if (f.near !== undefined) {
    const near = f.near;
    const seesAll = viewer.roles.includes('network_coordinator');
    const visible = service.locations.filter((l) => !l.confidential || seesAll || l.organizationId === viewer.org);
    const distances = visible.map((l) => distanceKm(near, l));
    if (distances.length === 0) return 'out';
    const nearest = Math.min(...distances);
    if (Math.abs(nearest - near.radiusKm) < 0.05) return 'either';
    if (nearest > near.radiusKm) return 'out';
  }
  return 'in';
}

let dir: TestDirectory;
const models: Model[] = [];
const organizations: string[] = [];

const serviceArb = fc.record({
  org: fc.nat({ max: 2 }),
  nameWords: fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
  nameEnWords: fc.option(fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 2 }), { nil: null }),
  descriptionWords: fc.uniqueArray(fc.constantFrom(...WORDS), { maxLength: 4 }),
  types: fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 2 }),
  areasServed: fc.uniqueArray(fc.constantFrom(...Object.keys(AREAS)), { maxLength: 2 }),
  minAge: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
  maxAge: fc.option(fc.integer({ min: 10, max: 18 }), { nil: null }),
  sexes: fc.uniqueArray(fc.constantFrom(...SEXES), { maxLength: 2 }),
  languages: fc.uniqueArray(fc.constantFrom(...LANGS), { maxLength: 3 }),
  acceptsReferrals: fc.boolean(),
  capacity: fc.constantFrom(...CAPACITY),
  locations: fc.uniqueArray(fc.nat({ max: 3 }), { maxLength: 2 }),
});

const filtersArb: fc.Arbitrary<Filters> = fc.record(
  {
    q: fc.uniqueArray(fc.constantFrom(...QUERY_WORDS), { minLength: 1, maxLength: 2 }),
    type: fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 2 }),
    area: fc.constantFrom(...Object.keys(AREAS)),
    age: fc.integer({ min: 0, max: 20 }),
    sex: fc.constantFrom(...SEXES),
    language: fc.constantFrom(...LANGS),
    acceptsReferrals: fc.boolean(),
    capacity: fc.uniqueArray(fc.constantFrom(...CAPACITY), { minLength: 1, maxLength: 2 }),
    near: fc.record({
      latitude: fc.double({ min: CENTER.latitude - 0.4, max: CENTER.latitude + 0.4, noNaN: true }).map((v) => Math.round(v * 1e5) / 1e5),
      longitude: fc.double({ min: CENTER.longitude - 0.4, max: CENTER.longitude + 0.4, noNaN: true }).map((v) => Math.round(v * 1e5) / 1e5),
      radiusKm: fc.integer({ min: 2, max: 60 }),
    }),
  },
  { requiredKeys: [] },
);

beforeAll(async () => {
  dir = await startDirectory('directory-search');
  for (const [code, parent] of Object.entries(AREAS)) await createArea(dir, code, parent);
  const locations: Loc[][] = [];
  const locationSamples = fc.sample(
    fc.record({
      areaCode: fc.constantFrom(...Object.keys(AREAS)),
      latitude: fc.double({ min: CENTER.latitude - 0.3, max: CENTER.latitude + 0.3, noNaN: true }),
      longitude: fc.double({ min: CENTER.longitude - 0.3, max: CENTER.longitude + 0.3, noNaN: true }),
    }),
    { numRuns: 12, seed: 42 },
  );
  for (let o = 0; o < 3; o++) {
    const org = await createOrg(dir);
    organizations.push(org.id);
    const own: Loc[] = [];
    for (let l = 0; l < 4; l++) {
      const sample = locationSamples[o * 4 + l];
      if (sample === undefined) throw new Error('not enough samples');
      const confidential = l === 3;
      const res = await dir.call<{ id: string }>('POST', `/v1/organizations/${org.id}/locations`, coordinator(), {
        name: `Site ${l}`,
        areaCode: sample.areaCode,
        coordinates: { latitude: sample.latitude, longitude: sample.longitude },
        confidential,
      });
      own.push({ id: res.body.id, organizationId: org.id, ...sample, confidential });
    }
    locations.push(own);
  }
  for (const sample of fc.sample(serviceArb, { numRuns: 45, seed: 7 })) {
    const organizationId = organizations[sample.org] ?? '';
    const own = locations[sample.org] ?? [];
    const linked = sample.locations.map((index) => own[index]).filter((l): l is Loc => l !== undefined);
    const body = {
      name: { fr: sample.nameWords.join(' '), ...(sample.nameEnWords === null ? {} : { en: sample.nameEnWords.join(' ') }) },
      ...(sample.descriptionWords.length === 0 ? {} : { description: { fr: sample.descriptionWords.join(' ') } }),
      types: sample.types,
      areasServed: sample.areasServed,
      eligibility: { minAge: sample.minAge, maxAge: sample.maxAge, sexes: sample.sexes },
      languages: sample.languages,
      acceptsReferrals: sample.acceptsReferrals,
      capacity: { status: sample.capacity },
      locationIds: linked.map((l) => l.id),
    };
    const res = await dir.call<{ id: string }>('POST', `/v1/organizations/${organizationId}/services`, coordinator(), body);
    if (res.status !== 201) throw new Error(`service: ${res.status} ${JSON.stringify(res.body)}`);
    models.push({
      id: res.body.id,
      organizationId,
      nameFr: body.name.fr,
      nameEn: sample.nameEnWords === null ? null : sample.nameEnWords.join(' '),
      description: sample.descriptionWords.join(' '),
      types: sample.types,
      areasServed: sample.areasServed,
      minAge: sample.minAge,
      maxAge: sample.maxAge,
      sexes: sample.sexes,
      languages: sample.languages,
      acceptsReferrals: sample.acceptsReferrals,
      capacity: sample.capacity,
      locations: linked,
    });
  }
}, 120_000);

afterAll(async () => {
  await dir?.stop();
});

function queryString(f: Filters, limit: number): URLSearchParams {
  const params = new URLSearchParams({ limit: String(limit) });
  if (f.q !== undefined) params.set('q', f.q.join(' '));
  for (const t of f.type ?? []) params.append('type', t);
  if (f.area !== undefined) params.set('area', f.area);
  if (f.age !== undefined) params.set('age', String(f.age));
  if (f.sex !== undefined) params.set('sex', f.sex);
  if (f.language !== undefined) params.set('language', f.language);
  if (f.acceptsReferrals !== undefined) params.set('acceptsReferrals', String(f.acceptsReferrals));
  for (const c of f.capacity ?? []) params.append('capacity', c);
  if (f.near !== undefined) {
    params.set('near', `${f.near.latitude},${f.near.longitude}`);
    params.set('radiusKm', String(f.near.radiusKm));
  }
  return params;
}

type Hit = { id: string; name: { fr?: string; en?: string }; distanceKm?: number };

async function scan(f: Filters, viewer: Claims, limit: number): Promise<Hit[]> {
  const hits: Hit[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const params = queryString(f, limit);
    if (cursor !== null) params.set('cursor', cursor);
    const res = await dir.call<{ items: Hit[]; nextCursor: string | null }>('GET', `/v1/services?${params}`, viewer);
    if (res.status !== 200) throw new Error(`search: ${res.status} ${JSON.stringify(res.body)}`);
    hits.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (cursor === null) return hits;
  }
  throw new Error('paging did not end');
}

describe('search, property-based', () => {
  it('every result satisfies every filter, no matching service is missing, and pages never repeat', async () => {
    const viewers: Claims[] = [member(crypto.randomUUID(), 'caseworker'), coordinator()];
    await fc.assert(
      fc.asyncProperty(filtersArb, fc.constantFrom(0, 1, 2), fc.integer({ min: 1, max: 9 }), async (filters, viewerIndex, limit) => {
        const viewer: Claims = viewerIndex === 2 ? member(organizations[0] ?? '', 'caseworker') : (viewers[viewerIndex] ?? coordinator());
        const hits = await scan(filters, viewer, limit);
        const ids = hits.map((h) => h.id);
        expect(new Set(ids).size).toBe(ids.length);
        const byId = new Map(models.map((m) => [m.id, m]));
        for (const id of ids) {
          const model = byId.get(id);
          expect(model, 'a result that is not one of the generated services').toBeDefined();
          if (model) expect(expected(model, filters, viewer), `result ${id} violates a filter`).not.toBe('out');
        }
        for (const model of models) {
          if (expected(model, filters, viewer) === 'in') expect(ids, `missing ${model.id}`).toContain(model.id);
        }
        // Order: relevance (query words in a name) never increases, then distance never decreases.
        const relevance = (hit: Hit) =>
          (filters.q ?? []).filter((w) => normalize(`${hit.name.fr ?? ''} ${hit.name.en ?? ''}`).includes(normalize(w))).length;
        for (let i = 1; i < hits.length; i++) {
          const [previous, current] = [hits[i - 1], hits[i]];
          if (!previous || !current) continue;
          expect(relevance(current)).toBeLessThanOrEqual(relevance(previous));
          if (filters.near !== undefined && relevance(current) === relevance(previous)) {
            expect(current.distanceKm ?? 0).toBeGreaterThanOrEqual(previous.distanceKm ?? 0);
          }
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
