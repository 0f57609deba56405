import { isUuid } from '@referral-hub/platform';
import type { Tx } from '../../data-access/database.js';
import { findLocation, findLocationByHsdsId } from '../../data-access/locations.js';
import type { LocationRow } from '../../data-access/locations.js';
import { findOrganization, findOrganizationByHsdsId } from '../../data-access/organizations.js';
import type { OrganizationRow } from '../../data-access/organizations.js';
import { findTaxonomyTermByHsdsId, listTaxonomyTerms } from '../../data-access/reference-data.js';
import type { TaxonomyTermRow } from '../../data-access/reference-data.js';
import { findServiceById, findServiceByHsdsId } from '../../data-access/services.js';
import type { ServiceRow } from '../../data-access/services.js';
import { termHsdsId } from './to-hsds.js';


/*
 * Which row an HSDS id names. The export writes a record's HSDS id as the one
 * it was imported with (the `hsds_id` column), else as our own id; so an HSDS
 * id names the row with that `hsds_id`, else the row with that id. This is
 * what makes importing an export into the same hub match every record to
 * itself instead of copying it.
 */

export async function findOrganizationOfHsdsId(tx: Tx, hsdsId: string): Promise<OrganizationRow | null> {
  return (await findOrganizationByHsdsId(tx, hsdsId)) ?? (isUuid(hsdsId) ? await findOrganization(tx, hsdsId) : null);
}

export async function findLocationOfHsdsId(tx: Tx, hsdsId: string): Promise<LocationRow | null> {
  return (await findLocationByHsdsId(tx, hsdsId)) ?? (isUuid(hsdsId) ? await findLocation(tx, hsdsId) : null);
}

export async function findServiceOfHsdsId(tx: Tx, hsdsId: string): Promise<ServiceRow | null> {
  return (await findServiceByHsdsId(tx, hsdsId)) ?? (isUuid(hsdsId) ? await findServiceById(tx, hsdsId) : null);
}

/** A term's HSDS id is its `hsds_id`, else one derived from its code (`termHsdsId`). */
export async function findTermOfHsdsId(tx: Tx, hsdsId: string): Promise<TaxonomyTermRow | null> {
  return (await findTaxonomyTermByHsdsId(tx, hsdsId)) ?? (await listTaxonomyTerms(tx)).find((term) => termHsdsId(term) === hsdsId) ?? null;
}
