import { decodeCursor, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { listDecisionsOfCase } from '../data-access/decisions.js';
import { requireAccess } from './access.js';
import { toDecision } from './decision.js';
import type { Decision } from './decision.js';

/**
 * The sharing decisions made about a case of the caller's organisation, newest first: who asked,
 * for whom, what was allowed and denied, on what basis.
 *
 * @throws AppError 403 for a role that may not, 400 for a foreign cursor.
 */
export async function listCaseDecisions(
  deps: { db: ConsentDatabase },
  principal: Principal,
  query: { caseCode: string; limit: number; cursor?: string | undefined },
): Promise<Page<Decision>> {
  requireAccess(principal, 'decision.list', ['owner'], 'Only a caseworker or a supervisor can list the decisions of a case.');
  let after: { createdAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    after = { createdAt: new Date(String(createdAt)), id: String(id) };
  }
  const rows = await listDecisionsOfCase(deps.db.client, {
    organizationId: principal.organizationId,
    caseCode: query.caseCode,
    limit: query.limit + 1,
    ...(after === undefined ? {} : { after }),
  });
  return toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id], toDecision);
}
