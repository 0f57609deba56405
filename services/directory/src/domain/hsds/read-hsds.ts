import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../../data-access/database.js';
import { listFocalPointsOfOrganizations } from '../../data-access/focal-points.js';
import { listLocationsOfOrganizations } from '../../data-access/locations.js';
import { listAllOrganizations } from '../../data-access/organizations.js';
import { listAdminAreas, listTaxonomyTerms } from '../../data-access/reference-data.js';
import { listAllServices } from '../../data-access/services.js';
import { canSeeConfidential, requireAccess } from '../access.js';
import { searchWords } from '../search-services.js';
import { TAXONOMY_ID, hsdsIdOf, hsdsOrganization, hsdsService, hsdsServiceAtLocation, hsdsTaxonomy, hsdsTaxonomyTerm, termHsdsId } from './to-hsds.js';
import type { HsdsContext } from './to-hsds.js';

type Json = Record<string, unknown>;

/** HSDS's paged envelope. */
export type HsdsPage = {
  total_items: number;
  total_pages: number;
  page_number: number;
  size: number;
  first_page: boolean;
  last_page: boolean;
  empty: boolean;
  contents: Json[];
};

export type HsdsListQuery = {
  page: number;
  per_page: number;
  search?: string;
  taxonomy_term_id?: string;
  taxonomy_id?: string;
  organization_id?: string;
  modified_after?: string;
  full?: boolean;
};

/** Who the HSDS view is for: a reader (confidential locations only for those allowed) or the export (never). */
export type HsdsAudience = { kind: 'reader'; principal: Principal } | { kind: 'export' };

/**
 * Loads the map and the HSDS context for `audience`. The map of one network is
 * small (thousands of services), so the HSDS views are built in memory.
 */
export async function loadHsdsMap(db: DirectoryDatabase, audience: HsdsAudience) {
  const client = db.client;
  const [organizations, services, terms, areas] = await Promise.all([
    listAllOrganizations(client),
    listAllServices(client),
    listTaxonomyTerms(client),
    listAdminAreas(client),
  ]);
  const ids = organizations.map((o) => o.id);
  const [locations, focalPoints] = await Promise.all([listLocationsOfOrganizations(client, ids), listFocalPointsOfOrganizations(client, ids)]);
  const context: HsdsContext = {
    // A confidential location does not exist for whoever may not see it: HSDS has no way to say "hidden".
    showLocation: (location) =>
      !location.confidential || (audience.kind === 'reader' && canSeeConfidential(audience.principal, location.organizationId)),
    areas: new Map(areas.map((a) => [a.code, a])),
    terms: new Map(terms.map((t) => [t.code, t])),
    focalPoints,
    organizations: new Map(organizations.map((o) => [o.id, o])),
  };
  return { organizations, services, terms, locations, context };
}

function paged(items: Json[], query: { page: number; per_page: number }): HsdsPage {
  const total = items.length;
  const totalPages = Math.max(1, Math.ceil(total / query.per_page));
  const contents = items.slice((query.page - 1) * query.per_page, query.page * query.per_page);
  return {
    total_items: total,
    total_pages: totalPages,
    page_number: query.page,
    size: contents.length,
    first_page: query.page === 1,
    last_page: query.page >= totalPages,
    empty: contents.length === 0,
    contents,
  };
}

const normalize = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
function matchesSearch(fields: (string | null)[], search: string | undefined): boolean {
  const text = normalize(fields.filter((f) => f !== null).join(' '));
  return searchWords(search).every((word) => text.includes(normalize(word)));
}

type Map_ = Awaited<ReturnType<typeof loadHsdsMap>>;

function filterServices(map: Map_, query: HsdsListQuery) {
  const term = query.taxonomy_term_id === undefined ? undefined : map.terms.find((t) => termHsdsId(t) === query.taxonomy_term_id || t.code === query.taxonomy_term_id);
  const modifiedAfter = query.modified_after === undefined ? undefined : new Date(query.modified_after);
  return map.services.filter((s) => {
    const organization = map.context.organizations.get(s.organizationId);
    if (query.search !== undefined && !matchesSearch([s.nameFr, s.nameEn, s.descriptionFr, s.descriptionEn], query.search)) return false;
    if (query.taxonomy_term_id !== undefined && (term === undefined || !s.types.includes(term.code))) return false;
    if (query.taxonomy_id !== undefined && query.taxonomy_id !== TAXONOMY_ID) return false;
    if (query.organization_id !== undefined && (organization === undefined || (hsdsIdOf(organization) !== query.organization_id && organization.id !== query.organization_id))) return false;
    if (modifiedAfter !== undefined && s.updatedAt.getTime() < modifiedAfter.getTime()) return false;
    return true;
  });
}

