import { randomUUID } from 'node:crypto';
import type { NotificationsApi } from '@referral-hub/contracts';
import { isUuid, notFound } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { insertDeliveries } from '../data-access/deliveries.js';
import { findSubscriptionOf } from '../data-access/subscriptions.js';
import type { EnqueueDeliveries } from './delivery-jobs.js';
import { deliveryId } from './delivery-jobs.js';
import { requireAccess } from './access.js';

export type SubscriptionTest = NotificationsApi.components['schemas']['SubscriptionTest'];
export type SubscriptionTestEvent = NotificationsApi.components['schemas']['SubscriptionTestEvent'];

/** The type of a test webhook: never on the broker, only ever sent to a subscriber that asked for it. */
export const SUBSCRIPTION_TEST_EVENT_TYPE = 'notification.test';
const SOURCE = '/services/notifications';

/**
 * Sends a subscription a signed test webhook through the same path as every
 * other one (a delivery log row, a BullMQ job, the same signing, address guard
 * and retries): a CloudEvent of type `notification.test` whose data names the
 * subscription only, no referral and nothing about a child. The row is logged
 * like any webhook's, without a referral; no `notification.*` event is
 * published for it.
 *
 * @throws AppError 403 for a role that does not manage its organisation's systems; 404 when the
 * subscription does not exist or belongs to another organisation (not told apart).
 */
export async function sendSubscriptionTest(
  deps: { db: NotificationsDatabase; enqueue: EnqueueDeliveries },
  principal: Principal,
  subscriptionId: string,
  now: Date = new Date(),
): Promise<SubscriptionTest> {
  requireAccess(principal, 'subscriptions.manage');
  const subscription = isUuid(subscriptionId)
    ? await findSubscriptionOf(deps.db.client, principal.organizationId, subscriptionId.toLowerCase())
    : null;
  if (subscription === null) throw notFound('No subscription with this id is visible to you.');
  const event: SubscriptionTestEvent = {
    specversion: '1.0',
    id: randomUUID(),
    source: SOURCE,
    type: SUBSCRIPTION_TEST_EVENT_TYPE,
    subject: subscription.id,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data: { subscriptionId: subscription.id },
  };
  const recipientKey = `subscription:${subscription.id}`;
  const id = deliveryId(event.id, recipientKey, 'webhook');
  await insertDeliveries(deps.db.client, [
    {
      id,
      eventId: event.id,
      eventType: SUBSCRIPTION_TEST_EVENT_TYPE,
      referralId: null,
      // The organisation the delivery is about: for a test, the subscriber's own.
      referringOrganizationId: subscription.organizationId,
      recipientKey,
      recipientRole: 'subscriber',
      subscriberOrganizationId: subscription.organizationId,
      channel: 'webhook',
      language: null,
      messageKind: 'test',
      status: 'queued',
      errorCode: null,
      failedAt: null,
    },
  ]);
  // Queued once its row is committed (the insert above, on its own): the worker never finds a job without its row.
  await deps.enqueue([
    { deliveryId: id, eventId: event.id, referralId: null, message: { channel: 'webhook', subscriptionId: subscription.id, url: subscription.url, body: JSON.stringify(event) } },
  ]);
  return { deliveryId: id, status: 'queued', event };
}
