import { conflict, notFound } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { deleteFocalPointIfVersion, findFocalPoint } from '../data-access/focal-points.js';
import { ownedBy, requireAccess } from './access.js';
import { focalPointChanged } from './focal-point-changes.js';

/** Removes a focal point (its organisation's `org_admin`, or a coordinator), from the version read. */
export async function deleteFocalPoint(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  id: string,
  version: number,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const current = await findFocalPoint(tx, id);
    if (current === null) throw notFound('No focal point has this id.');
    requireAccess(principal, 'focalPoint.delete', ownedBy(principal, current.organizationId));
    if (!(await deleteFocalPointIfVersion(tx, id, version))) {
      throw conflict('The focal point has changed since you read it.', { currentVersion: current.version });
    }
    await focalPointChanged(tx, deps.outbox, principal, { ...current, version: current.version + 1 }, 'deleted', []);
  });
}
