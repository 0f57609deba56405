import type { ReferralsApi } from '@referral-hub/contracts';
import { forbidden, isUuid, notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { listFocalPointsFor } from '../data-access/directory-details.js';
import { listFormerLeads } from '../data-access/former-leads.js';
import { findKnownOrganization } from '../data-access/known-organizations.js';
import { findKnownService } from '../data-access/known-services.js';
import { findReferral } from '../data-access/referrals.js';
import { can } from './access.js';
import type { ActionLinkAction } from './action-link-token.js';
import { channelMayTake } from './channel-steps.js';
import type { ReferralDeps } from './deps.js';

/** What the notifications service needs to tell people about a referral (see the contract). */
export type NotificationContext = ReferralsApi.components['schemas']['NotificationContext'];


/** The directory's `{fr?, en?}` name of a service, as both languages (null when missing). */
export function localizedName(value: unknown): { fr: string | null; en: string | null } {
  const pick = (key: 'fr' | 'en'): string | null => {
    if (typeof value !== 'object' || value === null) return null;
    const name = (value as Record<string, unknown>)[key];
    return typeof name === 'string' && name !== '' ? name : null;
  };
  return { fr: pick('fr'), en: pick('en') };
}

/** The notifications service's machine client: listed client id, `system` role, the hub's organisation. */
export function isNotificationsService(principal: Principal, trusted: ReferralDeps['notificationClients']): boolean {
  return (
    can(principal, 'notificationContext.read').allowed &&
    principal.clientId !== undefined &&
    trusted.clientIds.includes(principal.clientId) &&
    trusted.organizationId !== null &&
    principal.organizationId === trusted.organizationId
  );
}

/**
 * `GET /v1/referrals/{id}/notification-context`: who to tell about a referral
 * and how to name it, for the notifications service. The answer is built field
 * by field from the envelope and the directory read model, so the payload,
 * the need and the notes can never be part of it.
 *
 * The caller must be the notifications service, identified as a machine
 * client in full (issuer, audience and signature being the authenticator's):
 * its token's `client_id` claim listed in `NOTIFICATION_CLIENT_SUBJECTS`, the
 * `system` role, and the network hub's own organisation (`HUB_ORGANIZATION_ID`)
 * as `org`. The subject alone proves nothing: a user token, or another
 * organisation's client, may carry `sub: notifications-service`. The contacts
 * of both sides of any organisation's referral are not for an organisation's
 * own system. Anyone else gets 403 before the referral is looked up, so it
 * learns nothing of which referrals exist.
 *
 * @throws AppError 403 for any other caller; 404 for an unknown referral.
 */
export async function getNotificationContext(
  deps: Pick<ReferralDeps, 'db' | 'notificationClients' | 'actionLinks' | 'now'>,
  principal: Principal,
  id: string,
): Promise<NotificationContext> {
  if (!isNotificationsService(principal, deps.notificationClients)) {
    throw forbidden('Only the notifications service may read who to tell about a referral.');
  }
  const row = isUuid(id) ? await findReferral(deps.db.client, id.toLowerCase()) : null;
  if (row === null) throw notFound('No referral with this id.');
  const [referring, recipient, service, focalPoints] = await Promise.all([
    findKnownOrganization(deps.db.client, row.referringOrganizationId),
    findKnownOrganization(deps.db.client, row.recipientOrganizationId),
    findKnownService(deps.db.client, row.recipientServiceId),
    listFocalPointsFor(deps.db.client, { organizationId: row.recipientOrganizationId, serviceId: row.recipientServiceId }),
  ]);
  const language = row.leadLanguage === 'fr' || row.leadLanguage === 'en' ? row.leadLanguage : null;
  // Those named for the service first, then the organisation's own (the recipient-contacts rule picks from these).
  const ordered = [...focalPoints.filter((fp) => fp.serviceId !== null), ...focalPoints.filter((fp) => fp.serviceId === null)];
  const now = deps.now();
  // One-click links for the new-referral email, each focal point its own (`action-link-token.ts`): only while submitted.
  const actionLinksFor = (focalPointId: string): NotificationContext['focalPoints'][number]['actionLinks'] => {
    if (row.status !== 'submitted') return null;
    const sign = (action: ActionLinkAction) => deps.actionLinks.sign({ referralId: row.id, focalPointId, action }, now);
    const acknowledge = sign('acknowledge');
    return {
      acknowledge: acknowledge.token,
      // A case transfer is accepted in the console only (`channel-steps.ts`): no link for it.
      accept: channelMayTake('accept', row.kind) ? sign('accept').token : null,
      decline: sign('decline').token,
      expiresAt: acknowledge.expiresAt.toISOString(),
    };
  };
  return {
    id: row.id,
    code: row.code,
    replyCode: row.replyCode,
    caseCode: row.caseCode,
    status: row.status,
    referringOrganizationId: row.referringOrganizationId,
    recipientOrganizationId: row.recipientOrganizationId,
    recipientServiceId: row.recipientServiceId,
    names: {
      referringOrganization: referring?.name ?? null,
      recipientOrganization: recipient?.name ?? null,
      recipientService: localizedName(service?.name),
    },
    lead:
      row.leadUserId === null
        ? null
        : { userId: row.leadUserId, name: row.leadName, email: row.leadEmail, phone: row.leadPhone, language },
    supervisor: row.leadSupervisorUserId === null ? null : { userId: row.leadSupervisorUserId },
    focalPoints: ordered.map((fp) => ({
      id: fp.id,
      serviceId: fp.serviceId,
      name: fp.name,
      email: fp.email,
      phone: fp.phone,
      // The directory only accepts a language the hub speaks here.
      preferredLanguage: fp.preferredLanguage as NotificationContext['focalPoints'][number]['preferredLanguage'],
      actionLinks: actionLinksFor(fp.id),
    })),
    // Who led before a transfer: events carry who held each role then (`parties`), these are their contacts.
    formerLeads: (await listFormerLeads(deps.db.client, row.id)).map((former) => ({
      userId: former.userId,
      organizationId: former.organizationId,
      name: former.name,
      email: former.email,
      phone: former.phone,
      language: former.language === 'fr' || former.language === 'en' ? former.language : null,
      supervisorUserId: former.supervisorUserId,
      until: former.until.toISOString(),
    })),
  };
}
