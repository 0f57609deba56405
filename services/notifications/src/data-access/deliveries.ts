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

/**
 * Claims a delivery for one attempt, atomically (one UPDATE … RETURNING): a
 * `queued` one, or a `sending` one whose claimer's lease ran out (it died while
 * sending). The row comes back `sending`, its attempt counted (the new
 * `attempts` is this attempt's number, and the fence of every later write),
 * leased until `now + leaseMs`. Null when it was not claimable: missing,
 * sent, failed, or being sent by another worker.
 */
export async function claimDelivery(tx: Tx, id: string, leaseMs: number, now: Date = new Date()): Promise<DeliveryRow | null> {
  const [row] = await tx.delivery.updateManyAndReturn({
    where: { id, OR: [{ status: 'queued' }, { status: 'sending', leaseUntil: { lt: now } }] },
    data: { status: 'sending', attempts: { increment: 1 }, leaseUntil: new Date(now.getTime() + leaseMs), updatedAt: now },
  });
  return row ?? null;
}

/** Extends the lease of the attempt that holds the delivery; false when it no longer does. */
export async function extendDeliveryLease(tx: Tx, id: string, attempt: number, leaseMs: number, now: Date = new Date()): Promise<boolean> {
  const { count } = await tx.delivery.updateMany({ where: { id, status: 'sending', attempts: attempt }, data: { leaseUntil: new Date(now.getTime() + leaseMs) } });
  return count === 1;
}

/**
 * Records the outcome of the attempt that holds the delivery (`sending`, with
 * this attempt number): `sent` or `failed` (final), or back to `queued` for a
 * retry. False when the attempt no longer holds it.
 */
export async function updateClaimedDelivery(
  tx: Tx,
  id: string,
  attempt: number,
  change: Partial<Pick<Delivery, 'status' | 'providerMessageId' | 'errorCode' | 'sentAt' | 'failedAt' | 'updatedAt' | 'deliveredAt'>>,
): Promise<boolean> {
  const { count } = await tx.delivery.updateMany({ where: { id, status: 'sending', attempts: attempt }, data: { ...change, leaseUntil: null } });
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
