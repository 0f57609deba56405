import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findLocation, listLocationsOfOrganizations } from '../data-access/locations.js';
import { findOrganization } from '../data-access/organizations.js';
import { requireAccess } from './access.js';
import { toLocation } from './views.js';
import type { Location } from './views.js';

/** One location; a confidential one is redacted for outsiders. */
export async function getLocation(deps: { db: DirectoryDatabase }, principal: Principal, id: string): Promise<Location> {
  requireAccess(principal, 'directory.read');
  const row = await findLocation(deps.db.client, id);
  if (row === null) throw notFound('No location has this id.');
  return toLocation(row, principal);
}

/** The locations of an organisation; confidential ones redacted for outsiders. */
export async function listLocations(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  organizationId: string,
): Promise<{ items: Location[] }> {
  requireAccess(principal, 'directory.read');
  if ((await findOrganization(deps.db.client, organizationId)) === null) throw notFound('No organisation has this id.');
  const rows = await listLocationsOfOrganizations(deps.db.client, [organizationId]);
  return { items: rows.map((row) => toLocation(row, principal)) };
}
