import type { Decision } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type DecisionRow = Decision;

export function findDecision(tx: Tx, id: string): Promise<DecisionRow | null> {
  return tx.decision.findUnique({ where: { id } });
}

/** One organisation's decisions of one case, newest first, after `after` (keyset pagination). */
export function listDecisionsOfCase(
  tx: Tx,
  options: { organizationId: string; caseCode: string; limit: number; after?: { createdAt: Date; id: string } },
): Promise<DecisionRow[]> {
  const { organizationId, caseCode, after } = options;
  return tx.decision.findMany({
    where: {
      organizationId,
      caseCode,
      ...(after === undefined
        ? {}
        : { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit,
  });
}
