import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { NotificationsDatabase } from '../data-access/database.js';
import { findSubscription } from '../data-access/subscriptions.js';
import { AddressNotAllowedError, publicAddressesOf } from './address-guard.js';
import type { ChannelSender, SendResult } from '../domain/channels.js';
import { DeliveryError } from '../domain/channels.js';
import { subscriptionSecret } from './secret-cipher.js';
import type { SecretCipher } from './secret-cipher.js';

/**
 * Webhooks signed per the Standard Webhooks specification
 * (https://www.standardwebhooks.com): headers `webhook-id` (stable across
 * retries, for the receiver to drop duplicates), `webhook-timestamp` (seconds)
 * and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`
 * with the secret's base64-decoded bytes).
 */

const SECRET_PREFIX = 'whsec_';

/** Every webhook's body is one CloudEvent in the JSON format, structured content mode (CloudEvents HTTP binding 3.2). */
export const WEBHOOK_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

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
 * A DNS lookup that only ever hands the socket public addresses: the check
 * and the connection use the same answer, so a name that changes its address
 * between the two (DNS rebinding) cannot reach the hub's own network.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  publicAddressesOf(hostname).then(
    (addresses) => {
      if (options.all === true) {
        (callback as (error: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void)(null, addresses);
        return;
      }
      const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
      const first = wanted[0] ?? addresses[0];
      if (first === undefined) callback(new AddressNotAllowedError('The webhook host has no address'), '', 0);
      else callback(null, first.address, first.family);
    },
    (error: unknown) => callback(error instanceof Error ? error : new Error('lookup failed'), '', 0),
  );
};

/** One POST, answered with the status (the body is drained, never read: it is the subscriber's). */
function post(url: URL, headers: Record<string, string>, body: string, options: { timeoutMs: number; publicOnly: boolean }): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const requestOptions: RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      timeout: options.timeoutMs,
      ...(options.publicOnly ? { lookup: publicOnlyLookup } : {}),
    };
    const req = send(url, requestOptions, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('The subscriber did not answer in time')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Posts webhook deliveries, signing each attempt with the subscription's
 * secret read (and decrypted) at send time: a deleted subscription fails for
 * good. 2xx is delivered; 410 Gone is a permanent refusal; anything else, a
 * timeout or a redirect (never followed) is retried. Unless `allowAnyAddress`
 * (development), a host that is or resolves to a loopback, private or
 * link-local address is refused for good (`webhook_address_refused`).
 */
export function createWebhookSender(options: {
  db: NotificationsDatabase;
  cipher: SecretCipher;
  allowAnyAddress: boolean;
  timeoutMs?: number;
  nowS?: () => number;
}): ChannelSender {
  const nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  return {
    async send(message, context): Promise<SendResult> {
      if (message.channel !== 'webhook') throw new DeliveryError('wrong_channel', 'The webhook sender only sends webhooks', { permanent: true });
      const subscription = await findSubscription(options.db.client, message.subscriptionId);
      if (subscription === null) throw new DeliveryError('subscription_deleted', 'The subscription no longer exists', { permanent: true });
      const secret = subscriptionSecret(options.cipher, subscription);
      const url = new URL(subscription.url);
      const timestamp = nowS();
      let status: number;
      try {
        // Checked here for a clear refusal (and for IP literals, which never go through a lookup), then again by
        // the lookup the connection itself uses.
        if (!options.allowAnyAddress) await publicAddressesOf(url.hostname);
        status = await post(
          url,
          {
            // The CloudEvent in structured mode: what CloudEvents SDKs expect of a whole event as the body.
            'content-type': WEBHOOK_CONTENT_TYPE,
            'webhook-id': context.deliveryId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(secret, context.deliveryId, timestamp, message.body),
          },
          message.body,
          { timeoutMs: options.timeoutMs ?? 15_000, publicOnly: !options.allowAnyAddress },
        );
      } catch (error) {
        if (error instanceof AddressNotAllowedError || (error instanceof Error && error.cause instanceof AddressNotAllowedError)) {
          throw new DeliveryError('webhook_address_refused', 'The subscriber\'s host is not a public address', { permanent: true, cause: error });
        }
        throw new DeliveryError('webhook_unreachable', 'The subscriber could not be reached', { permanent: false, cause: error });
      }
      if (status >= 200 && status < 300) return { providerMessageId: null };
      throw new DeliveryError(`webhook_http_${status}`, `The subscriber answered ${status}`, { permanent: status === 410 });
    },
    close: () => Promise.resolve(),
  };
}
