import type { ChannelSender, OutgoingMessage, SendResult } from '../domain/channels.js';
import { DeliveryError } from '../domain/channels.js';

const PROVIDER_ID = /^[!-~]{1,256}$/;

/** An HTTP answer's status as a delivery error: 4xx (but 408 and 429) refused for good, anything else retried. */
function httpError(prefix: string, status: number): DeliveryError {
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  return new DeliveryError(`${prefix}_http_${status}`, `The SMS provider answered ${status}`, { permanent });
}

async function post(url: string, init: RequestInit, prefix: string, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    throw new DeliveryError(`${prefix}_unavailable`, 'The SMS provider could not be reached', { permanent: false, cause: error });
  }
}

function expectSms(message: OutgoingMessage): Extract<OutgoingMessage, { channel: 'sms' }> {
  if (message.channel !== 'sms') throw new DeliveryError('wrong_channel', 'The SMS sender only sends SMS', { permanent: true });
  return message;
}

export type AfricasTalkingOptions = {
  /** `https://api.africastalking.com` (live) or `https://api.sandbox.africastalking.com` (sandbox). */
  baseUrl: string;
  /** The application's username (`sandbox` for the sandbox). */
  username: string;
  apiKey: string;
  /** An approved alphanumeric sender id or short code; the account's default when absent. */
  senderId?: string;
  timeoutMs?: number;
};

/**
 * Per-recipient status codes of Africa's Talking that will not change on a
 * retry: risk hold, invalid sender id, invalid or unsupported number,
 * blacklisted, cannot route, do-not-disturb.
 */
const AT_PERMANENT = new Set([401, 402, 403, 404, 406, 407, 409]);
/** Processed, sent, queued: the provider has taken the message. */
const AT_ACCEPTED = new Set([100, 101, 102]);

type AtRecipient = { statusCode?: unknown; status?: unknown; messageId?: unknown };

/**
 * SMS through Africa's Talking's bulk SMS API (`POST /version1/messaging`,
 * form-encoded, `apiKey` header): a message is taken when its recipient's
 * `statusCode` is 100, 101 or 102. See the README for why this provider.
 */
export function createAfricasTalkingSender(options: AfricasTalkingOptions): ChannelSender {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/version1/messaging`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async send(message): Promise<SendResult> {
      const sms = expectSms(message);
      const form = new URLSearchParams({ username: options.username, to: sms.to, message: sms.text });
      if (options.senderId !== undefined) form.set('from', options.senderId);
      const response = await post(
        url,
        { method: 'POST', headers: { apiKey: options.apiKey, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: form },
        'africastalking',
        timeoutMs,
      );
      if (!response.ok) throw httpError('africastalking', response.status);
      const body: unknown = await response.json().catch(() => undefined);
      const recipients = (body as { SMSMessageData?: { Recipients?: unknown } } | undefined)?.SMSMessageData?.Recipients;
      const recipient = Array.isArray(recipients) ? (recipients[0] as AtRecipient | undefined) : undefined;
      if (recipient === undefined || typeof recipient.statusCode !== 'number') {
        // Africa's Talking answers without recipients when it rejects the whole request (e.g. an empty or bad number).
        throw new DeliveryError('africastalking_no_recipient', 'The SMS provider took no recipient', { permanent: true });
      }
      if (AT_ACCEPTED.has(recipient.statusCode)) {
        return { providerMessageId: typeof recipient.messageId === 'string' && PROVIDER_ID.test(recipient.messageId) ? recipient.messageId : null };
      }
      throw new DeliveryError(`africastalking_${recipient.statusCode}`, 'The SMS provider refused the message', {
        permanent: AT_PERMANENT.has(recipient.statusCode),
      });
    },
    close: () => Promise.resolve(),
  };
}

export type HttpSmsOptions = {
  /** The gateway's endpoint: receives `POST {"to","text"}` as JSON. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  timeoutMs?: number;
};

/**
 * SMS through any gateway that takes `POST {"to": "+…", "text": "…"}` as JSON
 * and answers 2xx, optionally with `{"id": "…"}`; the delivery's id goes in
 * `Idempotency-Key` so a gateway that honours it never sends a retry twice.
 * 4xx (but 408 and 429) is a permanent refusal, anything else is retried.
 */
export function createHttpSmsSender(options: HttpSmsOptions): ChannelSender {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async send(message, context): Promise<SendResult> {
      const sms = expectSms(message);
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': context.deliveryId };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      const response = await post(options.url, { method: 'POST', headers, body: JSON.stringify({ to: sms.to, text: sms.text }) }, 'sms_http', timeoutMs);
      if (!response.ok) throw httpError('sms_http', response.status);
      const body: unknown = await response.json().catch(() => undefined);
      const id = (body as { id?: unknown } | undefined)?.id;
      return { providerMessageId: typeof id === 'string' && PROVIDER_ID.test(id) ? id : null };
    },
    close: () => Promise.resolve(),
  };
}
