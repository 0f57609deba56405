import type { ReferralsApi } from '@referral-hub/contracts';
import type { KnownOrganizationRow } from '../data-access/known-organizations.js';

/**
 * An organisation as this service knows it. `name` and `type` are null until
 * they are fetched from the directory: `directory.organization.changed`
 * carries only the id and the version.
 */
export type KnownOrganization = ReferralsApi.components['schemas']['KnownOrganization'];
export type OrganizationType = NonNullable<KnownOrganization['type']>;

/** The API's view of a row of the directory read model. */
export function toKnownOrganization(row: KnownOrganizationRow): KnownOrganization {
  return {
    id: row.id,
    name: row.name,
    type: row.type as OrganizationType | null,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
  };
}
