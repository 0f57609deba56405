import type { Outbox, Principal } from '@referral-hub/platform';
import type { Tx } from '../data-access/database.js';
import { bumpOrganization, findOrganization } from '../data-access/organizations.js';
import { bumpService } from '../data-access/services.js';
import { organizationChanged, recordHistory, serviceChanged } from './record-change.js';
import type { ChangeKind } from './record-change.js';

/**
 * A focal point belongs to its service when it has one, else to its
 * organisation: that owner's version moves, its history names `focalPoints`,
 * and its `.changed` event goes out. The focal point's own history keeps the
 * changed field names only — they are work contacts, but still about people.
 */
export async function focalPointChanged(
  tx: Tx,
  outbox: Outbox,
  principal: Principal,
  focalPoint: { id: string; organizationId: string; serviceId: string | null; version: number },
  change: ChangeKind,
  changedFields: readonly string[],
): Promise<void> {
  await recordHistory(tx, principal, {
    entityType: 'focal_point',
    entityId: focalPoint.id,
    organizationId: focalPoint.organizationId,
    change,
    changedFields,
    version: focalPoint.version,
  });
  if (focalPoint.serviceId !== null) {
    const service = await bumpService(tx, focalPoint.serviceId);
    const organization = await findOrganization(tx, service.organizationId);
    await serviceChanged(tx, outbox, principal, service, organization?.type ?? 'other', 'updated', ['focalPoints']);
  } else {
    const organization = await bumpOrganization(tx, focalPoint.organizationId);
    await organizationChanged(tx, outbox, principal, organization, 'updated', ['focalPoints']);
  }
}
