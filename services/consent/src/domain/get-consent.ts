import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findConsent } from '../data-access/consents.js';
import { can, ownerRelationship, requireAccess } from './access.js';
import { toConsent } from './consent.js';
import type { Consent } from './consent.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * A consent, for its own organisation only. Another organisation gets the
 * same 404 as for an id that does not exist: a consent's existence says that a
 * case exists, which is itself need-to-know.
 *
 * @throws AppError 403 for a role that may not read consents, 404 otherwise.
 */
export async function getConsent(deps: { db: ConsentDatabase; texts: ConsentTexts }, principal: Principal, id: string): Promise<Consent> {
  requireAccess(principal, 'consent.read', ['owner'], 'Only a caseworker or a supervisor can read consents.');
  const row = await findConsent(deps.db.client, deps.texts, id);
  if (row === null || !can(principal, 'consent.read', ownerRelationship(principal, row.organizationId)).allowed) {
    throw notFound('No consent has this id.');
  }
  return toConsent(row);
}
