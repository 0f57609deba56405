import type { ConsentApi } from '@referral-hub/contracts';
import type { CaseContextRow } from '../data-access/case-context.js';

export type CaseContext = ConsentApi.components['schemas']['CaseContext'];
export type CaseContextInput = ConsentApi.components['schemas']['CaseContextInput'];

export function toCaseContext(row: CaseContextRow): CaseContext {
  return {
    caseCode: row.caseCode,
    organizationId: row.organizationId,
    childAge: row.childAge,
    caregiverCanBeAsked: row.caregiverCanBeAsked,
    caregiverNotAskedReason: row.caregiverNotAskedReason as CaseContext['caregiverNotAskedReason'],
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
  };
}
