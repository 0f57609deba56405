import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@referral-hub/testkit';
import type { TestDatabase } from '@referral-hub/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchServicePage } from '../src/data-access/search.js';
import type { SearchHit, SearchTuning, ServiceSearchCriteria, SqlRunner } from '../src/data-access/search.js';

/**
 * A page of search is read in one of several ways depending on how common
 * the level is (name order batch by batch, or from the filters' indexes;
 * nearest locations first, or each candidate measured). The property test
 * checks the results against a model with the default thresholds on a small
 * map, where one way is always taken; here every way is forced on the same
 * data and must give the same pages, and the search areas the triggers keep
 * must stay what the migration computes from the tables.
 */

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const WORDS = ['ecole', 'sante', 'abri', 'famille', 'enfant'];
const TYPES = ['mhpss', 'legal_aid', 'education'];
const AREAS = ['A', 'A1', 'A1x', 'B', 'B1'];
let db: TestDatabase;
let run: SqlRunner;
let ownOrg = '';

beforeAll(async () => {
  db = await createTestDatabase({ migrationsDir });
  run = async (statement) => (await db.pool.query(statement.text, statement.values)).rows;
  await db.pool.query(`
    INSERT INTO admin_area (code, parent_code, level, name_fr, name_en, ancestors) VALUES
      ('A', NULL, 1, 'A', 'A', '{A}'), ('B', NULL, 1, 'B', 'B', '{B}'),
      ('A1', 'A', 2, 'A1', 'A1', '{A,A1}'), ('B1', 'B', 2, 'B1', 'B1', '{B,B1}'),
      ('A1x', 'A1', 3, 'A1x', 'A1x', '{A,A1,A1x}')`);
  // 4 organisations × 6 locations (one in six confidential) and 300 services
  // with many ties (few distinct names, shared locations), loaded the way the
  // service writes them (triggers on).
  await db.pool.query(`
    INSERT INTO organization (id, name, type) SELECT md5('o' || o)::uuid, 'Org ' || o, 'ngo' FROM generate_series(1, 4) o;
    INSERT INTO location (id, organization_id, name, area_code, latitude, longitude, confidential)
    SELECT md5('l' || o || '-' || n)::uuid, md5('o' || o)::uuid, 'Site', ($1::text[])[1 + (o * 6 + n) % 5],
           -3.4 + ((hashint4(o * 6 + n) % 1000) / 2000.0), 29.4 + ((hashint4(o * 6 + n + 99) % 1000) / 2000.0), n = 6
    FROM generate_series(1, 4) o, generate_series(1, 6) n`.replace('$1::text[]', `ARRAY['A','A1','A1x','B','B1']`));
  await db.pool.query(
    `INSERT INTO service (id, organization_id, name_fr, name_en, description_fr, types, status, min_age, max_age, sexes, languages,
                          capacity_status, accepts_referrals, area_codes)
     SELECT md5('s' || s)::uuid, md5('o' || (1 + s % 4))::uuid,
            initcap(($1::text[])[1 + abs(hashint4(s)) % 5]) || ' ' || ($1::text[])[1 + abs(hashint4(s + 1000)) % 5],
            CASE WHEN s % 3 = 0 THEN NULL ELSE ($1::text[])[1 + abs(hashint4(s + 2000)) % 5] END,
            ($1::text[])[1 + abs(hashint4(s + 3000)) % 5] || ' ' || ($1::text[])[1 + abs(hashint4(s + 4000)) % 5],
            ARRAY[($2::text[])[1 + s % 3]], 'active', NULLIF(s % 6, 0), CASE WHEN s % 5 = 0 THEN NULL ELSE 10 + s % 5 END,
            CASE WHEN s % 2 = 0 THEN ARRAY['female'] ELSE '{}' END, CASE WHEN s % 4 = 0 THEN ARRAY['fr'] ELSE ARRAY['fr','rn'] END,
            'available', s % 7 <> 0, CASE WHEN s % 5 = 0 THEN '{}' ELSE ARRAY[($3::text[])[1 + s % 5]] END
     FROM generate_series(1, 300) s`,
    [WORDS, TYPES, AREAS],
  );
  await db.pool.query(`
    INSERT INTO service_location (service_id, location_id)
    SELECT DISTINCT md5('s' || s)::uuid, md5('l' || (1 + s % 4) || '-' || n)::uuid
    FROM generate_series(1, 300) s, LATERAL (VALUES (1 + s % 6), (1 + (s / 6) % 6)) AS pick(n)
    WHERE s % 11 <> 0`);
  await db.pool.query('ANALYZE');
  ownOrg = (await db.pool.query<{ id: string }>(`SELECT md5('o1')::uuid AS id`)).rows[0]?.id ?? '';
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

async function allPages(criteria: ServiceSearchCriteria, limit: number, tuning: SearchTuning): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  let after: SearchHit | undefined;
  for (let page = 0; page < 400; page++) {
    const found = await searchServicePage(run, criteria, { limit: limit + 1, ...(after === undefined ? {} : { after }), tuning });
    const kept = found.slice(0, limit);
    hits.push(...kept);
    if (found.length <= limit) return hits;
    after = kept[kept.length - 1];
  }
  throw new Error('paging did not end');
}

const criteriaArb = fc.record(
  {
    words: fc.uniqueArray(fc.constantFrom(...WORDS, 'ent', 'zzz'), { maxLength: 2 }),
    types: fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 2 }),
    area: fc.constantFrom(...AREAS),
    age: fc.integer({ min: 0, max: 16 }),
    sex: fc.constantFrom('female', 'male'),
    language: fc.constantFrom('fr', 'rn'),
    acceptsReferrals: fc.boolean(),
    near: fc.record({
      latitude: fc.double({ min: -3.6, max: -3.0, noNaN: true }),
      longitude: fc.double({ min: 29.2, max: 29.8, noNaN: true }),
      radiusKm: fc.integer({ min: 1, max: 80 }),
    }),
  },
  { requiredKeys: ['words'] },
);

