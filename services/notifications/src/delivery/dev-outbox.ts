import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
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

/**
 * Serves {@link renderDevOutboxPage} at `/` on 127.0.0.1:`port`, apart from
 * the API (it needs no token, so it must never be reachable from elsewhere,
 * and it is not part of the contract).
 */
export async function startDevOutboxServer(db: NotificationsDatabase, port: number, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    renderDevOutboxPage(db).then(
      (page) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'" }).end(page),
      (error: unknown) => {
        logger.error({ err: error }, 'The development outbox page failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Error');
      },
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
