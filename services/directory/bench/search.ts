/**
 * Search latency benchmark: loads 10,000 services into a scratch database,
 * starts the directory in-process and times typical filter combinations
 * through HTTP. Run from the repository root:
 *
 *   node --conditions=@referral-hub/source --import tsx services/directory/bench/search.ts
 *
 * Env: BENCH_SERVICES (default 10000), BENCH_RUNS (per combination, default 200).
 * Results and the machine they ran on: docs/benchmarks/directory-search.md.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { Pool } from 'pg';
import { start } from '../src/start.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

const TYPES = ['case_management', 'medical_care', 'mhpss', 'legal_aid', 'education', 'safe_shelter', 'alternative_care', 'family_tracing_reunification', 'gbv_response', 'nutrition', 'cash_livelihoods', 'civil_documentation', 'police_justice', 'best_interests_determination', 'community_based_protection'];
const WORDS = ['écoute', 'santé', 'soutien', 'juridique', 'abri', 'famille', 'nutrition', 'école', 'enfant', 'protection', 'accueil', 'médiation', 'réunification', 'violence', 'documentation', 'counselling', 'shelter', 'legal', 'health', 'school'];

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function load(pool: Pool): Promise<void> {
  // Areas: 5 provinces × 6 communes × 4 zones × 5 collines.
  await pool.query(`
    INSERT INTO admin_area (code, parent_code, level, name_fr, name_en, ancestors)
    SELECT 'P' || p, NULL, 1, 'Province ' || p, 'Province ' || p, ARRAY['P' || p] FROM generate_series(1, 5) p;
    INSERT INTO admin_area (code, parent_code, level, name_fr, name_en, ancestors)
    SELECT 'P' || p || '-C' || c, 'P' || p, 2, 'Commune ' || c, 'Commune ' || c, ARRAY['P' || p, 'P' || p || '-C' || c]
    FROM generate_series(1, 5) p, generate_series(1, 6) c;
    INSERT INTO admin_area (code, parent_code, level, name_fr, name_en, ancestors)
    SELECT 'P' || p || '-C' || c || '-Z' || z, 'P' || p || '-C' || c, 3, 'Zone ' || z, 'Zone ' || z,
           ARRAY['P' || p, 'P' || p || '-C' || c, 'P' || p || '-C' || c || '-Z' || z]
    FROM generate_series(1, 5) p, generate_series(1, 6) c, generate_series(1, 4) z;
    INSERT INTO admin_area (code, parent_code, level, name_fr, name_en, ancestors)
    SELECT a.code || '-K' || k, a.code, 4, 'Colline ' || k, 'Hill ' || k, a.ancestors || (a.code || '-K' || k)
    FROM admin_area a, generate_series(1, 5) k WHERE a.level = 3;`);
  await pool.query(`
    INSERT INTO organization (id, name, type, area_codes)
    SELECT gen_random_uuid(), 'Organisation ' || o, (ARRAY['ngo','government','un_agency','community_committee','other'])[1 + o % 5], '{}'
    FROM generate_series(1, 200) o`);
  await pool.query(`
    INSERT INTO location (id, organization_id, name, area_code, address, latitude, longitude, confidential)
    SELECT gen_random_uuid(), o.id, 'Site ' || n, a.code, 'Adresse ' || n,
           -3.4 + (random() - 0.5) * 2.4, 29.9 + (random() - 0.5) * 1.6, n % 20 = 0
    FROM (SELECT id, row_number() OVER () AS r FROM organization) o,
         generate_series(1, 10) n,
         LATERAL (SELECT code FROM admin_area WHERE level = 4 ORDER BY code OFFSET ((o.r * 10 + n) % 600) LIMIT 1) a`);
  await pool.query(
    `INSERT INTO service (id, organization_id, name_fr, name_en, description_fr, description_en, types, status,
                          min_age, max_age, sexes, languages, capacity_status, accepts_referrals, area_codes, verified_at)
     SELECT gen_random_uuid(), o.id,
            initcap(($1::text[])[1 + (s * 7) % 20]) || ' ' || ($1::text[])[1 + (s * 13) % 20] || ' ' || s,
            CASE WHEN s % 3 = 0 THEN NULL ELSE 'Service ' || ($1::text[])[1 + (s * 11) % 20] || ' ' || s END,
            'Service de ' || ($1::text[])[1 + (s * 3) % 20] || ' et ' || ($1::text[])[1 + (s * 17) % 20] || ' pour les enfants et les familles.',
            NULL,
            ARRAY[($2::text[])[1 + s % 15]] || CASE WHEN s % 4 = 0 THEN ARRAY[($2::text[])[1 + (s / 4) % 15]] ELSE '{}' END,
            (ARRAY['active','active','active','active','inactive','temporarily_closed'])[1 + s % 6],
            CASE WHEN s % 5 = 0 THEN NULL ELSE s % 8 END, CASE WHEN s % 7 = 0 THEN NULL ELSE 10 + s % 9 END,
            CASE s % 4 WHEN 0 THEN ARRAY[]::text[] WHEN 1 THEN ARRAY['female'] WHEN 2 THEN ARRAY['male'] ELSE ARRAY['female','male'] END,
            CASE s % 4 WHEN 0 THEN ARRAY['fr'] WHEN 1 THEN ARRAY['fr','rn'] WHEN 2 THEN ARRAY['rn','sw'] ELSE ARRAY['en','fr'] END,
            (ARRAY['available','waitlist','full','assessment_required'])[1 + s % 4],
            s % 9 <> 0,
            ARRAY[(SELECT code FROM admin_area WHERE level = 2 ORDER BY code OFFSET (s % 30) LIMIT 1)],
            now() - (s % 400) * interval '1 day'
     FROM generate_series(1, $3::int) s
     JOIN (SELECT id, row_number() OVER () - 1 AS r FROM organization) o ON o.r = s % 200`,
    [WORDS, TYPES, SERVICES],
  );
  await pool.query(`
    INSERT INTO service_location (service_id, location_id)
    SELECT DISTINCT ON (s.id, l.id) s.id, l.id
    FROM service s
    JOIN LATERAL (SELECT id FROM location WHERE organization_id = s.organization_id ORDER BY id OFFSET (abs(hashtext(s.id::text)) % 9) LIMIT 2) l ON TRUE`);
  await pool.query('ANALYZE');
}

async function main(): Promise<void> {
  const testEnv = await createServiceTestEnv({ name: 'directory-bench', migrationsDir });
  const service = await start({ env: { ...testEnv.env, DATABASE_POOL_MAX: '10' } });
  try {
    const loadStarted = performance.now();
    await load(testEnv.database.pool);
    const loadMs = performance.now() - loadStarted;
    const count = (await testEnv.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM service')).rows[0]?.n;
    const authorization = await testEnv.authorization({ sub: 'bench', org: randomUUID(), roles: ['caseworker'] });

    const combinations: [string, string][] = [
      ['text only', 'q=ecoute'],
      ['text, two words', 'q=sante famille'],
      ['type + area', 'type=mhpss&area=P2'],
      ['age + sex + language', 'age=9&sex=female&language=rn'],
      ['near + radius (20 km)', 'near=-3.38,29.36&radiusKm=20'],
      ['all combined', 'q=enfants&type=mhpss,legal_aid,case_management,education&area=P2&age=9&sex=female&language=fr&acceptsReferrals=true&capacity=available,waitlist&near=-3.38,29.36&radiusKm=100'],
      ['no filter, second page', 'limit=20&cursor=__second__'],
    ];
    console.log(`directory search benchmark: ${count} services, ${RUNS} runs per combination, load ${Math.round(loadMs)} ms`);
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
    console.log('| Combination | results (page) | p50 ms | p95 ms | p99 ms |');
    console.log('|---|---|---|---|---|');
    for (const [label, rawQuery] of combinations) {
      let query = rawQuery;
      if (query.includes('__second__')) {
        const first = (await (await fetch(`${service.url}/v1/services?limit=20`, { headers: { authorization } })).json()) as { nextCursor: string };
        query = query.replace('__second__', first.nextCursor);
      }
      const url = `${service.url}/v1/services?${query}`;
      let results = 0;
      for (let i = 0; i < 10; i++) await (await fetch(url, { headers: { authorization } })).arrayBuffer(); // warm-up
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        const response = await fetch(url, { headers: { authorization } });
        const body = (await response.json()) as { items?: unknown[] };
        times.push(performance.now() - started);
        if (response.status !== 200) throw new Error(`${label}: HTTP ${response.status} ${JSON.stringify(body)}`);
        results = body.items?.length ?? 0;
      }
      times.sort((a, b) => a - b);
      const f = (n: number) => n.toFixed(1);
      console.log(`| ${label} | ${results} | ${f(percentile(times, 50))} | ${f(percentile(times, 95))} | ${f(percentile(times, 99))} |`);
    }
  } finally {
    await service.stop();
    await testEnv.cleanup();
  }
}

await main();
