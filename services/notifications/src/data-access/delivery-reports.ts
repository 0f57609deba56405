import type { Delivery } from './generated/prisma/client.js';
import type { Tx } from './database.js';
import type { NewDeliveryRow } from './deliveries.js';

/**
 * The SMS delivery a provider's report is about, by the message id the provider gave when it took the
 * message (`delivery_provider_message_idx`). The newest when, against all odds, two share one.
 */
export async function findSmsDeliveryByProviderMessageId(tx: Tx, providerMessageId: string): Promise<Delivery | null> {
  return tx.delivery.findFirst({ where: { providerMessageId, channel: 'sms' }, orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }] });
}

/** Marks a `sent` SMS as on the phone; a second report (or one for a row no longer `sent`) changes nothing. */
export async function markDelivered(tx: Tx, id: string, now: Date): Promise<boolean> {
  const { count } = await tx.delivery.updateMany({ where: { id, status: 'sent', deliveredAt: null }, data: { deliveredAt: now, updatedAt: now } });
  return count === 1;
}

/**
 * Marks a `sent` SMS `failed` with the provider's reason as its error code. One already reported
 * delivered, or already failed, is left as it is.
 */
export async function markReportedFailed(tx: Tx, id: string, errorCode: string, now: Date): Promise<boolean> {
  const { count } = await tx.delivery.updateMany({ where: { id, status: 'sent', deliveredAt: null }, data: { status: 'failed', errorCode, failedAt: now, updatedAt: now } });
  return count === 1;
}

/** Whether the event already has a delivery to this recipient on this channel (planned, or a fallback). */
export async function hasDelivery(tx: Tx, eventId: string, recipientKey: string, channel: string): Promise<boolean> {
  return (await tx.delivery.count({ where: { eventId, recipientKey, channel } })) > 0;
}

/**
 * Logs the e-mail that replaces a failed SMS (`fallback_of` = the SMS delivery). False when the event
 * already has an e-mail to this recipient: nothing is added, and the caller queues nothing.
 */
export async function insertFallbackDelivery(tx: Tx, row: NewDeliveryRow & { fallbackOf: string }): Promise<boolean> {
  const { count } = await tx.delivery.createMany({ data: [row], skipDuplicates: true });
  return count === 1;
}