describe('search, every way of reading a page', () => {
  it('gives the same pages whatever the thresholds between name order, index lookups, nearest-first walk and measuring each candidate', async () => {
    await fc.assert(
      fc.asyncProperty(criteriaArb, fc.integer({ min: 1, max: 40 }), fc.boolean(), async (filters, limit, seesAll) => {
        const criteria: ServiceSearchCriteria = { ...filters, viewer: { organizationId: ownOrg, seesEveryConfidentialLocation: seesAll } };
        // Reference: each candidate measured, the whole level sorted from its indexes.
        const reference = await allPages(criteria, limit, { nearWalkMax: 0, nameOrderScan: 1 });
        const walked = await allPages(criteria, limit, { nearWalkMax: 100_000, nameOrderScan: 7 });
        const scanned = await allPages(criteria, limit, { nearWalkMax: 3, nameOrderScan: 100_000 });
        expect(walked).toEqual(reference);
        expect(scanned).toEqual(reference);
        expect(new Set(reference.map((hit) => hit.id)).size).toBe(reference.length);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('keeps each service’s search areas as the migration computes them when links, locations and areas change', async () => {
    const check = async () => {
      const { rows } = await db.pool.query<{ n: number }>(`
        SELECT count(*)::int AS n FROM service s
        JOIN directory_search_areas_of(ARRAY(SELECT id FROM service)) x ON x.service_id = s.id
        WHERE s.search_areas IS DISTINCT FROM x.areas`);
      return rows[0]?.n;
    };
    expect(await check()).toBe(0);
    const sample = (await db.pool.query<{ search_areas: string[] }>(`SELECT search_areas FROM service WHERE id = md5('s1')::uuid`)).rows[0];
    expect(sample?.search_areas.length).toBeGreaterThan(0);
    await db.pool.query(`DELETE FROM service_location WHERE service_id IN (SELECT id FROM service ORDER BY id LIMIT 20)`);
    expect(await check()).toBe(0);
    await db.pool.query(`UPDATE location SET area_code = 'A1x' WHERE area_code = 'B1'`);
    expect(await check()).toBe(0);
    await db.pool.query(`UPDATE service SET area_codes = ARRAY['C9'] WHERE id = md5('s2')::uuid`);
    expect(await check()).toBe(0);
    await db.pool.query(`INSERT INTO admin_area (code, parent_code, level, name_fr, name_en, ancestors) VALUES ('C9', 'B', 2, 'C9', 'C9', '{B,C9}')`);
    const s2 = (await db.pool.query<{ search_areas: string[] }>(`SELECT search_areas FROM service WHERE id = md5('s2')::uuid`)).rows[0];
    expect(s2?.search_areas).toEqual(expect.arrayContaining(['B', 'C9']));
    expect(await check()).toBe(0);
    await db.pool.query(`INSERT INTO service_location (service_id, location_id) SELECT md5('s3')::uuid, md5('l2-1')::uuid ON CONFLICT DO NOTHING`);
    expect(await check()).toBe(0);
  }, 60_000);
});
