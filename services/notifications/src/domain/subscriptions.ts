import { randomUUID } from 'node:crypto';
import type { NotificationsApi } from '@referral-hub/contracts';
import { isUuid, notFound, validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { deleteSubscriptionOf, insertSubscription, listSubscriptionsOf } from '../data-access/subscriptions.js';
import type { SubscriptionRow } from '../data-access/subscriptions.js';
import { AddressNotAllowedError, publicAddressesOf } from '../delivery/address-guard.js';
import type { Resolver } from '../delivery/address-guard.js';
import type { SecretCipher } from '../delivery/secret-cipher.js';
import { generateWebhookSecret } from '../delivery/webhook.js';
import { requireAccess } from './access.js';

export type Subscription = NotificationsApi.components['schemas']['Subscription'];
export type SubscriptionCreated = NotificationsApi.components['schemas']['SubscriptionCreated'];
export type SubscriptionCreate = NotificationsApi.components['schemas']['SubscriptionCreate'];


function toSubscription(row: SubscriptionRow): Subscription {
  return { id: row.id, url: row.url, eventTypes: row.eventTypes as Subscription['eventTypes'], createdAt: row.createdAt.toISOString() };
}

/**
 * Subscribes the caller's organisation to referral events by webhook; the
 * secret is generated here and returned this once.
 *
 * The secret is stored encrypted (`NOTIFICATIONS_SECRET_KEYS`). Unless
 * `allowHttp` (development), the URL's host must be, and resolve to, public
 * addresses only: never loopback, private or link-local ones (checked again at
 * every delivery, since a name can change its address).
 *
 * @throws AppError 403 for a role that does not manage its organisation's systems; 400 for a URL that is
 * not https (http only when `allowHttp`), carries credentials, or whose host is not public or does not resolve.
 */
export async function createSubscription(
  deps: { db: NotificationsDatabase; allowHttp: boolean; cipher: SecretCipher; resolve?: Resolver },
  principal: Principal,
  input: SubscriptionCreate,
  now: Date = new Date(),
): Promise<SubscriptionCreated> {
  requireAccess(principal, 'subscriptions.manage');
  const url = new URL(input.url);
  const schemes = deps.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw validationError([{ field: 'body.url', message: `must start with ${schemes.map((s) => `${s}//`).join(' or ')}` }]);
  // Credentials in the URL would be stored and logged as part of it: the signature authenticates the hub instead.
  if (url.username !== '' || url.password !== '') throw validationError([{ field: 'body.url', message: 'must not carry credentials' }]);
  if (!deps.allowHttp) {
    try {
      await publicAddressesOf(url.hostname, deps.resolve);
    } catch (error) {
      const message = error instanceof AddressNotAllowedError ? 'must be a host with public addresses only (not loopback, private or link-local)' : 'must be a host name that resolves';
      throw validationError([{ field: 'body.url', message }]);
    }
  }
  const secret = generateWebhookSecret();
  const id = randomUUID();
  const sealed = deps.cipher.seal(secret, id);
  const row = await insertSubscription(deps.db.client, {
    id,
    organizationId: principal.organizationId,
    url: url.toString(),
    eventTypes: [...new Set(input.eventTypes)],
    secret: null,
    secretKeyId: sealed.keyId,
    secretCiphertext: sealed.ciphertext,
    createdBy: principal.userId,
    createdAt: now,
  });
  return { ...toSubscription(row), secret };
}

/** The caller's organisation's subscriptions, oldest first, without secrets. */
export async function listSubscriptions(deps: { db: NotificationsDatabase }, principal: Principal): Promise<{ items: Subscription[] }> {
  requireAccess(principal, 'subscriptions.manage');
  const rows = await listSubscriptionsOf(deps.db.client, principal.organizationId);
  return { items: rows.map(toSubscription) };
}

/**
 * Removes one of the caller's organisation's subscriptions.
 *
 * @throws AppError 404 when it does not exist or belongs to another organisation (not told apart).
 */
export async function deleteSubscription(deps: { db: NotificationsDatabase }, principal: Principal, id: string): Promise<void> {
  requireAccess(principal, 'subscriptions.manage');
  const deleted = isUuid(id) && (await deleteSubscriptionOf(deps.db.client, principal.organizationId, id.toLowerCase()));
  if (!deleted) throw notFound('No subscription with this id is visible to you.');
}
