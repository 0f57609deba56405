/**
 * Directory search growth benchmark: how the p95 latency of `GET /v1/services`
 * grows when the map grows from 10,000 to 100,000 services (issue 16: <= x2
 * for every query kind).
 *
 * One scratch database: 10,000 services (with their organisations and
 * locations) are bulk-loaded in SQL, every query kind is timed, then 90,000
 * more are added to the same database and every kind is timed again. The
 * directory runs in its own process (as production runs it); the load
 * generator (one client, one request at a time: this is a latency benchmark)
 * is this process. For reference, the same query kinds are timed as bare SQL
 * on a pg pool in this process: the very statements the directory sends (its
 * search statements and the page's rows), without HTTP, token, validation or
 * ORM. Hub and bare alternate in rounds; p95 is taken over every round's runs.
 * Run from the repository root:
 *
 *   node --conditions=@referral-hub/source --import tsx services/directory/bench/search.ts
 *
 * Env: BENCH_SIZES (default "10000,100000"), BENCH_RUNS (runs per kind, side and
 * round, default 20), BENCH_ROUNDS (default 3), BENCH_EXPLAIN=1 (prints
 * EXPLAIN (ANALYZE, BUFFERS) of each kind's statements at each size).
 * Results and the machine they ran on: docs/benchmarks/directory-search.md.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { decodeCursor } from '@referral-hub/platform';
import { createServiceTestEnv } from '@referral-hub/testkit';
import { benchRowLine, freePort } from '@referral-hub/testkit/bench';
import type { Pool } from 'pg';
import { searchServicePage } from '../src/data-access/search.js';
import type { SearchPosition, ServiceSearchCriteria, SqlRunner } from '../src/data-access/search.js';
import { DEFAULT_RADIUS_KM, searchWords } from '../src/domain/search-services.js';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const GOAL = 2;
const PAGE = 50;
const SERVICES_PER_ORG = 50;
const LOCATIONS_PER_ORG = 10;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const startScript = fileURLToPath(new URL('../src/start.ts', import.meta.url));

const TYPES = ['case_management', 'medical_care', 'mhpss', 'legal_aid', 'education', 'safe_shelter', 'alternative_care', 'family_tracing_reunification', 'gbv_response', 'nutrition', 'cash_livelihoods', 'civil_documentation', 'police_justice', 'best_interests_determination', 'community_based_protection'];
const WORDS = ['écoute', 'santé', 'soutien', 'juridique', 'abri', 'famille', 'nutrition', 'école', 'enfant', 'protection', 'accueil', 'médiation', 'réunification', 'violence', 'documentation', 'counselling', 'shelter', 'legal', 'health', 'school'];

/** The query kinds timed: id (BENCH_ROW), label, query string (`__second__` is replaced by the first page's cursor). */
const KINDS: { id: string; label: string; query: string }[] = [
  { id: 'text', label: 'text only', query: 'q=ecoute' },
  { id: 'text-two-words', label: 'text, two words', query: 'q=sante famille' },
  { id: 'type-area', label: 'type + area', query: 'type=mhpss&area=P2' },
  { id: 'age-sex-language', label: 'age + sex + language', query: 'age=9&sex=female&language=rn' },
  { id: 'near', label: 'near + radius (20 km)', query: 'near=-3.38,29.36&radiusKm=20' },
  {
    id: 'all-combined',
    label: 'all combined',
    query: 'q=enfants&type=mhpss&type=legal_aid&type=case_management&type=education&area=P2&age=9&sex=female&language=fr&acceptsReferrals=true&capacity=available&capacity=waitlist&near=-3.38,29.36&radiusKm=100',
  },
  { id: 'second-page', label: 'no filter, second page', query: 'limit=20&cursor=__second__' },
];

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** Areas: 5 provinces × 6 communes × 4 zones × 5 collines. */
async function loadAreas(pool: Pool): Promise<void> {
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
}

/**
 * Services `from + 1` to `to` (numbered), with their organisations (one per 50
 * services) and each organisation's 10 locations (5% confidential): the map
 * grows as a network does, not only its services.
 */
