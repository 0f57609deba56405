import type { Organization } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type OrganizationRow = Organization;
export type NewOrganizationRow = Pick<Organization, 'id' | 'name' | 'acronym' | 'type' | 'description'>;

export function insertOrganization(tx: Tx, organization: NewOrganizationRow): Promise<OrganizationRow> {
  return tx.organization.create({ data: organization });
}

export function findOrganization(tx: Tx, id: string): Promise<OrganizationRow | null> {
  return tx.organization.findUnique({ where: { id } });
}

/** Organisations by name then id, starting after `after` (keyset pagination). */
export function listOrganizations(
  tx: Tx,
  options: { limit: number; after?: { name: string; id: string } },
): Promise<OrganizationRow[]> {
  const { after } = options;
  return tx.organization.findMany({
    where:
      after === undefined ? {} : { OR: [{ name: { gt: after.name } }, { name: after.name, id: { gt: after.id } }] },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: options.limit,
  });
}
