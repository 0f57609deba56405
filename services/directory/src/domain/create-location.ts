import { notFound } from '@referral-hub/platform';
import type { IdempotentAttempt, Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findLocation, insertLocation } from '../data-access/locations.js';
import { bumpOrganization, lockOrganization } from '../data-access/organizations.js';
import { ownedBy, requireAccess } from './access.js';
import { organizationChanged, recordHistory } from './record-change.js';
import { checkReferences } from './references.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';
import { toLocation } from './views.js';
import type { Location, NewLocation } from './views.js';

/**
 * Adds a location to an organisation. Locations belong to the organisation:
 * its version moves and `directory.organization.changed` names `locations`. *
 * Under an `Idempotency-Key`, the new row's id is the key's claim id: a retry resuming a run that
 * crashed after its commit answers the row that committed (as it is now), never a second one.
 */
export async function createLocation(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  organizationId: string,
  input: NewLocation,
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Location> {
  return deps.db.transaction(async (tx) => {
    const organization = await lockOrganization(tx, organizationId);
    if (organization === null) throw notFound('No organisation has this id.');
    requireAccess(principal, 'location.create', ownedBy(principal, organization.id));
    const earlier = await committedEarlier(attempt, (id) => findLocation(tx, id));
    if (earlier !== null && earlier.organizationId === organizationId) return toLocation(earlier, principal);
    if (input.areaCode !== null && input.areaCode !== undefined) await checkReferences(tx, { areas: [{ field: 'body.areaCode', codes: [input.areaCode] }] });
    const row = await insertLocation(tx, {
      id: newRowId(attempt),
      organizationId,
      name: input.name,
      areaCode: input.areaCode ?? null,
      address: input.address ?? null,
      latitude: input.coordinates?.latitude ?? null,
      longitude: input.coordinates?.longitude ?? null,
      confidential: input.confidential ?? false,
    });
    await recordHistory(tx, principal, {
      entityType: 'location',
      entityId: row.id,
      organizationId,
      change: 'created',
      changedFields: Object.keys(input).sort(),
      version: row.version,
    });
    const bumped = await bumpOrganization(tx, organizationId);
    await organizationChanged(tx, deps.outbox, principal, bumped, 'updated', ['locations']);
    return toLocation(row, principal);
  });
}