async function loadServices(pool: Pool, from: number, to: number): Promise<void> {
  const orgFrom = from / SERVICES_PER_ORG + 1;
  const orgTo = to / SERVICES_PER_ORG;
  await pool.query(
    `INSERT INTO organization (id, name, type, area_codes)
     SELECT md5('org' || o)::uuid, 'Organisation ' || o, (ARRAY['ngo','government','un_agency','community_committee','other'])[1 + o % 5], '{}'
     FROM generate_series($1::int, $2::int) o`,
    [orgFrom, orgTo],
  );
  // Collines are numbered 0..599 in code order: P(1 + i/120)-C(1 + i/20 % 6)-Z(1 + i/5 % 4)-K(1 + i % 5).
  await pool.query(
    `INSERT INTO location (id, organization_id, name, area_code, address, latitude, longitude, confidential)
     SELECT md5('loc' || o || '-' || n)::uuid, md5('org' || o)::uuid, 'Site ' || n, 
            'P' || (1 + i / 120) || '-C' || (1 + i / 20 % 6) || '-Z' || (1 + i / 5 % 4) || '-K' || (1 + i % 5),
            'Adresse ' || n, -3.4 + (random() - 0.5) * 2.4, 29.9 + (random() - 0.5) * 1.6, (o * 10 + n) % 20 = 0
     FROM generate_series($1::int, $2::int) o, generate_series(1, ${LOCATIONS_PER_ORG}) n,
          LATERAL (SELECT (o * 10 + n) % 600 AS i) c`,
    [orgFrom, orgTo],
  );
  // Every attribute is drawn on its own (a hash of the service number and the
  // attribute), so that no filter is tied to another nor to the name order.
  const h = (k: number) => `abs(hashint4(s * 32 + ${k})::bigint)`;
  const org = `(1 + (s - 1) / ${SERVICES_PER_ORG})`;
  const colline = (n: string) => `pg_temp.colline_code(((${org} * 10 + ${n}) % 600)::int)`;
  // Bulk load without row triggers (session_replication_role = replica): the
  // services' search_areas, which the triggers keep, are written here from the
  // same data and checked below against the migration's own computation.
  const client = await pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`CREATE OR REPLACE FUNCTION pg_temp.colline_code(i int) RETURNS text LANGUAGE sql IMMUTABLE
      RETURN 'P' || (1 + i / 120) || '-C' || (1 + i / 20 % 6) || '-Z' || (1 + i / 5 % 4) || '-K' || (1 + i % 5)`);
    await client.query(
      `INSERT INTO service (id, organization_id, name_fr, name_en, description_fr, description_en, types, status,
                            min_age, max_age, sexes, languages, capacity_status, accepts_referrals, area_codes, verified_at, search_areas)
       SELECT md5('svc' || s)::uuid, md5('org' || ${org})::uuid,
              initcap(($1::text[])[1 + ${h(1)} % 20]) || ' ' || ($1::text[])[1 + ${h(2)} % 20] || ' ' || s,
              CASE WHEN ${h(3)} % 3 = 0 THEN NULL ELSE 'Service ' || ($1::text[])[1 + ${h(4)} % 20] || ' ' || s END,
              'Service de ' || ($1::text[])[1 + ${h(5)} % 20] || ' et ' || ($1::text[])[1 + ${h(6)} % 20] || ' pour les enfants et les familles.',
              NULL,
              ARRAY[($2::text[])[1 + ${h(7)} % 15]] || CASE WHEN ${h(8)} % 4 = 0 THEN ARRAY[($2::text[])[1 + ${h(9)} % 15]] ELSE '{}' END,
              (ARRAY['active','active','active','active','inactive','temporarily_closed'])[1 + ${h(10)} % 6],
              CASE WHEN ${h(11)} % 5 = 0 THEN NULL ELSE ${h(11)} % 8 END, CASE WHEN ${h(12)} % 7 = 0 THEN NULL ELSE 10 + ${h(12)} % 9 END,
              CASE ${h(13)} % 4 WHEN 0 THEN ARRAY[]::text[] WHEN 1 THEN ARRAY['female'] WHEN 2 THEN ARRAY['male'] ELSE ARRAY['female','male'] END,
              CASE ${h(14)} % 4 WHEN 0 THEN ARRAY['fr'] WHEN 1 THEN ARRAY['fr','rn'] WHEN 2 THEN ARRAY['rn','sw'] ELSE ARRAY['en','fr'] END,
              (ARRAY['available','waitlist','full','assessment_required'])[1 + ${h(15)} % 4],
              ${h(16)} % 9 <> 0,
              ARRAY[commune],
              now() - (${h(18)} % 400) * interval '1 day',
              (SELECT array_agg(DISTINCT u.code ORDER BY u.code) FROM admin_area a, unnest(a.ancestors) AS u (code)
               WHERE a.code = ANY (ARRAY[commune] || CASE WHEN ${h(21)} % 10 <> 0
                                     THEN ARRAY[${colline(`(1 + ${h(19)} % ${LOCATIONS_PER_ORG})`)}, ${colline(`(1 + ${h(20)} % ${LOCATIONS_PER_ORG})`)}]
                                     ELSE '{}' END))
       FROM generate_series($3::int, $4::int) s,
            LATERAL (SELECT 'P' || (1 + ${h(17)} % 30 / 6) || '-C' || (1 + ${h(17)} % 6) AS commune) c`,
      [WORDS, TYPES, from + 1, to],
    );
    // Each service at up to 2 of its organisation's locations (one in ten at none).
    await client.query(
      `INSERT INTO service_location (service_id, location_id)
       SELECT DISTINCT md5('svc' || s)::uuid, md5('loc' || ${org} || '-' || n)::uuid
       FROM generate_series($1::int, $2::int) s,
            LATERAL (VALUES (1 + ${h(19)} % ${LOCATIONS_PER_ORG}), (1 + ${h(20)} % ${LOCATIONS_PER_ORG})) AS pick(n)
       WHERE ${h(21)} % 10 <> 0`,
      [from + 1, to],
    );
    await client.query(`SET session_replication_role = DEFAULT`);
  } finally {
    client.release(true);
  }
  const wrong = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM service s
     JOIN directory_search_areas_of(ARRAY(SELECT md5('svc' || s)::uuid FROM generate_series($1::int, $2::int) s)) x ON x.service_id = s.id
     WHERE s.search_areas IS DISTINCT FROM x.areas`,
    [from + 1, to],
  );
  if (wrong.rows[0]?.n !== 0) throw new Error(`${wrong.rows[0]?.n} services loaded with search areas the triggers would not give`);
  await pool.query('ANALYZE');
}

/** The directory in its own process, as `npm start` runs it; resolves once `/readyz` answers 200. */
async function spawnDirectory(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', startScript], {
    cwd: repoRoot,
    env: { ...process.env, ...env, NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), DATABASE_POOL_MAX: '10' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The service's own output goes to stderr, so that stdout carries only this benchmark's lines.
  child.stdout?.pipe(process.stderr);
  child.stderr?.pipe(process.stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the directory exited (${child.exitCode}) before it was ready`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the directory was not ready within 90 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A query string as the directory's domain turns it into criteria (the bare side does no validation). */
