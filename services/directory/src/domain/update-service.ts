import { conflict, notFound } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findOrganization } from '../data-access/organizations.js';
import { findService, setServiceLocations, updateServiceIfVersion } from '../data-access/services.js';
import { ownedBy, requireAccess } from './access.js';
import { changedKeys, serviceChanged } from './record-change.js';
import { ageRangeErrors, checkReferences } from './references.js';
import { serviceColumns } from './service-input.js';
import { toService } from './views.js';
import type { Service, ServicePatch, Staleness } from './views.js';

/** The stored service's attributes under their API names, to tell what a patch changes. */
function currentFields(service: Service): Record<string, unknown> {
  return {
    'name.fr': service.name.fr ?? null,
    'name.en': service.name.en ?? null,
    'description.fr': service.description?.fr ?? null,
    'description.en': service.description?.en ?? null,
    types: service.types,
    status: service.status,
    'eligibility.minAge': service.eligibility.minAge ?? null,
    'eligibility.maxAge': service.eligibility.maxAge ?? null,
    'eligibility.sexes': [...(service.eligibility.sexes ?? [])].sort(),
    'eligibility.note': service.eligibility.note ?? null,
    languages: service.languages,
    cost: service.cost,
    openingHours: service.openingHours,
    'capacity.status': service.capacity.status,
    'capacity.note': service.capacity.note,
    acceptsReferrals: service.acceptsReferrals,
    areasServed: service.areasServed,
    locationIds: service.locations.map((l) => l.id).sort(),
    verifiedAt: service.verifiedAt,
  };
}

/**
 * Changes a service (its organisation's `org_admin`, or a network
 * coordinator), only from the version the caller read (409 otherwise).
 */
export async function updateService(
  deps: { db: DirectoryDatabase; outbox: Outbox; staleness: Staleness },
  principal: Principal,
  id: string,
  patch: ServicePatch,
): Promise<Service> {
  return deps.db.transaction(async (tx) => {
    const current = await findService(tx, id);
    if (current === null) throw notFound('No service has this id.');
    requireAccess(principal, 'service.update', ownedBy(principal, current.organizationId));
    const nextMin = patch.eligibility?.minAge !== undefined ? patch.eligibility.minAge : current.minAge;
    const nextMax = patch.eligibility?.maxAge !== undefined ? patch.eligibility.maxAge : current.maxAge;
    await checkReferences(
      tx,
      {
        ...(patch.types === undefined ? {} : { types: { field: 'body.types', codes: patch.types } }),
        areas: [{ field: 'body.areasServed[]', codes: patch.areasServed ?? [] }],
        ...(patch.locationIds === undefined
          ? {}
          : { locations: { field: 'body.locationIds', ids: patch.locationIds, organizationId: current.organizationId } }),
      },
      ageRangeErrors(nextMin, nextMax, 'body.eligibility'),
    );
    if (current.version !== patch.version) throw conflict('The service has changed since you read it.', { currentVersion: current.version });
    const now = new Date();
    const { columns, fields } = serviceColumns(patch, principal, now);
    if (patch.locationIds !== undefined) fields.locationIds = [...patch.locationIds].sort();
    const before = toService(current, principal, deps.staleness);
    const changed = changedKeys(currentFields(before), fields);
    // `capacity.setAt` records when the status last changed, not every save.
    if (changed.length === 0) return before;
    if (!changed.includes('capacity.status')) delete columns.capacitySetAt;
    const row = await updateServiceIfVersion(tx, id, patch.version, columns);
    if (row === null) throw conflict('The service has changed since you read it.');
    if (patch.locationIds !== undefined) await setServiceLocations(tx, id, patch.locationIds);
    const organization = await findOrganization(tx, row.organizationId);
    await serviceChanged(tx, deps.outbox, principal, row, organization?.type ?? 'other', 'updated', changed);
    const stored = await findService(tx, id);
    if (stored === null) throw new Error('service vanished inside its own transaction');
    return toService(stored, principal, deps.staleness);
  });
}
