import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { findDevOutboxMessage, insertDevOutboxMessage, listDevOutbox } from '../data-access/dev-outbox.js';
import { escapeHtml } from '../domain/messages/render.js';
import { gsm7Length } from '../domain/messages/gsm7.js';
import type { ChannelSender, SendResult } from '../domain/channels.js';
import { DeliveryError } from '../domain/channels.js';

/**
 * The development catcher of one channel: keeps the message in `dev_outbox`
 * (for the page of {@link startDevOutboxServer}) instead of sending it, so a local run or a demo shows
 * exactly what people would receive. Never used in production.
 */
export function createDevOutboxSender(db: NotificationsDatabase, channel: 'email' | 'sms'): ChannelSender {
  return {
    async send(message): Promise<SendResult> {
      if (message.channel === 'webhook' || message.channel !== channel) {
        throw new DeliveryError('wrong_channel', `The ${channel} catcher only takes ${channel}`, { permanent: true });
      }
      const id = randomUUID();
      await insertDevOutboxMessage(
        db.client,
        message.channel === 'email'
          ? { id, channel, recipient: message.to, subject: message.subject, bodyText: message.text, bodyHtml: message.html }
          : { id, channel, recipient: message.to, subject: null, bodyText: message.text, bodyHtml: null },
      );
      // A caught SMS is as good as on the phone: the log shows it `delivered`, as a provider's report would.
      return { providerMessageId: `dev-${id}`, ...(channel === 'sms' ? { delivered: true } : {}) };
    },
    close: () => Promise.resolve(),
  };
}

/** An SMS as if a person had answered from their phone: what {@link startDevOutboxServer}'s reply form hands on. */
export type DevInboundSms = { provider: 'dev'; messageId: string; from: string; to: string | null; text: string; receivedAt: Date };

/** The SMS command handling (`receiveSms` of the phone channels), bound to its dependencies. */
export type DevReceiveSms = (msg: DevInboundSms) => Promise<{ outcome: string }>;

/** Longest reply the page's form takes (three SMS segments): a command is a few words. */
export const DEV_REPLY_MAX_CHARS = 480;

const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

/** The http(s) links of a text body, in order, each once (trailing punctuation left out). */
export function linksOf(text: string): string[] {
  const links = (text.match(URL_IN_TEXT) ?? []).map((link) => link.replace(/[.,;:!?)\]]+$/, ''));
  return [...new Set(links)];
}

/**
 * The catcher page: what the catchers took, newest first. Everything shown is escaped. Each e-mail lists
 * the links of its text, clickable (the one-click answers open the console's confirmation page); each SMS
 * has a form to answer it as its recipient would from their phone, when `canReply`.
 */
export async function renderDevOutboxPage(db: NotificationsDatabase, options: { canReply?: boolean; replied?: string } = {}): Promise<string> {
  const rows = await listDevOutbox(db.client, { take: 200 });
  const items = rows.map((row) => {
    const heading =
      row.channel === 'email'
        ? `<strong>E-mail</strong> to ${escapeHtml(row.recipient)}: ${escapeHtml(row.subject ?? '')}`
        : `<strong>SMS</strong> to ${escapeHtml(row.recipient)} (${gsm7Length(row.bodyText)} GSM-7 characters)`;
    const html = row.bodyHtml === null ? '' : `<details><summary>HTML</summary><iframe sandbox title="HTML version" style="width:100%;height:20em" srcdoc="${escapeHtml(row.bodyHtml)}"></iframe></details>`;
    const links = row.channel === 'email' ? linksOf(row.bodyText) : [];
    const linkList =
      links.length === 0
        ? ''
        : `<p>Links (open them as the recipient would):</p><ul>${links.map((link) => `<li><a href="${escapeHtml(link)}" target="_blank" rel="noopener noreferrer">${escapeHtml(link)}</a></li>`).join('')}</ul>`;
    const reply =
      row.channel === 'sms' && options.canReply === true
        ? `<form method="post" action="/sms/${escapeHtml(row.id)}/reply"><label for="reply-${escapeHtml(row.id)}">Reply as ${escapeHtml(row.recipient)} (e.g. OK and the reply code)</label><br>` +
          `<textarea id="reply-${escapeHtml(row.id)}" name="text" rows="2" cols="40" maxlength="${DEV_REPLY_MAX_CHARS}" required></textarea><br><button type="submit">Send this reply</button></form>`
        : '';
    return `<li id="m-${escapeHtml(row.id)}"><p>${heading} <small>${row.createdAt.toISOString()}</small></p><pre>${escapeHtml(row.bodyText)}</pre>${linkList}${html}${reply}</li>`;
  });
  const replied = options.replied === undefined ? '' : `<p role="status"><strong>Reply handled: ${escapeHtml(options.replied)}.</strong> The answer, if any, is caught below.</p>`;
  const noReply =
    options.canReply === true ? '' : '<p>Replying to an SMS needs the referrals service (<code>REFERRALS_URL</code> and this service\'s client).</p>';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Notifications caught (development)</title></head><body>',
    '<h1>Notifications caught (development)</h1>',
    replied,
    `<p>${rows.length === 0 ? 'Nothing yet.' : `The latest ${rows.length}, newest first.`} No mail relay or SMS provider is configured, so messages are kept here instead of sent.</p>`,
    noReply,
    `<ol>${items.join('\n')}</ol>`,
    '</body></html>',
  ].join('\n');
}

/** One caught message as `GET /api/messages` gives it. */
export type DevOutboxMessage = { id: string; channel: 'email' | 'sms'; to: string; subject: string | null; text: string; createdAt: string };

