import { decodeCursor, notFound, toPage } from '@referral-hub/platform';
import type { Page } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findOrganization, listOrganizations } from '../data-access/organizations.js';
import { toOrganization } from './organization.js';
import type { Organization } from './organization.js';

/** Any authenticated member of the network may read the map. */
export async function getOrganization(deps: { db: DirectoryDatabase }, id: string): Promise<Organization> {
  const row = await findOrganization(deps.db.client, id);
  if (row === null) throw notFound('No organisation has this id.');
  return toOrganization(row);
}

export async function browseOrganizations(
  deps: { db: DirectoryDatabase },
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<Organization>> {
  let after: { name: string; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [name, id] = decodeCursor(query.cursor, 2);
    after = { name: String(name), id: String(id) };
  }
  const rows = await listOrganizations(deps.db.client, { limit: query.limit + 1, ...(after ? { after } : {}) });
  return toPage(rows, query.limit, (row) => [row.name, row.id], toOrganization);
}
