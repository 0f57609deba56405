import { decodeCursor, notFound, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { listChangeHistory } from '../data-access/history.js';
import { findOrganization } from '../data-access/organizations.js';
import { findService } from '../data-access/services.js';
import { ownedBy, requireAccess } from './access.js';
import { toHistoryEntry } from './views.js';
import type { HistoryEntry } from './views.js';

type PageQuery = { limit: number; cursor?: string | undefined };

function afterOf(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = decodeCursor(cursor, 2);
  return { at: new Date(String(at)), id: String(id) };
}

/** An organisation's history, with its locations' and focal points' (its `org_admin` or a coordinator). */
export async function readOrganizationHistory(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  organizationId: string,
  query: PageQuery,
): Promise<Page<HistoryEntry>> {
  const organization = await findOrganization(deps.db.client, organizationId);
  if (organization === null) throw notFound('No organisation has this id.');
  requireAccess(principal, 'history.read', ownedBy(principal, organization.id));
  const after = afterOf(query.cursor);
  const rows = await listChangeHistory(deps.db.client, { organizationId }, { limit: query.limit + 1, ...(after ? { after } : {}) });
  return toPage(rows, query.limit, (row) => [row.at.toISOString(), row.id], toHistoryEntry);
}

/** A service's history (its organisation's `org_admin` or a coordinator). */
export async function readServiceHistory(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  serviceId: string,
  query: PageQuery,
): Promise<Page<HistoryEntry>> {
  const service = await findService(deps.db.client, serviceId);
  if (service === null) throw notFound('No service has this id.');
  requireAccess(principal, 'history.read', ownedBy(principal, service.organizationId));
  const after = afterOf(query.cursor);
  const rows = await listChangeHistory(
    deps.db.client,
    { entityType: 'service', entityId: serviceId },
    { limit: query.limit + 1, ...(after ? { after } : {}) },
  );
  return toPage(rows, query.limit, (row) => [row.at.toISOString(), row.id], toHistoryEntry);
}
