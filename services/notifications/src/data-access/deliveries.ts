import type { Delivery } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type DeliveryRow = Delivery;
export type NewDeliveryRow = Pick<
  Delivery,
  'id' | 'eventId' | 'eventType' | 'referralId' | 'referringOrganizationId' | 'recipientKey' | 'recipientRole' | 'subscriberOrganizationId' | 'channel' | 'language' | 'messageKind' | 'status' | 'errorCode' | 'failedAt'
>;

/** Inserts planned deliveries; rows already planned for the same event, recipient and channel are left as they are. */
export async function insertDeliveries(tx: Tx, rows: NewDeliveryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.delivery.createMany({ data: rows, skipDuplicates: true });
}

export function findDelivery(tx: Tx, id: string): Promise<DeliveryRow | null> {
  return tx.delivery.findUnique({ where: { id } });
}

/** Records an attempt's outcome; only a delivery still queued changes (sent and failed are final). */
export async function updateQueuedDelivery(
  tx: Tx,
  id: string,
  change: Partial<Pick<Delivery, 'status' | 'attempts' | 'providerMessageId' | 'errorCode' | 'sentAt' | 'failedAt' | 'updatedAt'>>,
): Promise<boolean> {
  const { count } = await tx.delivery.updateMany({ where: { id, status: 'queued' }, data: change });
  return count === 1;
}

/**
 * The delivery log of a referral as `organizationId` may see it, oldest
 * first: everything when it referred, except other organisations' webhooks;
 * its own webhooks when it is the recipient.
 */
export function listDeliveriesOfReferral(tx: Tx, referralId: string, organizationId: string): Promise<DeliveryRow[]> {
  return tx.delivery.findMany({
    where: {
      referralId,
      OR: [
        { referringOrganizationId: organizationId, subscriberOrganizationId: null },
        { subscriberOrganizationId: organizationId },
      ],
    },
    orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }],
  });
}
