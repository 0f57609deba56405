import type { FocalPoint, Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type FocalPointRow = FocalPoint;

export function insertFocalPoint(tx: Tx, focalPoint: Prisma.FocalPointUncheckedCreateInput): Promise<FocalPointRow> {
  return tx.focalPoint.create({ data: focalPoint });
}

export function findFocalPoint(tx: Tx, id: string): Promise<FocalPointRow | null> {
  return tx.focalPoint.findUnique({ where: { id } });
}

export function listFocalPointsOfOrganizations(tx: Tx, organizationIds: readonly string[]): Promise<FocalPointRow[]> {
  return tx.focalPoint.findMany({
    where: { organizationId: { in: [...organizationIds] } },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
  });
}

export async function updateFocalPointIfVersion(
  tx: Tx,
  id: string,
  expectedVersion: number,
  changes: Prisma.FocalPointUncheckedUpdateInput,
): Promise<FocalPointRow | null> {
  const result = await tx.focalPoint.updateMany({
    where: { id, version: expectedVersion },
    data: { ...changes, version: { increment: 1 }, updatedAt: new Date() },
  });
  return result.count === 1 ? tx.focalPoint.findUnique({ where: { id } }) : null;
}

/** Deletes the focal point if it is still at `expectedVersion`; false otherwise. */
export async function deleteFocalPointIfVersion(tx: Tx, id: string, expectedVersion: number): Promise<boolean> {
  const result = await tx.focalPoint.deleteMany({ where: { id, version: expectedVersion } });
  return result.count === 1;
}
