import { decodeCursor, notFound, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findService, listStaleServices } from '../data-access/services.js';
import { requireAccess } from './access.js';
import { staleBefore, toService } from './views.js';
import type { Service, Staleness } from './views.js';

/** One service, as the caller may see it (confidential locations redacted for outsiders). */
export async function getService(
  deps: { db: DirectoryDatabase; staleness: Staleness },
  principal: Principal,
  id: string,
): Promise<Service> {
  requireAccess(principal, 'directory.read');
  const row = await findService(deps.db.client, id);
  if (row === null) throw notFound('No service has this id.');
  return toService(row, principal, deps.staleness);
}

/** Services to verify again, least recently verified (or never verified) first. Coordinators only. */
export async function browseStaleServices(
  deps: { db: DirectoryDatabase; staleness: Staleness },
  principal: Principal,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<Service>> {
  requireAccess(principal, 'services.listStale');
  let after: { verifiedAt: Date | null; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [verifiedAt, id] = decodeCursor(query.cursor, 2);
    after = { verifiedAt: verifiedAt === '' ? null : new Date(String(verifiedAt)), id: String(id) };
  }
  const rows = await listStaleServices(deps.db.client, {
    before: staleBefore(deps.staleness),
    limit: query.limit + 1,
    ...(after === undefined ? {} : { after }),
  });
  return toPage(
    rows,
    query.limit,
    (row) => [row.verifiedAt?.toISOString() ?? '', row.id],
    (row) => toService(row, principal, deps.staleness),
  );
}
