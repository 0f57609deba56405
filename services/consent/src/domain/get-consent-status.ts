import { notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findConsent } from '../data-access/consents.js';
import { can, consentRelationships } from './access.js';
import { consentStatus } from './consent.js';
import type { ConsentStatus } from './consent.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * A consent's status and nothing else, for the owning organisation and for the organisations
 * the consent names as recipients: a receiving organisation may learn that a consent it relies
 * on is active, withdrawn, expired or used up. Everyone else gets the 404 of an unknown id.
 *
 * @throws AppError 404 when the caller may not know of it.
 */
export async function getConsentStatus(
  deps: { db: ConsentDatabase; texts: ConsentTexts },
  principal: Principal,
  id: string,
  now: Date = new Date(),
): Promise<{ id: string; status: ConsentStatus }> {
  const row = await findConsent(deps.db.client, deps.texts, id);
  if (row === null) throw notFound('No consent has this id.');
  if (!can(principal, 'consent.status', consentRelationships(principal, row)).allowed) throw notFound('No consent has this id.');
  return { id: row.id, status: consentStatus(row, now) };
}
