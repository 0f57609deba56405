import type { DirectoryApi } from '@referral-hub/contracts';
import type { OrganizationRow } from '../data-access/organizations.js';

type Schemas = DirectoryApi.components['schemas'];
export type Organization = Schemas['Organization'];
export type NewOrganization = Schemas['NewOrganization'];
export type OrganizationPatch = Schemas['OrganizationPatch'];
export type OrganizationType = Organization['type'];

/** The API's view of a stored organisation. */
export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    acronym: row.acronym,
    type: row.type as OrganizationType,
    description: row.description,
    contact: { email: row.email, phone: row.phone, website: row.website },
    areasServed: row.areaCodes,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}
