import { randomUUID } from 'node:crypto';
import { buildEvent } from '@referral-hub/contracts';
import { forbidden, hasRole } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { insertOrganization } from '../data-access/organizations.js';
import { toOrganization } from './organization.js';
import type { NewOrganization, Organization } from './organization.js';

export const DIRECTORY_SOURCE = '/services/directory';

/**
 * Adds an agency to the network's map. Only a network coordinator may: an
 * organisation's own administrators edit it once it exists. The change is
 * announced as `directory.organization.changed` in the same transaction.
 */
export async function createOrganization(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  input: NewOrganization,
): Promise<Organization> {
  if (!hasRole(principal, 'network_coordinator')) {
    throw forbidden('Only a network coordinator can add an organisation to the directory.');
  }
  return deps.db.transaction(async (tx) => {
    const row = await insertOrganization(tx, {
      id: randomUUID(),
      name: input.name,
      acronym: input.acronym ?? null,
      type: input.type,
      description: input.description ?? null,
    });
    const changedFields = Object.keys(input).sort();
    await deps.outbox.enqueueEvent(
      tx,
      buildEvent(
        'directory.organization.changed',
        { organizationId: row.id, organizationType: input.type, change: 'created', changedFields, version: row.version },
        { source: DIRECTORY_SOURCE, subject: row.id },
      ),
    );
    return toOrganization(row);
  });
}
