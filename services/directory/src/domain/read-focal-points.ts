import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { listFocalPointsOfOrganizations } from '../data-access/focal-points.js';
import { findOrganization } from '../data-access/organizations.js';
import { requireAccess } from './access.js';
import { toFocalPoint } from './views.js';
import type { FocalPoint } from './views.js';

/** The focal points of an organisation and its services: work contacts every member needs to refer. */
export async function listFocalPoints(
  deps: { db: DirectoryDatabase },
  principal: Principal,
  organizationId: string,
): Promise<{ items: FocalPoint[] }> {
  requireAccess(principal, 'directory.read');
  if ((await findOrganization(deps.db.client, organizationId)) === null) throw notFound('No organisation has this id.');
  return { items: (await listFocalPointsOfOrganizations(deps.db.client, [organizationId])).map(toFocalPoint) };
}
