import type { Override } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type OverrideRow = Override;
export type NewOverrideRow = Omit<Override, 'approvedBy' | 'approvedAt' | 'revokedBy' | 'revokedAt' | 'createdAt'>;

export function insertOverride(tx: Tx, row: NewOverrideRow): Promise<OverrideRow> {
  return tx.override.create({ data: row });
}

export function findOverride(tx: Tx, id: string): Promise<OverrideRow | null> {
  return tx.override.findUnique({ where: { id } });
}

export function findOverridesOfCase(tx: Tx, organizationId: string, caseCode: string): Promise<OverrideRow[]> {
  return tx.override.findMany({ where: { organizationId, caseCode }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** Approves a pending override; false when it was no longer pending (a concurrent approval or revocation). */
export async function markApproved(tx: Tx, options: { id: string; by: string; at: Date }): Promise<boolean> {
  const { count } = await tx.override.updateMany({
    where: { id: options.id, approvedAt: null, revokedAt: null },
    data: { approvedAt: options.at, approvedBy: options.by },
  });
  return count === 1;
}

/** Revokes an override; false when it already was. */
export async function markRevoked(tx: Tx, options: { id: string; by: string; at: Date }): Promise<boolean> {
  const { count } = await tx.override.updateMany({
    where: { id: options.id, revokedAt: null },
    data: { revokedAt: options.at, revokedBy: options.by },
  });
  return count === 1;
}
