import type { Tx } from '../data-access/database.js';
import { upsertKnownServiceVersion } from '../data-access/known-services.js';

/** A change of a service as the directory announced it. */
export type ServiceChange = {
  serviceId: string;
  organizationId: string;
  organizationType: string;
  status: string;
  acceptsReferrals: boolean;
  change: 'created' | 'updated' | 'deleted';
  version: number;
  changedAt: Date;
};

/**
 * Keeps the local read model of the directory's services in step with one
 * change, inside the consumer's inbox transaction; an older or equal version
 * is ignored, so out-of-order delivery never moves it back.
 */
export async function recordServiceChange(tx: Tx, change: ServiceChange): Promise<'applied' | 'stale'> {
  const applied = await upsertKnownServiceVersion(tx, {
    id: change.serviceId,
    organizationId: change.organizationId,
    organizationType: change.organizationType,
    status: change.status,
    acceptsReferrals: change.acceptsReferrals,
    version: change.version,
    updatedAt: change.changedAt,
    deletedAt: change.change === 'deleted' ? change.changedAt : null,
  });
  return applied ? 'applied' : 'stale';
}
