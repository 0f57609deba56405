import { conflict, notFound } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findFocalPoint, updateFocalPointIfVersion } from '../data-access/focal-points.js';
import { ownedBy, requireAccess } from './access.js';
import { focalPointChanged } from './focal-point-changes.js';
import { changedKeys } from './record-change.js';
import { toFocalPoint } from './views.js';
import type { FocalPoint, FocalPointPatch } from './views.js';

/** Changes a focal point (its organisation's `org_admin`, or a coordinator), from the version read. */
export async function updateFocalPoint(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  id: string,
  patch: FocalPointPatch,
): Promise<FocalPoint> {
  return deps.db.transaction(async (tx) => {
    const current = await findFocalPoint(tx, id);
    if (current === null) throw notFound('No focal point has this id.');
    requireAccess(principal, 'focalPoint.update', ownedBy(principal, current.organizationId));
    if (current.version !== patch.version) throw conflict('The focal point has changed since you read it.', { currentVersion: current.version });
    const { version: _version, ...next } = patch;
    const changed = changedKeys({ ...current }, next);
    if (changed.length === 0) return toFocalPoint(current);
    const row = await updateFocalPointIfVersion(tx, id, patch.version, next);
    if (row === null) throw conflict('The focal point has changed since you read it.');
    await focalPointChanged(tx, deps.outbox, principal, row, 'updated', changed);
    return toFocalPoint(row);
  });
}
