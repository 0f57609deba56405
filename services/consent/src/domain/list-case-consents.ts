import { decodeCursor, toPage, validationError } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { listConsentsOfCase } from '../data-access/consents.js';
import { requireAccess } from './access.js';
import { toConsent } from './consent.js';
import type { Consent } from './consent.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The consents the caller's organisation recorded for a case, newest first,
 * whatever their status. Other organisations' consents of a case with the same
 * code are never listed: case codes are only unique within an organisation.
 *
 * @throws AppError 403 for a role that may not read consents, 400 for a foreign cursor.
 */
export async function listCaseConsents(
  deps: { db: ConsentDatabase; texts: ConsentTexts },
  principal: Principal,
  query: { caseCode: string; limit: number; cursor?: string | undefined },
): Promise<Page<Consent>> {
  requireAccess(principal, 'consent.read', ['owner'], 'Only a caseworker or a supervisor can read consents.');
  let after: { createdAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(query.cursor, 2);
    const date = new Date(String(createdAt));
    // A cursor is opaque but not trusted: a forged one must be a 400, not a database error.
    if (Number.isNaN(date.getTime()) || !UUID.test(String(id))) {
      throw validationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API', code: 'format' }]);
    }
    after = { createdAt: date, id: String(id) };
  }
  const now = new Date();
  const rows = await listConsentsOfCase(deps.db.client, deps.texts, {
    organizationId: principal.organizationId,
    caseCode: query.caseCode,
    limit: query.limit + 1,
    ...(after === undefined ? {} : { after }),
  });
  return toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id], (row) => toConsent(row, now));
}