/** How many messages one answer of `GET /api/messages` holds at most (the newest). */
export const DEV_OUTBOX_API_LIMIT = 500;

/**
 * What the catchers took, newest first, for scripts and end-to-end tests:
 * only those to `to` (exactly, case-insensitively) when given, only those
 * caught at or after `since` when given.
 */
export async function listDevOutboxMessages(db: NotificationsDatabase, filter: { to?: string; since?: Date } = {}): Promise<DevOutboxMessage[]> {
  const rows = await listDevOutbox(db.client, { ...filter, take: DEV_OUTBOX_API_LIMIT });
  return rows.map((row) => ({
    id: row.id,
    channel: row.channel === 'sms' ? 'sms' : 'email',
    to: row.recipient,
    subject: row.channel === 'sms' ? null : row.subject,
    text: row.bodyText,
    createdAt: row.createdAt.toISOString(),
  }));
}

/** `?to=` and `?since=` of `GET /api/messages`, or the reason they are not usable. */
function messagesFilter(search: URLSearchParams): { to?: string; since?: Date } | { error: string } {
  const to = search.get('to');
  const since = search.get('since');
  const sinceDate = since === null ? undefined : new Date(since);
  if (sinceDate !== undefined && Number.isNaN(sinceDate.getTime())) return { error: 'since must be an ISO 8601 date-time' };
  return { ...(to === null || to === '' ? {} : { to }), ...(sinceDate === undefined ? {} : { since: sinceDate }) };
}

/** Outcomes `receiveSms` may give, as shown back on the page (anything else is not echoed). */
const OUTCOME = /^[a-z_]{1,40}$/;
const REPLY_PATH = /^\/sms\/([0-9a-f-]{36})\/reply$/;
const FORM_BODY_LIMIT = 4096;

/** The form body of a request, at most `limit` bytes; null when larger. */
async function readForm(req: IncomingMessage, limit: number): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Serves {@link renderDevOutboxPage} at `/`, and the same as JSON at
 * `GET /api/messages` (`{items: [{id, channel, to, subject, text,
 * createdAt}]}`, newest first, `?to=<address>`, `?since=<ISO time>`), on
 * 127.0.0.1:`port`, apart from the API: it needs no token, so it must never be
 * reachable from elsewhere, and it is not part of the contract.
 *
 * `POST /sms/{id}/reply` (form field `text`) answers a caught SMS as its recipient would from their phone:
 * `receiveSms` takes it as an SMS from that number (provider `dev`, a new message id), then the page is
 * shown again with the outcome. Only from the page itself: the `Host` must be this loopback address and
 * port (no DNS rebinding), and a POST's `Origin` (or, without one, `Sec-Fetch-Site: same-origin`) this
 * origin, so that no other site the developer has open can reply in their name.
 */
export async function startDevOutboxServer(
  db: NotificationsDatabase,
  port: number,
  logger: Logger,
  options: { receiveSms?: DevReceiveSms } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const failed = (res: ServerResponse) => (error: unknown) => {
    logger.error({ err: error }, 'The development outbox page failed');
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Error');
  };
  let hosts: ReadonlySet<string> = new Set();
  const text = (res: ServerResponse, status: number, body: string) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  const sameOrigin = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin !== undefined) return [...hosts].some((host) => origin === `http://${host}`);
    return req.headers['sec-fetch-site'] === 'same-origin';
  };
  const reply = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
    const receive = options.receiveSms;
    if (receive === undefined) return void text(res, 404, 'Replying needs the referrals service');
    if (!sameOrigin(req)) return void text(res, 403, 'Only from this page');
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return void text(res, 415, 'A form is expected');
    const form = await readForm(req, FORM_BODY_LIMIT);
    const body = form?.get('text')?.trim() ?? '';
    if (body === '' || body.length > DEV_REPLY_MAX_CHARS) return void text(res, 400, `text: between 1 and ${DEV_REPLY_MAX_CHARS} characters`);
    const sms = await findDevOutboxMessage(db.client, id);
    if (sms?.channel !== 'sms') return void text(res, 404, 'No such SMS');
    const { outcome } = await receive({ provider: 'dev', messageId: `dev-reply-${randomUUID()}`, from: sms.recipient, to: null, text: body, receivedAt: new Date() });
    const shown = OUTCOME.test(outcome) ? outcome : 'done';
    res.writeHead(303, { location: `/?replied=${encodeURIComponent(shown)}#m-${id}`, 'cache-control': 'no-store' }).end();
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Only this address and port: a page elsewhere that re-points its own name here (DNS rebinding) is refused.
    if (!hosts.has(req.headers.host ?? '')) return void text(res, 421, 'Misdirected request');
    if (req.method === 'POST') {
      const match = REPLY_PATH.exec(url.pathname);
      if (match?.[1] === undefined) return void text(res, 404, 'Not found');
      reply(req, res, match[1]).catch(failed(res));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/messages') {
      const filter = messagesFilter(url.searchParams);
      if ('error' in filter) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: filter.error }));
        return;
      }
      listDevOutboxMessages(db, filter).then(
        (items) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ items })),
        failed(res),
      );
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    const replied = url.searchParams.get('replied');
    renderDevOutboxPage(db, { canReply: options.receiveSms !== undefined, ...(replied !== null && OUTCOME.test(replied) ? { replied } : {}) }).then(
      (page) =>
        res
          .writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'",
            'referrer-policy': 'no-referrer',
          })
          .end(page),
      failed(res),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  hosts = new Set([`127.0.0.1:${bound}`, `localhost:${bound}`]);
  const url = `http://127.0.0.1:${bound}/`;
  logger.info({ url }, 'Development outbox page listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
