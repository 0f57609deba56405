import type { ReferralsApi } from '@referral-hub/contracts';
import type { Principal } from '@referral-hub/platform';
import type { ReferralsDatabase } from '../data-access/database.js';
import { listFocalPointsFor } from '../data-access/directory-details.js';
import type { ReferralDeps } from './deps.js';
import { findVisibleReferral } from './find-visible-referral.js';

/** A person who receives referrals for the recipient: work contacts, as the directory publishes them. */
export type RecipientFocalPoint = ReferralsApi.components['schemas']['RecipientFocalPoint'];

/**
 * Who receives a referral, from the local read model of the directory (so it
 * answers while the directory is down): the focal points named for the
 * referral's service, or, when the service has none, the recipient
 * organisation's own. Empty when neither has been fetched yet.
 */
export async function recipientFocalPoints(
  deps: { db: ReferralsDatabase },
  referral: { recipientOrganizationId: string; recipientServiceId: string },
): Promise<RecipientFocalPoint[]> {
  const rows = await listFocalPointsFor(deps.db.client, { organizationId: referral.recipientOrganizationId, serviceId: referral.recipientServiceId });
  const forService = rows.filter((row) => row.serviceId === referral.recipientServiceId);
  const chosen = forService.length > 0 ? forService : rows.filter((row) => row.serviceId === null);
  return chosen.map((row) => ({
    id: row.id,
    name: row.name,
    title: row.title,
    email: row.email,
    phone: row.phone,
    languages: row.languages,
    // The directory only accepts a language the hub speaks here.
    preferredLanguage: row.preferredLanguage as RecipientFocalPoint['preferredLanguage'],
    scope: row.serviceId === null ? 'organization' : 'service',
  }));
}

/**
 * `GET /v1/referrals/{id}/recipient-contacts`: the receiving focal points'
 * work contacts, for either side of the referral.
 *
 * @throws AppError 403 for a role that handles no referrals, 404 when not visible.
 */
export async function getRecipientContacts(
  deps: { db: ReferralsDatabase; pool: ReferralDeps['pool'] },
  principal: Principal,
  id: string,
): Promise<{ items: RecipientFocalPoint[] }> {
  const row = await findVisibleReferral(deps, principal, id);
  return { items: await recipientFocalPoints(deps, row) };
}
