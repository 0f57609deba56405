import { Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';

/** Search filters, already validated by the domain. Every given filter must hold. */
export type ServiceSearchCriteria = {
  /** Words that must all appear (accent- and case-insensitively) in a name or description. */
  words: readonly string[];
  types?: readonly string[];
  area?: string;
  age?: number;
  sex?: string;
  language?: string;
  acceptsReferrals?: boolean;
  capacity?: readonly string[];
  status?: readonly string[];
  organizationId?: string;
  near?: { latitude: number; longitude: number; radiusKm: number };
  /** Whose confidential locations count for proximity: the caller's own organisation, or every one (coordinators). */
  viewer: { organizationId: string; seesEveryConfidentialLocation: boolean };
};

/** The sort key of a result: relevance (descending), distance in metres, name, id. */
export type SearchPosition = { relevance: number; distanceM: number; sortName: string; id: string };

export type SearchHit = SearchPosition;

/** `%` and `_` are LIKE wildcards; a searched word must match literally. */
function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const EARTH_RADIUS_KM = 6371.0088;

/**
 * A proximity page walks at most this many locations, nearest first; when they
 * do not fill it (the level is rare around the point), each candidate's
 * distance is measured instead.
 */
const NEAR_WALK_MAX = 500;

/** The thresholds between the ways a page is read (tests set them to force each way; the results never depend on them). */
export type SearchTuning = { nearWalkMax?: number; nameOrderScan?: number };

/** Runs one SQL statement and returns its rows: the directory's transaction, or a bare pg pool (benchmark). */
export type SqlRunner = (statement: Prisma.Sql) => Promise<Record<string, unknown>[]>;

/**
 * One page of service ids matching every criterion, in the stable order
 * relevance ↓, distance ↑, name ↑ (byte order), id ↑, strictly after `after`.
 * Distances are whole metres and relevance an integer, so the cursor holds the
 * exact key and paging never repeats or skips a service.
 */
export async function searchServiceIds(
  tx: Tx,
  criteria: ServiceSearchCriteria,
  options: { limit: number; after?: SearchPosition },
): Promise<SearchHit[]> {
  return searchServicePage((statement) => tx.$queryRaw<Record<string, unknown>[]>(statement), criteria, options);
}

/**
 * {@link searchServiceIds} on any {@link SqlRunner}.
 *
 * Never ranks nor sorts the whole candidate set: relevance is an integer (how
 * many words of `q` are in a name), so the page is read one relevance level at
 * a time, best first, each level in an order an index gives (name, or
 * distance from the nearest locations), stopping as soon as the page is full.
 */
export async function searchServicePage(
  run: SqlRunner,
  criteria: ServiceSearchCriteria,
  options: { limit: number; after?: SearchPosition; tuning?: SearchTuning },
): Promise<SearchHit[]> {
  const tuning = { nearWalkMax: NEAR_WALK_MAX, nameOrderScan: NAME_ORDER_SCAN, ...options.tuning };
  const filters = filterConditions(criteria);
  const hits: SearchHit[] = [];
  const { after } = options;
  for (const level of relevanceLevels(criteria.words)) {
    if (after !== undefined && level.relevance > after.relevance) continue;
    const from = after !== undefined && level.relevance === after.relevance ? after : undefined;
    const limit = options.limit - hits.length;
    const where = Prisma.join([...filters, level.condition], ' AND ');
    const rows =
      criteria.near === undefined
        ? await byName(run, where, limit, from, tuning.nameOrderScan)
        : await byDistance(run, where, criteria.near, criteria.viewer, limit, from, tuning.nearWalkMax);
    hits.push(...rows.map((row) => ({ ...row, relevance: level.relevance })));
    if (hits.length >= options.limit) break;
  }
  return hits;
}

/** Every criterion but the words (see {@link relevanceLevels}) and the distance, as conditions on `s` (a service). */
function filterConditions(criteria: ServiceSearchCriteria): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (criteria.types !== undefined) where.push(Prisma.sql`s.types && ${[...criteria.types]}::text[]`);
  // search_areas: the served areas and the locations' areas with all their ancestors (kept by triggers).
  if (criteria.area !== undefined) where.push(Prisma.sql`s.search_areas @> ARRAY[${criteria.area}]::text[]`);
  if (criteria.age !== undefined) {
    where.push(Prisma.sql`(s.min_age IS NULL OR s.min_age <= ${criteria.age}) AND (s.max_age IS NULL OR s.max_age >= ${criteria.age})`);
  }
  if (criteria.sex !== undefined) where.push(Prisma.sql`(cardinality(s.sexes) = 0 OR ${criteria.sex} = ANY(s.sexes))`);
  if (criteria.language !== undefined) where.push(Prisma.sql`s.languages @> ARRAY[${criteria.language}]::text[]`);
  if (criteria.acceptsReferrals !== undefined) where.push(Prisma.sql`s.accepts_referrals = ${criteria.acceptsReferrals}`);
  if (criteria.capacity !== undefined) where.push(Prisma.sql`s.capacity_status = ANY(${[...criteria.capacity]}::text[])`);
  if (criteria.status !== undefined) where.push(Prisma.sql`s.status = ANY(${[...criteria.status]}::text[])`);
  if (criteria.organizationId !== undefined) where.push(Prisma.sql`s.organization_id = ${criteria.organizationId}::uuid`);
  if (where.length === 0) where.push(Prisma.sql`TRUE`);
  return where;
}