/** `GET /hsds/services`. */
export async function hsdsListServices(deps: { db: DirectoryDatabase }, principal: Principal, query: HsdsListQuery): Promise<HsdsPage> {
  requireAccess(principal, 'directory.read');
  const map = await loadHsdsMap(deps.db, { kind: 'reader', principal });
  return paged(filterServices(map, query).map((s) => hsdsService(s, map.context)), query);
}

/** `GET /hsds/service_at_locations`: one entry per service and location the caller may see. */
export async function hsdsListServiceAtLocations(deps: { db: DirectoryDatabase }, principal: Principal, query: HsdsListQuery): Promise<HsdsPage> {
  requireAccess(principal, 'directory.read');
  const map = await loadHsdsMap(deps.db, { kind: 'reader', principal });
  const items = filterServices(map, query).flatMap((s) =>
    s.locations.filter((link) => map.context.showLocation(link.location)).map((link) => hsdsServiceAtLocation(s, link, map.context)),
  );
  return paged(items, query);
}

/** `GET /hsds/organizations`. */
export async function hsdsListOrganizations(deps: { db: DirectoryDatabase }, principal: Principal, query: HsdsListQuery): Promise<HsdsPage> {
  requireAccess(principal, 'directory.read');
  const map = await loadHsdsMap(deps.db, { kind: 'reader', principal });
  const items = map.organizations
    .filter((o) => matchesSearch([o.name, o.acronym, o.description], query.search))
    .map((o) =>
      hsdsOrganization(
        o,
        map.locations.filter((l) => l.organizationId === o.id),
        map.context,
        query.full === true ? map.services.filter((s) => s.organizationId === o.id).map((s) => hsdsService(s, map.context)) : undefined,
      ),
    );
  return paged(items, query);
}

/** `GET /hsds/taxonomy_terms`. */
export async function hsdsListTaxonomyTerms(deps: { db: DirectoryDatabase }, principal: Principal, query: HsdsListQuery): Promise<HsdsPage> {
  requireAccess(principal, 'directory.read');
  const terms = (await listTaxonomyTerms(deps.db.client)).filter(
    (t) => matchesSearch([t.code, t.labelFr, t.labelEn, t.description], query.search) && (query.taxonomy_id === undefined || query.taxonomy_id === TAXONOMY_ID),
  );
  return paged(terms.map(hsdsTaxonomyTerm), query);
}

/** `GET /hsds/taxonomies`. */
export function hsdsListTaxonomies(principal: Principal, query: HsdsListQuery): HsdsPage {
  requireAccess(principal, 'directory.read');
  const taxonomy = hsdsTaxonomy();
  return paged(matchesSearch([String(taxonomy.name), String(taxonomy.description)], query.search) ? [taxonomy] : [], query);
}

/** `GET /hsds/{table}/{id}`: one record by HSDS id (or our id), fully nested. */
export async function hsdsGetOne(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  table: 'services' | 'organizations' | 'taxonomy_terms' | 'taxonomies' | 'service_at_locations',
  id: string,
): Promise<Json> {
  requireAccess(principal, 'directory.read');
  const map = await loadHsdsMap(deps.db, { kind: 'reader', principal });
  let found: Json | undefined;
  if (table === 'services') {
    const service = map.services.find((s) => hsdsIdOf(s) === id || s.id === id);
    if (service) found = hsdsService(service, map.context);
  } else if (table === 'organizations') {
    const organization = map.organizations.find((o) => hsdsIdOf(o) === id || o.id === id);
    if (organization) {
      found = hsdsOrganization(
        organization,
        map.locations.filter((l) => l.organizationId === organization.id),
        map.context,
        map.services.filter((s) => s.organizationId === organization.id).map((s) => hsdsService(s, map.context)),
      );
    }
  } else if (table === 'taxonomy_terms') {
    const term = map.terms.find((t) => termHsdsId(t) === id || t.code === id);
    if (term) found = hsdsTaxonomyTerm(term);
  } else if (table === 'taxonomies') {
    if (id === TAXONOMY_ID) found = hsdsTaxonomy();
  } else {
    for (const service of map.services) {
      for (const link of service.locations) {
        if (!map.context.showLocation(link.location)) continue;
        const entry = hsdsServiceAtLocation(service, link, map.context);
        if (entry.id === id) found = entry;
      }
    }
  }
  if (found === undefined) throw notFound('No HSDS record has this id.');
  return found;
}
