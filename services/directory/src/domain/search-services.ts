import { decodeCursor, encodeCursor, validationError } from '@referral-hub/platform';
import type { FieldError, Page, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findAdminArea, unknownTaxonomyCodes } from '../data-access/reference-data.js';
import { searchServiceIds } from '../data-access/search.js';
import type { SearchPosition, ServiceSearchCriteria } from '../data-access/search.js';
import { findServicesByIds } from '../data-access/services.js';
import { can, requireAccess } from './access.js';
import { toService } from './views.js';
import type { Service, Staleness } from './views.js';

export type ServiceSearchQuery = {
  q?: string;
  type?: string[];
  area?: string;
  age?: number;
  sex?: string;
  language?: string;
  acceptsReferrals?: boolean;
  capacity?: string[];
  status?: string[];
  organizationId?: string;
  near?: string;
  radiusKm?: number;
  cursor?: string;
  limit: number;
};

/** Default search radius when `near` comes without `radiusKm`. */
export const DEFAULT_RADIUS_KM = 50;

/** Splits free text into the words that must all match. */
export function searchWords(q: string | undefined): string[] {
  return (q ?? '')
    .split(/[\s,;:!?()"'«»]+/u)
    .map((word) => word.trim())
    .filter((word) => word.length > 0)
    .slice(0, 10);
}

function parseNear(near: string): { latitude: number; longitude: number } | undefined {
  const [lat, lon] = near.split(',').map((part) => Number(part.trim()));
  if (lat === undefined || lon === undefined || !Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return undefined;
  return { latitude: lat, longitude: lon };
}

/**
 * Searches the map: every filter given must hold; ordered by relevance, then
 * distance, then name, then id. Any member of the network may search.
 * Confidential locations count for proximity only for the callers who may see
 * them, so an outsider can learn nothing of their position from the results.
 */
export async function searchServices(
  deps: { db: DirectoryDatabase; staleness: Staleness },
  principal: Principal,
  query: ServiceSearchQuery,
): Promise<Page<Service>> {
  requireAccess(principal, 'directory.read');
  const errors: FieldError[] = [];
  let near: ServiceSearchCriteria['near'];
  if (query.near !== undefined) {
    const point = parseNear(query.near);
    if (point === undefined) errors.push({ field: 'query.near', message: 'must be "lat,lon" with -90 ≤ lat ≤ 90 and -180 ≤ lon ≤ 180', code: 'format' });
    else near = { ...point, radiusKm: query.radiusKm ?? DEFAULT_RADIUS_KM };
  } else if (query.radiusKm !== undefined) {
    errors.push({ field: 'query.near', message: 'is required with radiusKm', code: 'required' });
  }
  if (query.type !== undefined) {
    const unknown = new Set(await unknownTaxonomyCodes(deps.db.client, query.type));
    query.type.forEach((code, index) => {
      if (unknown.has(code)) errors.push({ field: `query.type[${index}]`, message: 'is not a code of the taxonomy', code: 'unknown_type' });
    });
  }
  if (query.area !== undefined && (await findAdminArea(deps.db.client, query.area)) === null) {
    errors.push({ field: 'query.area', message: 'is not a known area code', code: 'unknown_area' });
  }
  let after: SearchPosition | undefined;
  if (query.cursor !== undefined) {
    const [relevance, distanceM, sortName, id] = decodeCursor(query.cursor, 4);
    if (typeof relevance !== 'number' || typeof distanceM !== 'number' || typeof sortName !== 'string' || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) {
      errors.push({ field: 'query.cursor', message: 'is not a cursor returned by this API', code: 'format' });
    } else {
      after = { relevance, distanceM, sortName, id };
    }
  }
  if (errors.length > 0) throw validationError(errors);

  const criteria: ServiceSearchCriteria = {
    words: searchWords(query.q),
    ...(query.type === undefined ? {} : { types: query.type }),
    ...(query.area === undefined ? {} : { area: query.area }),
    ...(query.age === undefined ? {} : { age: query.age }),
    ...(query.sex === undefined ? {} : { sex: query.sex }),
    ...(query.language === undefined ? {} : { language: query.language }),
    ...(query.acceptsReferrals === undefined ? {} : { acceptsReferrals: query.acceptsReferrals }),
    ...(query.capacity === undefined ? {} : { capacity: query.capacity }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.organizationId === undefined ? {} : { organizationId: query.organizationId }),
    ...(near === undefined ? {} : { near }),
    viewer: {
      organizationId: principal.organizationId,
      seesEveryConfidentialLocation: can(principal, 'location.seeConfidential').allowed,
    },
  };
  const hits = await searchServiceIds(deps.db.client, criteria, { limit: query.limit + 1, ...(after === undefined ? {} : { after }) });
  const kept = hits.slice(0, query.limit);
  const rows = new Map((await findServicesByIds(deps.db.client, kept.map((hit) => hit.id))).map((row) => [row.id, row]));
  const items: Service[] = [];
  for (const hit of kept) {
    const row = rows.get(hit.id);
    if (row === undefined) continue;
    items.push(toService(row, principal, deps.staleness, near === undefined ? {} : { distanceKm: hit.distanceM / 1000 }));
  }
  const last = kept[kept.length - 1];
  return {
    items,
    nextCursor:
      hits.length > query.limit && last !== undefined ? encodeCursor([last.relevance, last.distanceM, last.sortName, last.id]) : null,
  };
}
