import type { ReferralEvent } from './generated/prisma/client.js';
import type { Tx } from './database.js';
import { newDeliveriesJson, newDeliveriesSql } from './deliveries.js';
import type { NewDeliveryRow } from './deliveries.js';

export type NewReferralEventRow = Pick<ReferralEvent, 'eventId' | 'eventType' | 'referralId' | 'occurredAt'> & { envelope: object };

/**
 * Records a received referral event (the inbox has already ruled out a duplicate) and the deliveries
 * planned for it: ONE statement in the consumer's transaction, however many deliveries.
 */
export async function insertReferralEvent(tx: Tx, event: NewReferralEventRow, deliveries: readonly NewDeliveryRow[] = []): Promise<void> {
  const insertEvent =
    'INSERT INTO referral_event (event_id, event_type, referral_id, occurred_at, envelope) VALUES ($1, $2, $3::uuid, $4::timestamptz, $5::jsonb)';
  const values = [event.eventId, event.eventType, event.referralId, event.occurredAt, JSON.stringify(event.envelope)];
  if (deliveries.length === 0) {
    await tx.$executeRawUnsafe(insertEvent, ...values);
    return;
  }
  await tx.$executeRawUnsafe(`WITH event AS (${insertEvent}) ${newDeliveriesSql('$6')}`, ...values, newDeliveriesJson(deliveries));
}

export function findReferralEvent(tx: Tx, eventId: string): Promise<ReferralEvent | null> {
  return tx.referralEvent.findUnique({ where: { eventId } });
}