/**
 * The relevance levels of a query, best first, each with the condition that
 * every word is in a name or description and exactly that many are in a name.
 * A word in a name is in `search_text` too (it starts with the names), so it
 * is asked of `search_name` alone. Written as plain LIKEs (not a sum) for up
 * to three words, so that the planner estimates them from the statistics and
 * the trigram indexes serve the rare ones.
 */
function relevanceLevels(words: readonly string[]): { relevance: number; condition: Prisma.Sql }[] {
  if (words.length === 0) return [{ relevance: 0, condition: Prisma.sql`TRUE` }];
  const pattern = (word: string) => Prisma.sql`'%' || directory_search_normalize(${escapeLike(word)}) || '%'`;
  const inName = words.map((word) => Prisma.sql`s.search_name LIKE ${pattern(word)}`);
  const inText = words.map((word) => Prisma.sql`s.search_text LIKE ${pattern(word)}`);
  const levels: { relevance: number; condition: Prisma.Sql }[] = [];
  for (let relevance = words.length; relevance >= 0; relevance--) {
    let condition: Prisma.Sql;
    if (words.length <= 3) {
      const combinations: Prisma.Sql[] = [];
      for (let mask = 0; mask < 1 << words.length; mask++) {
        const chosen = inName.map((_, i) => (mask >> i) & 1);
        if (chosen.reduce((a, b) => a + b, 0) !== relevance) continue;
        combinations.push(
          Prisma.sql`(${Prisma.join(inName.map((like, i) => (chosen[i] === 1 ? like : Prisma.sql`NOT ${like} AND ${inText[i]}`)), ' AND ')})`,
        );
      }
      condition = Prisma.sql`(${Prisma.join(combinations, ' OR ')})`;
    } else {
      condition = Prisma.sql`${Prisma.join(inText, ' AND ')} AND (${Prisma.join(inName.map((like) => Prisma.sql`(${like})::int`), ' + ')}) = ${relevance}`;
    }
    levels.push({ relevance, condition });
  }
  return levels;
}

type Row = { id: string; sortName: string; distanceM: number };

function toRow(row: Record<string, unknown>): Row {
  return { id: String(row.id), sortName: String(row.sort_name), distanceM: Number(row.distance_m ?? 0) };
}

/** Rows read in name order at first, before a level may be taken as rare. */
const NAME_ORDER_SCAN = 1000;

/**
 * One level without proximity, in name order. The services are read in name
 * order (the (sort_name, id) index) a batch at a time, keeping those of the
 * level: when the level is common, the page is full after a batch or two.
 * When the batches read so far show it rare (the page would need more than
 * five times NAME_ORDER_SCAN rows), the rest of the level is found from the
 * indexes of its filters (trigram, areas, types...) and sorted instead.
 */
async function byName(
  run: SqlRunner,
  where: Prisma.Sql,
  limit: number,
  after: SearchPosition | undefined,
  scan: number,
): Promise<Row[]> {
  const keyset = (position: { sortName: string; id: string } | undefined) =>
    position === undefined
      ? Prisma.sql`TRUE`
      : Prisma.sql`(s.sort_name COLLATE "C", s.id) > (${position.sortName} COLLATE "C", ${position.id}::uuid)`;
  const rows: Row[] = [];
  let position: { sortName: string; id: string } | undefined = after;
  let batch = scan;
  for (let attempt = 0; attempt < 3; attempt++) {
    // The level's services among the next `batch` in name order, and the last
    // one read (rn = batch) when the batch ends before the page is full; the
    // scan stops as soon as the page is.
    const scanned = await run(Prisma.sql`
      SELECT p.id, p.sort_name, p.hit, p.rn FROM (
        SELECT s.id, s.sort_name, (${where}) AS hit,
               row_number() OVER (ORDER BY s.sort_name COLLATE "C", s.id) AS rn
        FROM service s
        WHERE ${keyset(position)}
        ORDER BY s.sort_name COLLATE "C", s.id
        LIMIT ${batch}) p
      WHERE p.hit OR p.rn = ${batch}
      LIMIT ${limit - rows.length}`);
    const hits = scanned.filter((row) => row.hit === true).map(toRow);
    rows.push(...hits);
    const last = scanned.find((row) => Number(row.rn) === batch);
    if (rows.length >= limit || last === undefined) return rows;
    position = { sortName: String(last.sort_name), id: String(last.id) };
    const needed = hits.length === 0 ? Number.POSITIVE_INFINITY : ((limit - rows.length) * batch) / hits.length;
    if (needed > 5 * scan) break;
    batch = Math.min(5 * scan, Math.ceil(needed * 1.5));
  }
  // Rare: "|| ''" keeps the planner from walking the name index again (same order, same collation).
  const rest = await run(Prisma.sql`
    SELECT s.id, s.sort_name FROM service s
    WHERE ${where} AND ${keyset(position)}
    ORDER BY (s.sort_name COLLATE "C") || '', s.id
    LIMIT ${limit - rows.length}`);
  return [...rows, ...rest.map(toRow)];
}

