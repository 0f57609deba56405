import { decodeCursor, toPage, validationError } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { ReferralsDatabase } from '../data-access/database.js';
import { listReferralsOfOrganization } from '../data-access/referrals.js';
import type { ReferralBox } from '../data-access/referrals.js';
import { assertMayAct } from './access.js';
import { toReferralSummary } from './referral.js';
import type { ReferralSummary } from './referral.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The referrals the caller's organisation sent or received, most recently
 * updated first. Only ever the caller's own organisation's: the box decides
 * which side of the referral it must be on.
 *
 * @throws AppError 403 for a role that does not handle referrals, 400 for a foreign cursor.
 */
export async function listReferrals(
  deps: { db: ReferralsDatabase },
  principal: Principal,
  query: { box: ReferralBox; limit: number; cursor?: string | undefined },
): Promise<Page<ReferralSummary>> {
  assertMayAct(principal, 'listReferrals');
  let after: { updatedAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [updatedAt, id] = decodeCursor(query.cursor, 2);
    const date = new Date(String(updatedAt));
    // A cursor is opaque but not trusted: a forged one must be a 400, not a database error.
    if (Number.isNaN(date.getTime()) || !UUID.test(String(id))) {
      throw validationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API', code: 'format' }]);
    }
    after = { updatedAt: date, id: String(id) };
  }
  const rows = await listReferralsOfOrganization(deps.db.client, {
    organizationId: principal.organizationId,
    box: query.box,
    limit: query.limit + 1,
    ...(after === undefined ? {} : { after }),
  });
  return toPage(rows, query.limit, (row) => [row.updatedAt.toISOString(), row.id], toReferralSummary);
}
