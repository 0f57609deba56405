import { decodeCursor, forbidden, hasRole, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import { findAccessLog } from '../data-access/history.js';
import type { AccessLogRow } from '../data-access/history.js';
import type { ReferralDeps } from './deps.js';
import { findVisibleReferral } from './find-visible-referral.js';

export type AccessLogEntry = {
  id: string;
  readerUserId: string;
  readerOrganizationId: string;
  fieldKeys: string[];
  decisionId: string | null;
  restricted: string | null;
  readAt: string;
};

function toEntry(row: AccessLogRow): AccessLogEntry {
  return {
    id: row.id,
    readerUserId: row.readerUserId,
    readerOrganizationId: row.readerOrganizationId,
    fieldKeys: row.fieldKeys,
    decisionId: row.decisionId,
    restricted: row.restrictedReason,
    readAt: row.readAt.toISOString(),
  };
}

/**
 * Who outside the referring organisation read the referral, which keys, under
 * which decision: for the referring organisation's case team, who answer to
 * the child and family for it.
 *
 * @throws AppError 403 for anyone else on the referral, 404 when not visible.
 */
export async function getAccessLog(
  deps: ReferralDeps,
  principal: Principal,
  id: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<AccessLogEntry>> {
  const row = await findVisibleReferral(deps, principal, id);
  if (principal.organizationId !== row.referringOrganizationId || !hasRole(principal, 'caseworker', 'supervisor')) {
    throw forbidden("Only the referring organisation's caseworkers and supervisors read the access log.");
  }
  let after: { readAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [readAt, entryId] = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    after = { readAt: new Date(String(readAt)), id: String(entryId) };
  }
  const rows = await findAccessLog(deps.db.client, row.id, query.limit + 1, after);
  return toPage(rows, query.limit, (r) => [r.readAt.toISOString(), r.id], toEntry);
}
