import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { escapeHtml } from '../domain/messages/render.js';
import { gsm7Length } from '../domain/messages/gsm7.js';
import type { ChannelSender, SendResult } from './channels.js';
import { DeliveryError } from './channels.js';

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
      await db.client.devOutbox.create({
        data:
          message.channel === 'email'
            ? { id, channel, recipient: message.to, subject: message.subject, bodyText: message.text, bodyHtml: message.html }
            : { id, channel, recipient: message.to, subject: null, bodyText: message.text, bodyHtml: null },
      });
      return { providerMessageId: `dev-${id}` };
    },
    close: () => Promise.resolve(),
  };
}

/** The catcher page: what the catchers took, newest first. Everything shown is escaped. */
export async function renderDevOutboxPage(db: NotificationsDatabase): Promise<string> {
  const rows = await db.client.devOutbox.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 200 });
  const items = rows.map((row) => {
    const heading =
      row.channel === 'email'
        ? `<strong>E-mail</strong> to ${escapeHtml(row.recipient)}: ${escapeHtml(row.subject ?? '')}`
        : `<strong>SMS</strong> to ${escapeHtml(row.recipient)} (${gsm7Length(row.bodyText)} GSM-7 characters)`;
    const html = row.bodyHtml === null ? '' : `<details><summary>HTML</summary><iframe sandbox title="HTML version" style="width:100%;height:20em" srcdoc="${escapeHtml(row.bodyHtml)}"></iframe></details>`;
    return `<li><p>${heading} <small>${row.createdAt.toISOString()}</small></p><pre>${escapeHtml(row.bodyText)}</pre>${html}</li>`;
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Notifications caught (development)</title></head><body>',
    '<h1>Notifications caught (development)</h1>',
    `<p>${rows.length === 0 ? 'Nothing yet.' : `The latest ${rows.length}, newest first.`} No mail relay or SMS provider is configured, so messages are kept here instead of sent.</p>`,
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
  const rows = await db.client.devOutbox.findMany({
    where: {
      ...(filter.to === undefined ? {} : { recipient: { equals: filter.to, mode: 'insensitive' as const } }),
      ...(filter.since === undefined ? {} : { createdAt: { gte: filter.since } }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: DEV_OUTBOX_API_LIMIT,
  });
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

/**
 * Serves {@link renderDevOutboxPage} at `/`, and the same as JSON at
 * `GET /api/messages` (`{items: [{id, channel, to, subject, text,
 * createdAt}]}`, newest first, `?to=<address>`, `?since=<ISO time>`), on
 * 127.0.0.1:`port`, apart from the API: it needs no token, so it must never be
 * reachable from elsewhere, and it is not part of the contract.
 */
export async function startDevOutboxServer(db: NotificationsDatabase, port: number, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const failed = (res: ServerResponse) => (error: unknown) => {
    logger.error({ err: error }, 'The development outbox page failed');
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Error');
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
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
    renderDevOutboxPage(db).then(
      (page) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'" }).end(page),
      failed(res),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
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
