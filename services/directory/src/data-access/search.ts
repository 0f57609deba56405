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

const KM_PER_DEGREE = 111.195;

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
  const where: Prisma.Sql[] = [Prisma.sql`TRUE`];
  for (const word of criteria.words) {
    where.push(Prisma.sql`s.search_text LIKE '%' || directory_search_normalize(${escapeLike(word)}) || '%'`);
  }
  if (criteria.types !== undefined) where.push(Prisma.sql`s.types && ${[...criteria.types]}::text[]`);
  if (criteria.area !== undefined) {
    const area = criteria.area;
    where.push(Prisma.sql`(
      s.area_codes && ARRAY(SELECT a.code FROM admin_area a WHERE a.ancestors @> ARRAY[${area}]::text[])
      OR EXISTS (SELECT 1 FROM service_location sl JOIN location l ON l.id = sl.location_id
                 JOIN admin_area la ON la.code = l.area_code
                 WHERE sl.service_id = s.id AND la.ancestors @> ARRAY[${area}]::text[]))`);
  }
  if (criteria.age !== undefined) {
    where.push(Prisma.sql`(s.min_age IS NULL OR s.min_age <= ${criteria.age}) AND (s.max_age IS NULL OR s.max_age >= ${criteria.age})`);
  }
  if (criteria.sex !== undefined) where.push(Prisma.sql`(cardinality(s.sexes) = 0 OR ${criteria.sex} = ANY(s.sexes))`);
  if (criteria.language !== undefined) where.push(Prisma.sql`${criteria.language} = ANY(s.languages)`);
  if (criteria.acceptsReferrals !== undefined) where.push(Prisma.sql`s.accepts_referrals = ${criteria.acceptsReferrals}`);
  if (criteria.capacity !== undefined) where.push(Prisma.sql`s.capacity_status = ANY(${[...criteria.capacity]}::text[])`);
  if (criteria.status !== undefined) where.push(Prisma.sql`s.status = ANY(${[...criteria.status]}::text[])`);
  if (criteria.organizationId !== undefined) where.push(Prisma.sql`s.organization_id = ${criteria.organizationId}::uuid`);

  const relevance =
    criteria.words.length === 0
      ? Prisma.sql`0`
      : Prisma.join(
          criteria.words.map(
            (word) => Prisma.sql`(s.search_name LIKE '%' || directory_search_normalize(${escapeLike(word)}) || '%')::int`,
          ),
          ' + ',
        );

  let nearHits = Prisma.sql``;
  let distanceJoin = Prisma.sql``;
  let distance = Prisma.sql`0::bigint`;
  const { near } = criteria;
  if (near !== undefined) {
    const { viewer } = criteria;
    // A bounding box first (index-friendly), then the exact great-circle distance.
    const dLat = (near.radiusKm / KM_PER_DEGREE) * 1.01;
    const cosLat = Math.cos((near.latitude * Math.PI) / 180);
    const dLon = cosLat < 0.01 ? 360 : (near.radiusKm / (KM_PER_DEGREE * cosLat)) * 1.01;
    const lonBox =
      dLon >= 180
        ? Prisma.sql`TRUE`
        : Prisma.sql`(l.longitude BETWEEN ${near.longitude - dLon} AND ${near.longitude + dLon}
                      OR l.longitude + 360 BETWEEN ${near.longitude - dLon} AND ${near.longitude + dLon}
                      OR l.longitude - 360 BETWEEN ${near.longitude - dLon} AND ${near.longitude + dLon})`;
    // Hidden coordinates never take part: an outsider gets no match and no
    // ordering from a confidential location (see README, "Confidential locations").
    nearHits = Prisma.sql`near_hits AS (
      SELECT sl.service_id, min(d.distance_m) AS distance_m
      FROM location l
      JOIN service_location sl ON sl.location_id = l.id
      CROSS JOIN LATERAL (SELECT round(directory_distance_km(${near.latitude}::float8, ${near.longitude}::float8, l.latitude, l.longitude) * 1000)::bigint AS distance_m) d
      WHERE l.latitude BETWEEN ${near.latitude - dLat} AND ${near.latitude + dLat} AND ${lonBox}
        AND (NOT l.confidential OR ${viewer.seesEveryConfidentialLocation} OR l.organization_id = ${viewer.organizationId}::uuid)
        AND d.distance_m <= ${Math.round(near.radiusKm * 1000)}
      GROUP BY sl.service_id),`;
    distanceJoin = Prisma.sql`JOIN near_hits nh ON nh.service_id = s.id`;
    distance = Prisma.sql`nh.distance_m`;
  }

  const after = options.after;
  const keyset =
    after === undefined
      ? Prisma.sql`TRUE`
      : Prisma.sql`(-c.relevance, c.distance_m, c.sort_name COLLATE "C", c.id) > (${-after.relevance}::int, ${after.distanceM}::bigint, ${after.sortName} COLLATE "C", ${after.id}::uuid)`;

  const rows = await tx.$queryRaw<{ id: string; relevance: number; distance_m: bigint | number; sort_name: string }[]>`
    WITH ${nearHits} c AS (
      SELECT s.id, s.sort_name, (${relevance})::int AS relevance, ${distance} AS distance_m
      FROM service s ${distanceJoin}
      WHERE ${Prisma.join(where, ' AND ')}
    )
    SELECT c.id, c.relevance, c.distance_m, c.sort_name FROM c
    WHERE ${keyset}
    ORDER BY c.relevance DESC, c.distance_m ASC, c.sort_name COLLATE "C" ASC, c.id ASC
    LIMIT ${options.limit}`;
  return rows.map((row) => ({
    id: row.id,
    relevance: Number(row.relevance),
    distanceM: Number(row.distance_m),
    sortName: row.sort_name,
  }));
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
