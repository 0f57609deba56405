import type { Override, Prisma } from './generated/prisma/client.js';
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

/**
 * One organisation's overrides, newest first (`createdAt`, then `id`, descending), after `after`
 * (keyset pagination), of one case when `caseCode` is given. `status` is derived as
 * `overrideStatus` derives it, at `now`: revoked, else expired once past its end, else pending
 * until approved, else active.
 */
export function listOverrideRows(
  tx: Tx,
  options: {
    organizationId: string;
    caseCode?: string;
    status?: 'pending' | 'active' | 'expired' | 'revoked';
    now: Date;
    limit: number;
    after?: { createdAt: Date; id: string };
  },
): Promise<OverrideRow[]> {
  const { now, after } = options;
  const byStatus: Record<NonNullable<typeof options.status>, Prisma.OverrideWhereInput> = {
    revoked: { revokedAt: { not: null } },
    expired: { revokedAt: null, expiresAt: { lte: now } },
    pending: { revokedAt: null, expiresAt: { gt: now }, approvedAt: null },
    active: { revokedAt: null, expiresAt: { gt: now }, approvedAt: { not: null } },
  };
  return tx.override.findMany({
    where: {
      organizationId: options.organizationId,
      ...(options.caseCode === undefined ? {} : { caseCode: options.caseCode }),
      AND: [
        options.status === undefined ? {} : byStatus[options.status],
        after === undefined ? {} : { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] },
      ],
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit,
  });
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
