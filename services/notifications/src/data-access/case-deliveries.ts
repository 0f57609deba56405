import type { Tx } from './database.js';
import type { DeliveryRow } from './deliveries.js';

/** Every message to a person about a referral (webhooks aside), in the log's order. */
export function listPeopleDeliveriesOfReferral(tx: Tx, referralId: string): Promise<DeliveryRow[]> {
  return tx.delivery.findMany({ where: { referralId, subscriberOrganizationId: null }, orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }] });
}

/** The stored envelopes of a referral's events: who held the roles when each happened. */
export function listEventEnvelopesOfReferral(tx: Tx, referralId: string): Promise<{ eventId: string; envelope: unknown }[]> {
  return tx.referralEvent.findMany({ where: { referralId }, select: { eventId: true, envelope: true } });
}
