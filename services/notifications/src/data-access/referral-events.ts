import type { Prisma, ReferralEvent } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type NewReferralEventRow = Pick<ReferralEvent, 'eventId' | 'eventType' | 'referralId' | 'occurredAt'> & { envelope: object };

/** Records a received referral event (the inbox has already ruled out a duplicate). */
export async function insertReferralEvent(tx: Tx, event: NewReferralEventRow): Promise<void> {
  await tx.referralEvent.create({ data: { ...event, envelope: event.envelope as Prisma.InputJsonObject } });
}

export function findReferralEvent(tx: Tx, eventId: string): Promise<ReferralEvent | null> {
  return tx.referralEvent.findUnique({ where: { eventId } });
}
