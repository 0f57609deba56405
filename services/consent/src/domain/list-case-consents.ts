import { decodeCursor, toPage } from '@referral-hub/platform';
import type { Page, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { listConsentsOfCase } from '../data-access/consents.js';
import { requireAccess } from './access.js';
import { toConsent } from './consent.js';
import type { Consent } from './consent.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

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
    // A cursor is opaque but not trusted: a forged one is a 400 naming it, not a database error.
    const [createdAt, id] = decodeCursor(query.cursor, ['timestamp', 'uuid']);
    after = { createdAt: new Date(String(createdAt)), id: String(id) };
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
