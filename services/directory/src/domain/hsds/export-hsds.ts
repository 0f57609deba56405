import type { Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../../data-access/database.js';
import { requireAccess } from '../access.js';
import { loadHsdsMap } from './read-hsds.js';
import { byHsdsId, hsdsLocation, hsdsOrganization, hsdsService, hsdsTaxonomy, hsdsTaxonomyTerm } from './to-hsds.js';

type Json = Record<string, unknown>;

/** The HSDS 3.0 JSON dataset of the whole map (the shape `POST /v1/hsds/import` takes). */
export type HsdsExport = {
  organizations: Json[];
  services: Json[];
  locations: Json[];
  taxonomies: Json[];
  taxonomy_terms: Json[];
};

/**
 * Exports the whole map as HSDS 3.0 JSON. Any member may export what they may
 * read, but the file travels beyond the hub: confidential locations are left
 * out for everyone, coordinators included.
 *
 * Records come in HSDS id order (terms in code order), and whatever HSDS has
 * no field for is in the hub's extension (`hub-extension.ts`), so that
 * importing the file back gives the same records and exporting again gives
 * the same file.
 */
export async function exportHsds(deps: { db: DirectoryDatabase }, principal: Principal): Promise<HsdsExport> {
  requireAccess(principal, 'directory.read');
  const map = await loadHsdsMap(deps.db, { kind: 'export' });
  return {
    organizations: [...map.organizations].sort(byHsdsId).map((o) => hsdsOrganization(o, [], map.context)),
    services: [...map.services].sort(byHsdsId).map((s) => hsdsService(s, map.context)),
    locations: map.locations
      .filter(map.context.showLocation)
      .sort(byHsdsId)
      .map((l) => hsdsLocation(l, map.context.organizations.get(l.organizationId), map.context)),
    taxonomies: [hsdsTaxonomy()],
    taxonomy_terms: map.terms.map(hsdsTaxonomyTerm),
  };
}
