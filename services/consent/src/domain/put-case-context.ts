import { validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { upsertCaseContext } from '../data-access/case-context.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { requireAccess } from './access.js';
import { toCaseContext } from './case-context.js';
import type { CaseContext, CaseContextInput } from './case-context.js';

/**
 * Records what the consent rules need to know about a case of the caller's organisation: the
 * child's age in years and whether the caregiver can be asked (and if not, why). A reason is
 * required when the caregiver cannot be asked, and refused when they can, so the record never
 * says two things.
 *
 * @throws AppError 403 for a role that may not, 400 naming the inconsistent field.
 */
export async function putCaseContext(
  deps: { db: ConsentDatabase },
  principal: Principal,
  caseCode: string,
  input: CaseContextInput,
  now: Date = new Date(),
): Promise<CaseContext> {
  requireAccess(principal, 'case.context.write', ['owner'], 'Only a caseworker or a supervisor can record a case context.');
  if (!input.caregiverCanBeAsked && input.caregiverNotAskedReason === undefined) {
    throw validationError([{ field: 'body.caregiverNotAskedReason', message: 'is required when the caregiver cannot be asked', code: 'required' }]);
  }
  if (input.caregiverCanBeAsked && input.caregiverNotAskedReason !== undefined) {
    throw validationError([{ field: 'body.caregiverNotAskedReason', message: 'must be absent when the caregiver can be asked', code: 'not_allowed' }]);
  }
  const row = await upsertCaseContext(
    deps.db.client,
    {
      organizationId: principal.organizationId,
      caseCode,
      childAge: input.childAge ?? null,
      caregiverCanBeAsked: input.caregiverCanBeAsked,
      caregiverNotAskedReason: input.caregiverNotAskedReason ?? null,
      updatedBy: principal.userId,
    },
    now,
  );
  return toCaseContext(row);
}