/** Half the side of the cube (unit sphere) that holds every point within `metres` of its centre, with a metre to spare. */
function chordOf(metres: number): number {
  return 2 * Math.sin(Math.min(Math.PI, (metres + 1) / 1000 / EARTH_RADIUS_KM) / 2);
}

/**
 * One level with proximity: distance (each service's nearest location the
 * viewer may see, whole metres), then name, then id. Hidden coordinates never
 * take part: an outsider gets no match and no ordering from a confidential
 * location (see README, "Confidential locations").
 *
 * The visible locations are walked nearest first (GiST k-nearest-neighbour
 * order on the unit sphere), each service taken at its nearest one, until the
 * page is full: the cost depends on the page, not on the size of the map.
 * When `walkMax` locations do not fill it, the level is rare around the
 * point and each of its services is measured instead.
 */
async function byDistance(
  run: SqlRunner,
  where: Prisma.Sql,
  near: NonNullable<ServiceSearchCriteria['near']>,
  viewer: ServiceSearchCriteria['viewer'],
  limit: number,
  after: SearchPosition | undefined,
  walkMax: number,
): Promise<Row[]> {
  const radiusM = Math.round(near.radiusKm * 1000);
  const visible = (alias: string) =>
    Prisma.sql`(NOT ${Prisma.raw(alias)}.confidential OR ${viewer.seesEveryConfidentialLocation} OR ${Prisma.raw(alias)}.organization_id = ${viewer.organizationId}::uuid)`;
  const distanceM = (alias: string) =>
    Prisma.sql`round(directory_distance_km(${near.latitude}::float8, ${near.longitude}::float8, ${Prisma.raw(alias)}.latitude, ${Prisma.raw(alias)}.longitude) * 1000)::bigint`;
  const point = Prisma.sql`public.cube(ARRAY[cos(radians(${near.latitude}::float8)) * cos(radians(${near.longitude}::float8)),
    cos(radians(${near.latitude}::float8)) * sin(radians(${near.longitude}::float8)), sin(radians(${near.latitude}::float8))])`;
  const withinCube = (alias: string, metres: number) =>
    Prisma.sql`${Prisma.raw(alias)}.earth_point <@ public.cube_enlarge(${point}, ${chordOf(metres)}::float8, 3)`;
  const keyset = (distance: Prisma.Sql) =>
    after === undefined
      ? Prisma.sql`TRUE`
      : Prisma.sql`(${distance}, s.sort_name COLLATE "C", s.id) > (${after.distanceM}::bigint, ${after.sortName} COLLATE "C", ${after.id}::uuid)`;

  // An empty level (often the best ones) is not walked at all.
  const any = await run(Prisma.sql`SELECT EXISTS (SELECT 1 FROM service s WHERE ${where}) AS found`);
  if (any[0]?.found !== true) return [];

  // The walk: the walkMax nearest visible locations at most (the page is
  // usually full long before).
  const walked = (
    await run(Prisma.sql`
      SELECT s.id, s.sort_name, loc.distance_m
      FROM (SELECT l.id, l.earth_point <-> ${point} AS chord, ${distanceM('l')} AS distance_m
            FROM location l
            WHERE l.earth_point IS NOT NULL AND ${visible('l')}
            ORDER BY l.earth_point <-> ${point}
            LIMIT ${walkMax}) loc
      CROSS JOIN LATERAL (
        -- OFFSET 0 keeps this a per-location lookup, so the walk stays in distance order and stops early.
        SELECT s.id, s.sort_name FROM service_location sl JOIN service s ON s.id = sl.service_id
        WHERE sl.location_id = loc.id AND ${where} AND ${keyset(Prisma.sql`loc.distance_m`)}
          AND NOT EXISTS (
            SELECT 1 FROM service_location sl2 JOIN location l2 ON l2.id = sl2.location_id
            WHERE sl2.service_id = s.id AND l2.id <> loc.id AND l2.earth_point IS NOT NULL AND ${visible('l2')}
              AND (l2.earth_point <-> ${point} < loc.chord OR (l2.earth_point <-> ${point} = loc.chord AND l2.id < loc.id)))
        OFFSET 0) s
      WHERE loc.distance_m <= ${radiusM}
      ORDER BY loc.chord
      LIMIT ${limit}`)
  ).map(toRow);

  if (walked.length >= limit) {
    // Every service nearer than the page's last one was walked; others at that
    // same distance (whole metres) may come before it by name: read them all.
    const boundM = Math.max(...walked.map((row) => row.distanceM));
    const tied = (
      await run(Prisma.sql`
        SELECT DISTINCT s.id, s.sort_name, loc.distance_m
        FROM (SELECT l.id, ${distanceM('l')} AS distance_m FROM location l WHERE ${withinCube('l', boundM)} AND ${visible('l')}) loc
        JOIN service_location sl ON sl.location_id = loc.id
        JOIN service s ON s.id = sl.service_id
        WHERE loc.distance_m = ${boundM} AND ${where} AND ${keyset(Prisma.sql`loc.distance_m`)}
          AND NOT EXISTS (
            SELECT 1 FROM service_location sl2 JOIN location l2 ON l2.id = sl2.location_id
            WHERE sl2.service_id = s.id AND l2.latitude IS NOT NULL AND ${visible('l2')} AND ${distanceM('l2')} < ${boundM})`)
    ).map(toRow);
    const page = new Map<string, Row>();
    for (const row of [...walked.filter((row) => row.distanceM < boundM), ...tied]) page.set(row.id, row);
    return [...page.values()].sort(compareRows).slice(0, limit);
  }
  // Not full: complete if the walk saw every location within the radius (the
  // radius' cube holds them all, and no more than walkMax locations).
  const box = await run(Prisma.sql`SELECT count(*)::int AS n FROM location b WHERE ${withinCube('b', radiusM)}`);
  if (Number(box[0]?.n ?? 0) <= walkMax) return walked.sort(compareRows);

  // Rare around the point: measure each service of the level.
  const rows = await run(Prisma.sql`
    SELECT s.id, s.sort_name, nd.distance_m FROM service s
    CROSS JOIN LATERAL (
      SELECT min(${distanceM('l')}) AS distance_m
      FROM service_location sl JOIN location l ON l.id = sl.location_id
      WHERE sl.service_id = s.id AND l.latitude IS NOT NULL AND ${visible('l')}) nd
    WHERE ${where} AND nd.distance_m <= ${radiusM} AND ${keyset(Prisma.sql`nd.distance_m`)}
    ORDER BY nd.distance_m, s.sort_name COLLATE "C", s.id
    LIMIT ${limit}`);
  return rows.map(toRow);
}

