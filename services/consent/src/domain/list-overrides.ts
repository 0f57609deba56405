import { decodeCursor, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { listOverrideRows } from '../data-access/overrides.js';
import { requireAccess } from './access.js';
import { toOverride } from './override.js';
import type { Override, OverrideStatus } from './override.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * The best-interests overrides the caller's organisation requested, newest first, of one case
 * when `caseCode` is given: for a supervisor, what awaits approval (`pending`); for the case team,
 * what covers a case. Only the owning organisation's case team, as for reading one
 * (`override.read`): an organisation an override names as recipient never lists it, since its
 * justification is the owner's alone. `status` is derived at the moment of the request.
 *
 * @throws AppError 403 for a role that may not read overrides, 400 for a foreign cursor.
 */
export async function listOverrides(
  deps: { db: ConsentDatabase; texts: ConsentTexts },
  principal: Principal,
  query: { status?: OverrideStatus | undefined; caseCode?: string | undefined; limit: number; cursor?: string | undefined },
  now: Date = new Date(),
): Promise<Page<Override>> {
  requireAccess(principal, 'override.read', ['owner'], 'Only a caseworker or a supervisor can read overrides.');
  let after: { createdAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    // A cursor is opaque but not trusted: a forged one is a 400 naming it, not a database error.
    const [createdAt, id] = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    after = { createdAt: new Date(String(createdAt)), id: String(id) };
  }
  const rows = await listOverrideRows(deps.db.client, deps.texts, {
    organizationId: principal.organizationId,
    ...(query.caseCode === undefined ? {} : { caseCode: query.caseCode }),
    ...(query.status === undefined ? {} : { status: query.status }),
    now,
    limit: query.limit + 1,
    ...(after === undefined ? {} : { after }),
  });
  return toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id], (row) => toOverride(row, now));
}
