import { createHash } from 'node:crypto';
import type { OutgoingMessage } from './channels.js';

/**
 * What a delivery job carries: the log row it updates and the rendered message (`referralId` null for a
 * subscription's test or a phone reply). The domain owns it: the use cases that plan deliveries make jobs,
 * `send-delivery.ts` sends one, and the queue (`delivery/queue.ts`) only carries them.
 */
export type DeliveryJobData = { deliveryId: string; eventId: string; referralId: string | null; message: OutgoingMessage };

/**
 * Where planned jobs go once their rows are committed (the BullMQ queue). A job whose id is already
 * queued (same event, recipient, channel) is not added again.
 */
export type EnqueueDeliveries = (jobs: DeliveryJobData[]) => Promise<void>;

/**
 * The id of a delivery, and of its job: derived from the event, recipient and
 * channel, so that planning the same event again (a redelivery) lands on the
 * same row and the same job, and nothing is sent twice.
 */
export function deliveryId(eventId: string, recipientKey: string, channel: string): string {
  const hex = createHash('sha256').update(`${eventId}\u0000${recipientKey}\u0000${channel}`).digest('hex');
  // Shaped as a UUID (version 8: custom) so that it fits the log's uuid column and the events' notificationId.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
