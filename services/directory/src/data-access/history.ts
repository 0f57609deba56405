import type { ChangeHistory, Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type ChangeHistoryRow = ChangeHistory;

export async function insertChangeHistory(tx: Tx, entry: Prisma.ChangeHistoryUncheckedCreateInput): Promise<void> {
  await tx.changeHistory.create({ data: entry });
}

/** History entries matching `where`, oldest first, after the keyset position `after`. */
export function listChangeHistory(
  tx: Tx,
  where: { organizationId: string } | { entityType: string; entityId: string },
  options: { limit: number; after?: { at: Date; id: string } },
): Promise<ChangeHistoryRow[]> {
  const { after } = options;
  return tx.changeHistory.findMany({
    where: {
      ...where,
      ...(after === undefined ? {} : { OR: [{ at: { gt: after.at } }, { at: after.at, id: { gt: after.id } }] }),
    },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
    take: options.limit,
  });
}
