import type { Location, Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type LocationRow = Location;

export function insertLocation(tx: Tx, location: Prisma.LocationUncheckedCreateInput): Promise<LocationRow> {
  return tx.location.create({ data: location });
}

export function findLocation(tx: Tx, id: string): Promise<LocationRow | null> {
  return tx.location.findUnique({ where: { id } });
}

export function findLocationByHsdsId(tx: Tx, hsdsId: string): Promise<LocationRow | null> {
  return tx.location.findUnique({ where: { hsdsId } });
}

export function findLocationsByIds(tx: Tx, ids: readonly string[]): Promise<LocationRow[]> {
  return tx.location.findMany({ where: { id: { in: [...ids] } } });
}

export function listLocationsOfOrganizations(tx: Tx, organizationIds: readonly string[]): Promise<LocationRow[]> {
  return tx.location.findMany({ where: { organizationId: { in: [...organizationIds] } }, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
}

export async function updateLocationIfVersion(
  tx: Tx,
  id: string,
  expectedVersion: number,
  changes: Prisma.LocationUncheckedUpdateInput,
): Promise<LocationRow | null> {
  const result = await tx.location.updateMany({
    where: { id, version: expectedVersion },
    data: { ...changes, version: { increment: 1 }, updatedAt: new Date() },
  });
  return result.count === 1 ? tx.location.findUnique({ where: { id } }) : null;
}
