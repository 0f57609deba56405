import type { ReferralEvent } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type NewReferralEventRow = Pick<ReferralEvent, 'eventId' | 'eventType' | 'referralId' | 'occurredAt'> & { envelope: object };

/** Records a received referral event (the inbox has already ruled out a duplicate): one statement in the consumer's transaction. */
export async function insertReferralEvent(tx: Tx, event: NewReferralEventRow): Promise<void> {
  await tx.$executeRawUnsafe(
    'INSERT INTO referral_event (event_id, event_type, referral_id, occurred_at, envelope) VALUES ($1, $2, $3::uuid, $4::timestamptz, $5::jsonb)',
    event.eventId,
    event.eventType,
    event.referralId,
    event.occurredAt,
    JSON.stringify(event.envelope),
  );
}

export function findReferralEvent(tx: Tx, eventId: string): Promise<ReferralEvent | null> {
  return tx.referralEvent.findUnique({ where: { eventId } });
}
