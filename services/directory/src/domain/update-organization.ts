import { conflict, notFound } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findOrganization, updateOrganizationIfVersion } from '../data-access/organizations.js';
import type { OrganizationChanges } from '../data-access/organizations.js';
import { ownedBy, requireAccess } from './access.js';
import { toOrganization } from './organization.js';
import type { Organization, OrganizationPatch } from './organization.js';
import { changedKeys, organizationChanged } from './record-change.js';
import { checkReferences } from './references.js';

/**
 * Changes an organisation (its own `org_admin` or a network coordinator),
 * only from the version the caller read (409 otherwise). Nothing changed →
 * nothing written, no event.
 */
export async function updateOrganization(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  id: string,
  patch: OrganizationPatch,
): Promise<Organization> {
  return deps.db.transaction(async (tx) => {
    const current = await findOrganization(tx, id);
    if (current === null) throw notFound('No organisation has this id.');
    requireAccess(principal, 'organization.update', ownedBy(principal, current.id));
    if (patch.areasServed !== undefined) {
      await checkReferences(tx, { areas: [{ field: 'body.areasServed[]', codes: patch.areasServed }] });
    }
    if (current.version !== patch.version) throw conflict('The organisation has changed since you read it.', { currentVersion: current.version });
    const before = toOrganization(current);
    const after = {
      name: patch.name,
      acronym: patch.acronym,
      type: patch.type,
      description: patch.description,
      'contact.email': patch.contact?.email,
      'contact.phone': patch.contact?.phone,
      'contact.website': patch.contact?.website,
      areasServed: patch.areasServed,
    };
    const changed = changedKeys(
      { ...before, 'contact.email': current.email, 'contact.phone': current.phone, 'contact.website': current.website },
      after,
    );
    if (changed.length === 0) return before;
    const changes: OrganizationChanges = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.acronym === undefined ? {} : { acronym: patch.acronym }),
      ...(patch.type === undefined ? {} : { type: patch.type }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.contact?.email === undefined ? {} : { email: patch.contact.email }),
      ...(patch.contact?.phone === undefined ? {} : { phone: patch.contact.phone }),
      ...(patch.contact?.website === undefined ? {} : { website: patch.contact.website }),
      ...(patch.areasServed === undefined ? {} : { areaCodes: patch.areasServed }),
    };
    const row = await updateOrganizationIfVersion(tx, id, patch.version, changes);
    if (row === null) throw conflict('The organisation has changed since you read it.');
    await organizationChanged(tx, deps.outbox, principal, row, 'updated', changed);
    return toOrganization(row);
  });
}
