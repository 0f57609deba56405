import { decodeCursor, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import { listAgreementRows } from '../data-access/agreements.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { can, requireAccess } from './access.js';
import { isoDay, toAgreement } from './agreement.js';
import type { Agreement, AgreementStatus } from './agreement.js';

/**
 * The sharing agreements the caller may read, newest first, each as `getAgreement` gives it: for
 * the network coordinator (who may read any agreement) every one; for a member of an
 * organisation, those it is a party to — the same rule as reading one (`agreement.read`), so a
 * list never shows what a read would hide. `status` is derived at the moment of the request.
 *
 * @throws AppError 403 for a role that may read no agreement, 400 for a foreign cursor.
 */
export async function listAgreements(
  deps: { db: ConsentDatabase },
  principal: Principal,
  query: { status?: AgreementStatus | undefined; limit: number; cursor?: string | undefined },
  now: Date = new Date(),
): Promise<Page<Agreement>> {
  const everyAgreement = can(principal, 'agreement.read').allowed;
  if (!everyAgreement) {
    requireAccess(
      principal,
      'agreement.read',
      ['party'],
      'Only a network coordinator, or an administrator, caseworker, supervisor or focal point of an organisation, can list sharing agreements.',
    );
  }
  let after: { createdAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    // A cursor is opaque but not trusted: a forged one is a 400 naming it, not a database error.
    const [createdAt, id] = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    after = { createdAt: new Date(String(createdAt)), id: String(id) };
  }
  const rows = await listAgreementRows(deps.db.client, {
    ...(everyAgreement ? {} : { partyOrganizationId: principal.organizationId }),
    ...(query.status === undefined ? {} : { status: query.status }),
    today: isoDay(now),
    limit: query.limit + 1,
    ...(after === undefined ? {} : { after }),
  });
  return toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id], (row) => toAgreement(row, now));
}
