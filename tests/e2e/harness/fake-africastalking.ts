/**
 * A fake Africa's Talking for the end-to-end tests: a local HTTP server
 * speaking its bulk SMS API (`POST /version1/messaging`, form-encoded
 * `username`, `to`, `message`, optional `from`, the `apiKey` header checked),
 * answering as the real one does and keeping every message it took; and the
 * provider's side of the hub's phone callbacks: incoming SMS, USSD and
 * delivery reports in Africa's Talking's form formats, plus the generic HTTP
 * gateway's JSON formats.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CaughtSms } from './catchers.js';

/** An SMS Africa's Talking took: the caught SMS plus the id it answered and the sender id asked for. */
export type CaughtAtSms = CaughtSms & { messageId: string; from: string | undefined; username: string };

export type FakeAfricasTalking = {
  /** The base URL (`AFRICASTALKING_BASE_URL`). */
  url: string;
  username: string;
  apiKey: string;
  /** Every message taken, in order. */
  received: CaughtAtSms[];
  /** Requests refused for a wrong or missing `apiKey` or `username`. */
  refused: number;
  /**
   * From now on, answers a message to `number` with this per-recipient status instead of 101 `Success`
   * (e.g. 403 `InvalidPhoneNumber`, 406 `UserInBlacklist`, 500 `InternalServerError`), as the live API
   * does: nothing is sent, `messageId` is `None`. `undefined` sends to it again.
   */
  refuse(number: string, statusCode: number | undefined): void;
  /** The messages answered with a refusal, by number. */
  refusedMessages: { to: string; statusCode: number; text: string }[];
  close(): Promise<void>;
};

/** Africa's Talking's words for its per-recipient status codes. */
const AT_STATUS: Record<number, string> = {
  401: 'RiskHold',
  402: 'InvalidSenderId',
  403: 'InvalidPhoneNumber',
  404: 'UnsupportedNumberType',
  405: 'InsufficientBalance',
  406: 'UserInBlacklist',
  407: 'CouldNotRoute',
  409: 'DoNotDisturbRejection',
  500: 'InternalServerError',
  501: 'GatewayError',
  502: 'RejectedByGateway',
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts the fake provider on 127.0.0.1. Each recipient of a request (the
 * `to` field may list several, comma-separated) is answered `statusCode` 101
 * `Success` with a fresh `ATXid_…` message id, as the live API does, unless
 * the test told it to refuse that number (`refuse`).
 */
export async function startFakeAfricasTalking(options: { username: string; apiKey: string }): Promise<FakeAfricasTalking> {
  const received: CaughtAtSms[] = [];
  const refusedMessages: { to: string; statusCode: number; text: string }[] = [];
  const refusals = new Map<string, number>();
  const digits = (number: string) => number.replace(/[^+0-9]/g, '');
  const state = { refused: 0 };
  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        const path = new URL(req.url ?? '/', 'http://fake').pathname;
        if (req.method !== 'POST' || path !== '/version1/messaging') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
          return;
        }
        const form = new URLSearchParams(raw);
        if (req.headers.apikey !== options.apiKey || form.get('username') !== options.username) {
          state.refused += 1;
          res.writeHead(401, { 'content-type': 'text/plain' }).end('The supplied authentication is invalid');
          return;
        }
        const to = (form.get('to') ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
        const message = form.get('message');
        if (to.length === 0 || message === null || message === '') {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('to and message are required');
          return;
        }
        const from = form.get('from') ?? undefined;
        const recipients = to.map((number) => {
          const refusal = refusals.get(digits(number));
          if (refusal !== undefined) {
            refusedMessages.push({ to: number, statusCode: refusal, text: message });
            return { statusCode: refusal, number, status: AT_STATUS[refusal] ?? 'Failed', cost: '0', messageId: 'None' };
          }
          const messageId = `ATXid_${randomBytes(16).toString('hex')}`;
          received.push({ channel: 'sms', to: number, subject: null, text: message, idempotencyKey: undefined, receivedAt: new Date(), messageId, from, username: options.username });
          return { statusCode: 101, number, status: 'Success', cost: 'KES 0.8000', messageId };
        });
        const sent = recipients.filter((r) => r.statusCode === 101).length;
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ SMSMessageData: { Message: `Sent to ${sent}/${to.length} Total Cost: KES ${(0.8 * sent).toFixed(4)}`, Recipients: recipients } }));
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    username: options.username,
    apiKey: options.apiKey,
    received,
    get refused() {
      return state.refused;
    },
    refuse(number, statusCode) {
      if (statusCode === undefined) refusals.delete(digits(number));
      else refusals.set(digits(number), statusCode);
    },
    refusedMessages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a callback answered. */
