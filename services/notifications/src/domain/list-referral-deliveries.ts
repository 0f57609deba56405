import type { NotificationsApi } from '@referral-hub/contracts';
import type { Principal } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { listEventEnvelopesOfReferral, listPeopleDeliveriesOfReferral } from '../data-access/case-deliveries.js';
import { listDeliveriesOfReferral } from '../data-access/deliveries.js';
import type { DeliveryRow } from '../data-access/deliveries.js';
import { requireAccess } from './access.js';
import { deliveriesVisibleTo } from './who-follows-the-case.js';

export type DeliveryView = NotificationsApi.components['schemas']['Delivery'];

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** The API's view of a delivery log row. */
export function toDeliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    messageKind: row.messageKind,
    recipient: row.recipientKey,
    recipientRole: row.recipientRole as DeliveryView['recipientRole'],
    channel: row.channel as DeliveryView['channel'],
    language: row.language as DeliveryView['language'],
    // An SMS the provider reported on the phone stays `sent` in the table (a final state for the workers
    // and the sweep); the log says `delivered`.
    status: row.status === 'sent' && row.deliveredAt !== null ? 'delivered' : (row.status as DeliveryView['status']),
    attempts: row.attempts,
    providerMessageId: row.providerMessageId,
    errorCode: row.errorCode,
    queuedAt: row.queuedAt.toISOString(),
    sentAt: iso(row.sentAt),
    failedAt: iso(row.failedAt),
    deliveredAt: iso(row.deliveredAt),
    fallbackOf: row.fallbackOf,
  };
}

/**
 * `GET /v1/referrals/{id}/deliveries`: the referral's delivery log, for the
 * organisation that held the lead when each message's event happened (the
 * referring one, then after a transfer the new lead's: `who-follows-the-case.ts`),
 * and each organisation's own webhooks. Another organisation gets an empty list, as for an
 * unknown referral, so it learns nothing, not even that the referral exists.
 *
 * @throws AppError 403 for a role that does not follow referrals.
 */
export async function listReferralDeliveries(
  deps: { db: NotificationsDatabase },
  principal: Principal,
  referralId: string,
): Promise<{ items: DeliveryView[] }> {
  requireAccess(principal, 'deliveryLog.read');
  const id = referralId.toLowerCase();
  // Those of the referring organisation and its webhooks, plus what fell to a lead organisation after a transfer.
  const [own, all, events] = await Promise.all([
    listDeliveriesOfReferral(deps.db.client, id, principal.organizationId),
    listPeopleDeliveriesOfReferral(deps.db.client, id),
    listEventEnvelopesOfReferral(deps.db.client, id),
  ]);
  const people = deliveriesVisibleTo(all, events, principal.organizationId);
  const hooks = own.filter((row) => row.subscriberOrganizationId !== null);
  const rows = [...people, ...hooks].sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime() || a.id.localeCompare(b.id));
  return { items: rows.map(toDeliveryView) };
}