/** The order of one level: distance, name in byte order (COLLATE "C" on UTF-8), id. */
function compareRows(a: Row, b: Row): number {
  if (a.distanceM !== b.distanceM) return a.distanceM - b.distanceM;
  const byName = Buffer.compare(Buffer.from(a.sortName, 'utf8'), Buffer.from(b.sortName, 'utf8'));
  if (byName !== 0) return byName;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** One cell of the gap report. */
export type GapCell = { type: string; areaCode: string; services: number };

/**
 * Per taxonomy term × area of `level`: active services that take referrals,
 * in the area or below it (served areas or locations).
 */
export async function countServicesByTypeAndArea(tx: Tx, level: number): Promise<GapCell[]> {
  const rows = await tx.$queryRaw<{ type: string; area_code: string; services: number }[]>`
    SELECT t.code AS type, a.code AS area_code, count(DISTINCT s.id)::int AS services
    FROM taxonomy_term t
    CROSS JOIN admin_area a
    LEFT JOIN service s ON s.status = 'active' AND s.accepts_referrals AND t.code = ANY(s.types) AND (
      EXISTS (SELECT 1 FROM admin_area sa WHERE sa.code = ANY(s.area_codes) AND sa.ancestors @> ARRAY[a.code])
      OR EXISTS (SELECT 1 FROM service_location sl JOIN location l ON l.id = sl.location_id
                 JOIN admin_area la ON la.code = l.area_code
                 WHERE sl.service_id = s.id AND la.ancestors @> ARRAY[a.code]))
    WHERE a.level = ${level}
    GROUP BY t.code, a.code
    ORDER BY t.code, a.code`;
  return rows.map((row) => ({ type: row.type, areaCode: row.area_code, services: Number(row.services) }));
}
