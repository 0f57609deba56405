import type { WebhookSubscription } from './generated/prisma/client.js';
import type { SqlPool, Tx } from './database.js';

export type SubscriptionRow = WebhookSubscription;
export type NewSubscriptionRow = Pick<WebhookSubscription, 'id' | 'organizationId' | 'url' | 'eventTypes' | 'secret' | 'secretKeyId' | 'secretCiphertext' | 'createdBy' | 'createdAt'>;

export function insertSubscription(tx: Tx, row: NewSubscriptionRow): Promise<SubscriptionRow> {
  return tx.webhookSubscription.create({ data: row });
}

/** An organisation's subscriptions, oldest first. */
export function listSubscriptionsOf(tx: Tx, organizationId: string): Promise<SubscriptionRow[]> {
  return tx.webhookSubscription.findMany({ where: { organizationId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** One subscription of an organisation; null when it does not exist or is another organisation's. */
export function findSubscriptionOf(tx: Tx, organizationId: string, id: string): Promise<SubscriptionRow | null> {
  return tx.webhookSubscription.findFirst({ where: { id, organizationId } });
}

/** A subscription by id, whoever owns it (the webhook sender, for its URL and secret). */
export function findSubscription(tx: Tx, id: string): Promise<SubscriptionRow | null> {
  return tx.webhookSubscription.findUnique({ where: { id } });
}

/** Removes one subscription of an organisation; false when there was none. */
export async function deleteSubscriptionOf(tx: Tx, organizationId: string, id: string): Promise<boolean> {
  const { count } = await tx.webhookSubscription.deleteMany({ where: { id, organizationId } });
  return count > 0;
}

/**
 * The subscriptions of these organisations to this event type, by id: their id, organisation and URL
 * (never the secret). A prepared statement on the pool: read for each event planned.
 */
export async function findSubscriptionsToEvent(sql: SqlPool, organizationIds: string[], eventType: string): Promise<Pick<SubscriptionRow, 'id' | 'organizationId' | 'url'>[]> {
  const { rows } = await sql.query<Pick<SubscriptionRow, 'id' | 'organizationId' | 'url'>>({
    name: 'notifications-subscriptions-to-event',
    text: `SELECT id::text AS id, organization_id::text AS "organizationId", url FROM webhook_subscription
            WHERE organization_id = ANY($1::uuid[]) AND $2 = ANY(event_types) ORDER BY id`,
    values: [organizationIds, eventType],
  });
  return rows;
}
