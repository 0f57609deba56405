import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { findCaseContext } from '../data-access/case-context.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { requireAccess } from './access.js';
import { toCaseContext } from './case-context.js';
import type { CaseContext } from './case-context.js';

/**
 * The consent context the caller's organisation recorded for a case.
 *
 * @throws AppError 403 for a role that may not, 404 while none is recorded.
 */
export async function getCaseContext(deps: { db: ConsentDatabase }, principal: Principal, caseCode: string): Promise<CaseContext> {
  requireAccess(principal, 'case.context.read', ['owner'], 'Only a caseworker or a supervisor can read a case context.');
  const row = await findCaseContext(deps.db.client, principal.organizationId, caseCode);
  if (row === null) throw notFound('No consent context is recorded for this case.');
  return toCaseContext(row);
}
