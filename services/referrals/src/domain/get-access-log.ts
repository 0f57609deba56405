import { decodeCursor, forbidden, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import { findAccessLogUntil } from '../data-access/former-leads.js';
import { findAccessLog } from '../data-access/history.js';
import type { AccessLogRow } from '../data-access/history.js';
import type { ReferralDeps } from './deps.js';
import { findVisibleReferral } from './find-visible-referral.js';
import { accessLogShareOf } from './who-answers-for-the-case.js';

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
 * which decision: for the lead organisation's case team, who answer to the
 * child and family for it (after a transfer, the new lead's; the sender keeps
 * the log up to the hand-over: `who-answers-for-the-case.ts`).
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
  const share = await accessLogShareOf(deps.db, principal, row);
  if (share === null) {
    throw forbidden("Only the lead organisation's caseworkers and supervisors read the access log.");
  }
  let after: { readAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [readAt, entryId] = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    after = { readAt: new Date(String(readAt)), id: String(entryId) };
  }
  const rows =
    share.until === null
      ? await findAccessLog(deps.db.client, row.id, query.limit + 1, after)
      : await findAccessLogUntil(deps.db.client, row.id, share.until, query.limit + 1, after);
  return toPage(rows, query.limit, (r) => [r.readAt.toISOString(), r.id], toEntry);
}
