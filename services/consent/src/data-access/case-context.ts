import type { CaseContext } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type CaseContextRow = CaseContext;

export function findCaseContext(tx: Tx, organizationId: string, caseCode: string): Promise<CaseContextRow | null> {
  return tx.caseContext.findUnique({ where: { organizationId_caseCode: { organizationId, caseCode } } });
}

export function upsertCaseContext(tx: Tx, row: Omit<CaseContextRow, 'updatedAt'>, at: Date): Promise<CaseContextRow> {
  const { organizationId, caseCode, ...rest } = row;
  return tx.caseContext.upsert({
    where: { organizationId_caseCode: { organizationId, caseCode } },
    create: { ...row, updatedAt: at },
    update: { ...rest, updatedAt: at },
  });
}
