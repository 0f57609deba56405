import { decodeCursor, notFound, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findOrganization, listOrganizations } from '../data-access/organizations.js';
import { requireAccess } from './access.js';
import { toOrganization } from './organization.js';
import type { Organization } from './organization.js';

/** Any authenticated member of the network may read the map. */
export async function getOrganization(deps: { db: DirectoryDatabase }, principal: Principal, id: string): Promise<Organization> {
  requireAccess(principal, 'directory.read');
  const row = await findOrganization(deps.db.client, id);
  if (row === null) throw notFound('No organisation has this id.');
  return toOrganization(row);
}

export async function browseOrganizations(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<Organization>> {
  requireAccess(principal, 'directory.read');
  let after: { name: string; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [name, id] = decodeCursor(query.cursor, ['string', 'uuid']);
    after = { name: String(name), id: String(id) };
  }
  const rows = await listOrganizations(deps.db.client, { limit: query.limit + 1, ...(after ? { after } : {}) });
  return toPage(rows, query.limit, (row) => [row.name, row.id], toOrganization);
}
