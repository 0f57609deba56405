import type { Tx } from '../data-access/database.js';
import { upsertKnownOrganizationVersion } from '../data-access/known-organizations.js';
import type { OrganizationType } from './known-organization.js';

/** A change of an organisation as the directory announced it. */
export type OrganizationChange = {
  organizationId: string;
  organizationType: OrganizationType;
  change: 'created' | 'updated' | 'deleted';
  changedFields: readonly string[];
  version: number;
  /** When the directory made the change. */
  changedAt: Date;
};

/**
 * Keeps the local read model of the directory in step with one change, inside
 * the consumer's inbox transaction. Events can arrive out of order (retries,
 * competing consumers), so a change older than, or as old as, what is held is
 * ignored: the read model only ever moves forward.
 *
 * @returns `applied`, or `stale` when a newer version was already held.
 */
export async function recordOrganizationChange(tx: Tx, change: OrganizationChange): Promise<'applied' | 'stale'> {
  const applied = await upsertKnownOrganizationVersion(tx, {
    id: change.organizationId,
    version: change.version,
    updatedAt: change.changedAt,
    deletedAt: change.change === 'deleted' ? change.changedAt : null,
    type: change.organizationType,
  });
  return applied ? 'applied' : 'stale';
}