function criteriaOf(params: URLSearchParams, viewerOrg: string): { criteria: ServiceSearchCriteria; limit: number; after?: SearchPosition } {
  const list = (name: string) => (params.getAll(name).length === 0 ? undefined : params.getAll(name));
  const num = (name: string) => (params.get(name) === null ? undefined : Number(params.get(name)));
  const near = params.get('near');
  const [latitude, longitude] = (near ?? '').split(',').map(Number);
  const cursor = params.get('cursor');
  const criteria: ServiceSearchCriteria = {
    words: searchWords(params.get('q') ?? undefined),
    ...(list('type') === undefined ? {} : { types: list('type') }),
    ...(params.get('area') === null ? {} : { area: params.get('area') ?? '' }),
    ...(num('age') === undefined ? {} : { age: num('age') }),
    ...(params.get('sex') === null ? {} : { sex: params.get('sex') ?? '' }),
    ...(params.get('language') === null ? {} : { language: params.get('language') ?? '' }),
    ...(params.get('acceptsReferrals') === null ? {} : { acceptsReferrals: params.get('acceptsReferrals') === 'true' }),
    ...(list('capacity') === undefined ? {} : { capacity: list('capacity') }),
    ...(near === null || latitude === undefined || longitude === undefined
      ? {}
      : { near: { latitude, longitude, radiusKm: num('radiusKm') ?? DEFAULT_RADIUS_KM } }),
    viewer: { organizationId: viewerOrg, seesEveryConfidentialLocation: false },
  };
  let after: SearchPosition | undefined;
  if (cursor !== null) {
    const [relevance, distanceM, sortName, id] = decodeCursor(cursor, ['number', 'number', 'string', 'uuid']);
    after = { relevance: Number(relevance), distanceM: Number(distanceM), sortName: String(sortName), id: String(id) };
  }
  return { criteria, limit: num('limit') ?? PAGE, ...(after === undefined ? {} : { after }) };
}

