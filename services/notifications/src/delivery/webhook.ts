import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NotificationsDatabase } from '../data-access/database.js';
import type { ChannelSender, SendResult } from './channels.js';
import { DeliveryError } from './channels.js';

/**
 * Webhooks signed per the Standard Webhooks specification
 * (https://www.standardwebhooks.com): headers `webhook-id` (stable across
 * retries, for the receiver to drop duplicates), `webhook-timestamp` (seconds)
 * and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`
 * with the secret's base64-decoded bytes).
 */

const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` header value for this message. */
export function signWebhook(secret: string, id: string, timestampS: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampS}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * What a subscriber does on receipt: whether one of the `webhook-signature`
 * values matches, and the timestamp is within `toleranceS` of now (replays).
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  options: { toleranceS?: number; nowS?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  const now = options.nowS ?? Math.floor(Date.now() / 1000);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > (options.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body));
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * Posts webhook deliveries, signing each attempt with the subscription's
 * secret read at send time (a deleted subscription fails for good). 2xx is
 * delivered; 410 Gone is a permanent refusal; anything else, a timeout or a
 * redirect (not followed) is retried.
 */
export function createWebhookSender(options: { db: NotificationsDatabase; timeoutMs?: number; nowS?: () => number }): ChannelSender {
  const nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  return {
    async send(message, context): Promise<SendResult> {
      if (message.channel !== 'webhook') throw new DeliveryError('wrong_channel', 'The webhook sender only sends webhooks', { permanent: true });
      const subscription = await options.db.client.webhookSubscription.findUnique({ where: { id: message.subscriptionId } });
      if (subscription === null) throw new DeliveryError('subscription_deleted', 'The subscription no longer exists', { permanent: true });
      const timestamp = nowS();
      let response: Response;
      try {
        response = await fetch(subscription.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': context.deliveryId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(subscription.secret, context.deliveryId, timestamp, message.body),
          },
          body: message.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new DeliveryError('webhook_unreachable', 'The subscriber could not be reached', { permanent: false, cause: error });
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { providerMessageId: null };
      throw new DeliveryError(`webhook_http_${response.status}`, `The subscriber answered ${response.status}`, { permanent: response.status === 410 });
    },
    close: () => Promise.resolve(),
  };
}