export type CallbackAnswer = { status: number; contentType: string; text: string };

export type PhoneCallbacks = {
  /** The notifications service's callback base, `<notifications>/callbacks/<key>`. */
  base: string;
  /** Africa's Talking's incoming-message callback (form: from, to, text, date, id, linkId); `id` and `date` made up when absent. */
  incomingSms(message: { from: string; text: string; to?: string; id?: string; date?: string; linkId?: string }): Promise<CallbackAnswer & { id: string }>;
  /** One USSD step (form: sessionId, serviceCode, phoneNumber, text): the screen the hub answered. */
  ussd(step: { sessionId: string; phoneNumber: string; text: string; serviceCode?: string; networkCode?: string }): Promise<CallbackAnswer>;
  /** A delivery report (form: id, status, phoneNumber, failureReason, retryCount, networkCode). */
  deliveryReport(report: { id: string; status: 'Success' | 'Failed' | 'Rejected' | 'Sent' | 'Buffered' | 'Submitted'; phoneNumber: string; failureReason?: string; retryCount?: number; networkCode?: string }): Promise<CallbackAnswer>;
  /** The generic gateway's incoming SMS (JSON `{ id, from, to?, text }`). */
  httpIncomingSms(message: { id: string; from: string; text: string; to?: string }): Promise<CallbackAnswer>;
  /** The generic gateway's delivery report (JSON `{ id, status, reason? }`). */
  httpDeliveryReport(report: { id: string; status: 'delivered' | 'failed'; reason?: string }): Promise<CallbackAnswer>;
  /** A POST to any path under the callback base with any key, for refusals (`key` replaces the real one). */
  raw(path: string, init: { key?: string; form?: Record<string, string>; json?: unknown }): Promise<CallbackAnswer>;
};

/** A network code of Burundi's operators in Africa's Talking's reports (made up, as the rest). */
const NETWORK_CODE = '64201';
/** The short code people send replies to. */
export const FAKE_SHORT_CODE = '21234';
/** The USSD code they dial. */
export const FAKE_USSD_CODE = '*384*2024#';

/** Africa's Talking's incoming-message date: `YYYY-MM-DD HH:MM:SS` (UTC). */
function atDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** The provider's side of the hub's phone callbacks, at `notificationsUrl` with `key`. */
export function phoneCallbacks(notificationsUrl: string, key: string): PhoneCallbacks {
  const baseOf = (k: string) => `${notificationsUrl.replace(/\/+$/, '')}/callbacks/${encodeURIComponent(k)}`;
  const post = async (path: string, init: { key?: string; form?: Record<string, string>; json?: unknown }): Promise<CallbackAnswer> => {
    const headers: Record<string, string> = {};
    let body: string;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json ?? {});
    }
    const response = await fetch(`${baseOf(init.key ?? key)}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
  };
  return {
    base: baseOf(key),
    async incomingSms(message) {
      const id = message.id ?? `ATXid_${randomBytes(16).toString('hex')}`;
      const answer = await post('/sms/africastalking', {
        form: {
          from: message.from,
          to: message.to ?? FAKE_SHORT_CODE,
          text: message.text,
          date: message.date ?? atDate(new Date()),
          id,
          linkId: message.linkId ?? randomBytes(12).toString('hex'),
        },
      });
      return { ...answer, id };
    },
    ussd: (step) =>
      post('/ussd/africastalking', {
        form: { sessionId: step.sessionId, serviceCode: step.serviceCode ?? FAKE_USSD_CODE, phoneNumber: step.phoneNumber, text: step.text, networkCode: step.networkCode ?? NETWORK_CODE },
      }),
    deliveryReport: (report) =>
      post('/delivery-reports/africastalking', {
        form: {
          id: report.id,
          status: report.status,
          phoneNumber: report.phoneNumber,
          ...(report.failureReason === undefined ? {} : { failureReason: report.failureReason }),
          retryCount: String(report.retryCount ?? 0),
          networkCode: report.networkCode ?? NETWORK_CODE,
        },
      }),
    httpIncomingSms: (message) => post('/sms/http', { json: message }),
    httpDeliveryReport: (report) => post('/delivery-reports/http', { json: report }),
    raw: (path, init) => post(path, init),
  };
}
