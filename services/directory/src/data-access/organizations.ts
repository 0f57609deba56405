import type { Organization, Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type OrganizationRow = Organization;
export type NewOrganizationRow = Prisma.OrganizationUncheckedCreateInput;
export type OrganizationChanges = Prisma.OrganizationUncheckedUpdateInput;

export function insertOrganization(tx: Tx, organization: NewOrganizationRow): Promise<OrganizationRow> {
  return tx.organization.create({ data: organization });
}

export function findOrganization(tx: Tx, id: string): Promise<OrganizationRow | null> {
  return tx.organization.findUnique({ where: { id } });
}

export function findOrganizationByHsdsId(tx: Tx, hsdsId: string): Promise<OrganizationRow | null> {
  return tx.organization.findUnique({ where: { hsdsId } });
}

/** Locks the organisation's row for the rest of the transaction (serialises concurrent changes to it). */
export async function lockOrganization(tx: Tx, id: string): Promise<OrganizationRow | null> {
  await tx.$queryRaw`SELECT id FROM organization WHERE id = ${id}::uuid FOR UPDATE`;
  return tx.organization.findUnique({ where: { id } });
}

/**
 * Applies `changes` and increments the version, only if the stored version is
 * still `expectedVersion`; null when it was not (a concurrent change won).
 */
export async function updateOrganizationIfVersion(
  tx: Tx,
  id: string,
  expectedVersion: number,
  changes: OrganizationChanges,
): Promise<OrganizationRow | null> {
  const result = await tx.organization.updateMany({
    where: { id, version: expectedVersion },
    data: { ...changes, version: { increment: 1 }, updatedAt: new Date() },
  });
  return result.count === 1 ? tx.organization.findUnique({ where: { id } }) : null;
}

/** Increments the version (a change to one of its locations or focal points). */
export function bumpOrganization(tx: Tx, id: string): Promise<OrganizationRow> {
  return tx.organization.update({ where: { id }, data: { version: { increment: 1 }, updatedAt: new Date() } });
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

export function listAllOrganizations(tx: Tx): Promise<OrganizationRow[]> {
  return tx.organization.findMany({ orderBy: [{ name: 'asc' }, { id: 'asc' }] });
}
