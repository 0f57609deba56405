import type { DirectoryApi } from '@referral-hub/contracts';
import type { OrganizationRow } from '../data-access/organizations.js';

export type Organization = DirectoryApi.components['schemas']['Organization'];
export type NewOrganization = DirectoryApi.components['schemas']['NewOrganization'];
export type OrganizationType = Organization['type'];

/** The API's view of a stored organisation. */
export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    acronym: row.acronym,
    type: row.type as OrganizationType,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}
