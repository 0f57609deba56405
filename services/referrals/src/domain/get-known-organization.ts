import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { ReferralsDatabase } from '../data-access/database.js';
import { findKnownOrganization } from '../data-access/known-organizations.js';
import { requireAccess } from './access.js';
import { toKnownOrganization } from './known-organization.js';
import type { KnownOrganization } from './known-organization.js';

/**
 * An organisation as the local read model holds it. Unknown and deleted
 * organisations are both 404: neither can take part in a referral.
 *
 * @throws AppError 403 for a principal without a role, 404 when not known.
 */
export async function getKnownOrganization(
  deps: { db: ReferralsDatabase },
  principal: Principal,
  organizationId: string,
): Promise<KnownOrganization> {
  requireAccess(principal, 'directory.read');
  const row = await findKnownOrganization(deps.db.client, organizationId);
  if (row === null || row.deletedAt !== null) throw notFound('No organisation with this id is known here.');
  return toKnownOrganization(row);
}
