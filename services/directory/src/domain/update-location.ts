import { conflict, notFound } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findLocation, updateLocationIfVersion } from '../data-access/locations.js';
import type { LocationRow } from '../data-access/locations.js';
import { bumpOrganization } from '../data-access/organizations.js';
import { ownedBy, requireAccess } from './access.js';
import { changedKeys, organizationChanged, recordHistory } from './record-change.js';
import { checkReferences } from './references.js';
import { toLocation } from './views.js';
import type { Location, LocationPatch } from './views.js';

function fieldsOf(row: LocationRow): Record<string, unknown> {
  return {
    name: row.name,
    areaCode: row.areaCode,
    address: row.address,
    coordinates: row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude },
    confidential: row.confidential,
  };
}

/** Changes a location (its organisation's `org_admin`, or a coordinator), from the version read. */
export async function updateLocation(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  id: string,
  patch: LocationPatch,
): Promise<Location> {
  return deps.db.transaction(async (tx) => {
    const current = await findLocation(tx, id);
    if (current === null) throw notFound('No location has this id.');
    requireAccess(principal, 'location.update', ownedBy(principal, current.organizationId));
    if (patch.areaCode !== null && patch.areaCode !== undefined) await checkReferences(tx, { areas: [{ field: 'body.areaCode', codes: [patch.areaCode] }] });
    if (current.version !== patch.version) throw conflict('The location has changed since you read it.', { currentVersion: current.version });
    const { version: _version, ...next } = patch;
    const changed = changedKeys(fieldsOf(current), next);
    if (changed.length === 0) return toLocation(current, principal);
    const row = await updateLocationIfVersion(tx, id, patch.version, {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.areaCode === undefined ? {} : { areaCode: patch.areaCode }),
      ...(patch.address === undefined ? {} : { address: patch.address }),
      ...(patch.coordinates === undefined
        ? {}
        : { latitude: patch.coordinates?.latitude ?? null, longitude: patch.coordinates?.longitude ?? null }),
      ...(patch.confidential === undefined ? {} : { confidential: patch.confidential }),
    });
    if (row === null) throw conflict('The location has changed since you read it.');
    await recordHistory(tx, principal, {
      entityType: 'location',
      entityId: id,
      organizationId: row.organizationId,
      change: 'updated',
      changedFields: changed,
      version: row.version,
    });
    const bumped = await bumpOrganization(tx, row.organizationId);
    await organizationChanged(tx, deps.outbox, principal, bumped, 'updated', ['locations']);
    return toLocation(row, principal);
  });
}