/** The page's rows as the directory reads them: the services and their locations. */
const PAGE_ROWS_SQL = `
  SELECT s.*, coalesce(json_agg(json_build_object('location', l.*) ORDER BY sl.location_id) FILTER (WHERE l.id IS NOT NULL), '[]') AS locations
  FROM service s
  LEFT JOIN service_location sl ON sl.service_id = s.id
  LEFT JOIN location l ON l.id = sl.location_id
  WHERE s.id = ANY($1::uuid[])
  GROUP BY s.id`;

type Timing = { hub: number[]; bare: number[]; results: number };

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const testEnv = await createServiceTestEnv({ name: 'directory-bench', migrationsDir });
  const pool = testEnv.database.pool;
  const sql: SqlRunner = async (statement) => (await pool.query(statement.text, statement.values)).rows;
  let directory: { url: string; stop: () => Promise<void> } | undefined;
  const figures = new Map<string, Map<number, { hub: number; bare: number; results: number }>>();
  try {
    directory = await spawnDirectory(testEnv.env);
    const viewerOrg = randomUUID();
    const authorization = await testEnv.authorization({ sub: 'bench', org: viewerOrg, roles: ['caseworker'] });
    await loadAreas(pool);
    console.log(`directory search growth: sizes ${SIZES.join(' -> ')} services, ${ROUNDS} rounds × ${RUNS} runs per kind and side, one request at a time`);
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    let loaded = 0;
    for (const size of SIZES) {
      const loadStarted = performance.now();
      await loadServices(pool, loaded, size);
      loaded = size;
      console.log(`\n${size} services loaded in ${Math.round(performance.now() - loadStarted)} ms`);
      const urls = new Map<string, string>();
      for (const kind of KINDS) {
        let query = kind.query;
        if (query.includes('__second__')) {
          const first = (await (await fetch(`${directory.url}/v1/services?limit=20`, { headers: { authorization } })).json()) as { nextCursor: string };
          query = query.replace('__second__', encodeURIComponent(first.nextCursor));
        }
        urls.set(kind.id, query);
      }
      const timings = new Map<string, Timing>(KINDS.map((kind) => [kind.id, { hub: [], bare: [], results: 0 }]));
      const hubOnce = async (query: string): Promise<[number, number]> => {
        const started = performance.now();
        const response = await fetch(`${directory?.url}/v1/services?${query}`, { headers: { authorization } });
        const body = (await response.json()) as { items?: unknown[] };
        const elapsed = performance.now() - started;
        if (response.status !== 200) throw new Error(`HTTP ${response.status} ${JSON.stringify(body)}`);
        return [elapsed, body.items?.length ?? 0];
      };
      const bareOnce = async (query: string): Promise<[number, number]> => {
        const started = performance.now();
        const { criteria, limit, after } = criteriaOf(new URLSearchParams(query), viewerOrg);
        const hits = await searchServicePage(sql, criteria, { limit: limit + 1, ...(after === undefined ? {} : { after }) });
        const rows = await pool.query(PAGE_ROWS_SQL, [hits.slice(0, limit).map((hit) => hit.id)]);
        return [performance.now() - started, rows.rowCount ?? 0];
      };
      for (const kind of KINDS) {
        const query = urls.get(kind.id) ?? '';
        for (let i = 0; i < 3; i++) {
          await hubOnce(query);
          await bareOnce(query);
        }
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const kind of KINDS) {
          const query = urls.get(kind.id) ?? '';
          const timing = timings.get(kind.id);
          if (timing === undefined) continue;
          for (let i = 0; i < RUNS; i++) {
            const [elapsed, results] = await hubOnce(query);
            timing.hub.push(elapsed);
            timing.results = results;
          }
          for (let i = 0; i < RUNS; i++) {
            const [elapsed, results] = await bareOnce(query);
            timing.bare.push(elapsed);
            if (results !== timing.results) throw new Error(`${kind.label}: the bare side read ${results} rows, the directory answered ${timing.results}`);
          }
        }
      }
      console.log(`| Kind | Query | results (page) | hub p50 ms | hub p95 ms | bare p50 ms | bare p95 ms |`);
      console.log('|---|---|---|---|---|---|---|');
      for (const kind of KINDS) {
        const timing = timings.get(kind.id);
        if (timing === undefined) continue;
        const hub = [...timing.hub].sort((a, b) => a - b);
        const bare = [...timing.bare].sort((a, b) => a - b);
        const f = (n: number) => n.toFixed(1);
        console.log(`| ${kind.label} | \`${kind.query}\` | ${timing.results} | ${f(percentile(hub, 50))} | ${f(percentile(hub, 95))} | ${f(percentile(bare, 50))} | ${f(percentile(bare, 95))} |`);
        const bySize = figures.get(kind.id) ?? new Map<number, { hub: number; bare: number; results: number }>();
        bySize.set(size, { hub: percentile(hub, 95), bare: percentile(bare, 95), results: timing.results });
        figures.set(kind.id, bySize);
      }
      if (EXPLAIN) {
        for (const kind of KINDS) {
          const { criteria, limit, after } = criteriaOf(new URLSearchParams(urls.get(kind.id) ?? ''), viewerOrg);
          console.log(`\nEXPLAIN ${kind.label} at ${size}:`);
          await searchServicePage(
            async (statement) => {
              const plan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values);
              console.log(plan.rows.map((row) => row['QUERY PLAN']).join('\n'));
              return (await pool.query(statement.text, statement.values)).rows;
            },
            criteria,
            { limit: limit + 1, ...(after === undefined ? {} : { after }) },
          );
        }
      }
    }
  } finally {
    await directory?.stop();
    await testEnv.cleanup();
  }

  const first = SIZES[0] ?? 0;
  const last = SIZES[SIZES.length - 1] ?? 0;
  console.log(`\ndirectory search p95 growth ${first} -> ${last} services (goal <= x${GOAL}), run in ${Math.round((performance.now() - benchStarted) / 1000)} s:`);
  for (const kind of KINDS) {
    const small = figures.get(kind.id)?.get(first);
    const large = figures.get(kind.id)?.get(last);
    if (small === undefined || large === undefined) continue;
    const ratio = large.hub / small.hub;
    const row = {
      id: `search-growth-${kind.id}`,
      path: `directory search p95, ${kind.label}`,
      hub: `${small.hub.toFixed(1)} ms -> ${large.hub.toFixed(1)} ms`,
      bare: `${small.bare.toFixed(1)} -> ${large.bare.toFixed(1)} ms`,
      ratio: Math.round(ratio * 100) / 100,
      ratioText: `x${ratio.toFixed(1)}`,
      goal: `<= x${GOAL}`,
      met: ratio <= GOAL,
    };
    console.log(`  ${kind.label.padEnd(24)} hub ${row.hub.padEnd(22)} bare ${row.bare.padEnd(18)} ${row.ratioText} (bare x${(large.bare / small.bare).toFixed(1)}) ${row.met ? 'met' : 'NOT met'}`);
    console.log(benchRowLine(row));
  }
}

await main();
