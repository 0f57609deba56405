import { decodeCursor, encodeCursor, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { ReferralsDatabase } from '../data-access/database.js';
import { listReferralsOfOrganization } from '../data-access/referrals.js';
import type { ReferralBox, ReferralFilters } from '../data-access/referrals.js';
import { requireAccess } from './access.js';
import { toReferralSummary } from './referral.js';
import type { ReferralSummary } from './referral.js';

export type ListReferralsQuery = {
  box: ReferralBox;
  limit: number;
  cursor?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
  status?: string[] | undefined;
  urgency?: string[] | undefined;
  overdue?: boolean | undefined;
  escalated?: boolean | undefined;
  serviceId?: string | undefined;
  updatedSince?: string | undefined;
};

/**
 * The referrals the caller's organisation sent or received, filtered, in a
 * stable `(updatedAt, id)` order. Every change of a referral moves its
 * `updatedAt` on, so a system polling with `order=asc` from its last cursor
 * gets every change once, in order: ascending pages hold back changes younger
 * than the settle time (a transaction may commit after a later one), and the
 * last page still carries a cursor to poll from.
 *
 * @throws AppError 403 for a role that does not handle referrals, 400 for a foreign cursor.
 */
export async function listReferrals(
  deps: { db: ReferralsDatabase; now?: () => Date; pollSettleMs?: number },
  principal: Principal,
  query: ListReferralsQuery,
): Promise<Page<ReferralSummary>> {
  requireAccess(principal, 'referrals.list');
  let after: { updatedAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [updatedAt, id] = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    after = { updatedAt: new Date(String(updatedAt)), id: String(id) };
  }
  const filters: ReferralFilters = {
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.urgency === undefined ? {} : { urgency: query.urgency }),
    ...(query.overdue === undefined ? {} : { overdue: query.overdue }),
    ...(query.escalated === undefined ? {} : { escalated: query.escalated }),
    ...(query.serviceId === undefined ? {} : { serviceId: query.serviceId.toLowerCase() }),
    ...(query.updatedSince === undefined ? {} : { updatedSince: new Date(query.updatedSince) }),
  };
  const order = query.order ?? 'desc';
  const now = deps.now?.() ?? new Date();
  const rows = await listReferralsOfOrganization(deps.db.client, {
    organizationId: principal.organizationId,
    box: query.box,
    limit: query.limit + 1,
    order,
    filters,
    now,
    ...(order === 'asc' ? { updatedUntil: new Date(now.getTime() - (deps.pollSettleMs ?? 0)) } : {}),
    ...(after === undefined ? {} : { after }),
  });
  const page = toPage(rows, query.limit, (row) => [row.updatedAt.toISOString(), row.id], toReferralSummary);
  if (order === 'desc' || page.nextCursor !== null) return page;
  // Polling never ends: the last page still gives a cursor (its last item's, or the one given
  // when nothing changed), so the next poll starts exactly where this one stopped.
  const last = page.items.at(-1);
  return { ...page, nextCursor: last === undefined ? (query.cursor ?? null) : encodeCursor([last.updatedAt, last.id]) };
}
