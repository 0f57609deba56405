import { notFound, validationError } from '@referral-hub/platform';
import type { IdempotentAttempt, Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { lockOrganization } from '../data-access/organizations.js';
import { findService, insertService, setServiceLocations } from '../data-access/services.js';
import { ownedBy, requireAccess } from './access.js';
import { serviceChanged } from './record-change.js';
import { ageRangeErrors, checkReferences } from './references.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';
import { serviceColumns } from './service-input.js';
import { toService } from './views.js';
import type { NewService, Service, Staleness } from './views.js';

/**
 * Adds a service to an organisation (its own `org_admin`, or a network
 * coordinator). Its author vouches for it: a new service counts as verified
 * now. Announced as `directory.service.changed` (`created`). *
 * Under an `Idempotency-Key`, the new row's id is the key's claim id: a retry resuming a run that
 * crashed after its commit answers the row that committed (as it is now), never a second one.
 */
export async function createService(
  deps: { db: DirectoryDatabase; outbox: Outbox; staleness: Staleness },
  principal: Principal,
  organizationId: string,
  input: NewService,
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Service> {
  return deps.db.transaction(async (tx) => {
    const organization = await lockOrganization(tx, organizationId);
    if (organization === null) throw notFound('No organisation has this id.');
    requireAccess(principal, 'service.create', ownedBy(principal, organization.id));
    const earlier = await committedEarlier(attempt, (id) => findService(tx, id));
    if (earlier !== null && earlier.organizationId === organizationId) return toService(earlier, principal, deps.staleness);
    if (input.name.fr === undefined && input.name.en === undefined) {
      throw validationError([{ field: 'body.name', message: 'needs a French or an English name', code: 'required' }]);
    }
    const locationIds = input.locationIds ?? [];
    await checkReferences(
      tx,
      {
        types: { field: 'body.types', codes: input.types },
        areas: [{ field: 'body.areasServed[]', codes: input.areasServed ?? [] }],
        locations: { field: 'body.locationIds', ids: locationIds, organizationId },
      },
      ageRangeErrors(input.eligibility?.minAge, input.eligibility?.maxAge, 'body.eligibility'),
    );
    const now = new Date();
    const { columns } = serviceColumns({ ...input, markVerified: true }, principal, now);
    const id = newRowId(attempt);
    const row = await insertService(tx, {
      ...(columns as Omit<typeof columns, 'types'>),
      id,
      organizationId,
      types: input.types,
      status: input.status ?? 'active',
      capacitySetAt: now,
    } as Parameters<typeof insertService>[1]);
    await setServiceLocations(tx, id, locationIds);
    const changedFields = Object.keys(input).filter((key) => key !== 'markVerified').sort();
    await serviceChanged(tx, deps.outbox, principal, row, organization.type, 'created', changedFields);
    const stored = await findService(tx, id);
    if (stored === null) throw new Error('service vanished inside its own transaction');
    return toService(stored, principal, deps.staleness);
  });
}
