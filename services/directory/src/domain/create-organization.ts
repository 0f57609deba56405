import type { IdempotentAttempt, Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findOrganization, insertOrganization } from '../data-access/organizations.js';
import { requireAccess } from './access.js';
import { toOrganization } from './organization.js';
import type { NewOrganization, Organization } from './organization.js';
import { organizationChanged } from './record-change.js';
import { checkReferences } from './references.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';

/**
 * Adds an agency to the network's map. Only a network coordinator may: an
 * organisation's own administrators edit it once it exists. The change is
 * announced as `directory.organization.changed` in the same transaction. *
 * Under an `Idempotency-Key`, the new row's id is the key's claim id: a retry resuming a run that
 * crashed after its commit answers the row that committed (as it is now), never a second one.
 */
export async function createOrganization(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  input: NewOrganization,
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Organization> {
  requireAccess(principal, 'organization.create');
  return deps.db.transaction(async (tx) => {
    const earlier = await committedEarlier(attempt, (id) => findOrganization(tx, id));
    if (earlier !== null) return toOrganization(earlier);
    const areaCodes = input.areasServed ?? [];
    await checkReferences(tx, { areas: [{ field: 'body.areasServed[]', codes: areaCodes }] });
    const row = await insertOrganization(tx, {
      id: newRowId(attempt),
      name: input.name,
      acronym: input.acronym ?? null,
      type: input.type,
      description: input.description ?? null,
      email: input.contact?.email ?? null,
      phone: input.contact?.phone ?? null,
      website: input.contact?.website ?? null,
      areaCodes,
    });
    const changedFields = Object.keys(input).sort();
    await organizationChanged(tx, deps.outbox, principal, row, 'created', changedFields);
    return toOrganization(row);
  });
}
