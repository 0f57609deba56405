/**
 * "Messages sent" on the lead's referral page, without a browser: each
 * message of the delivery log by event, who got it by role, the channel and
 * how it went (waiting, sent, on the phone, failed, an e-mail after a failed
 * SMS) with its time, in French and English; never the recipient's key nor
 * the provider's id; nothing when the log is empty; one line when the
 * service refused or failed (the notifications service unreachable: the
 * page's call answers "not available", never throws). Every message kind, role and channel the
 * notifications service can send has words.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createLogger } from '@referral-hub/platform';
import { describe, expect, it } from 'vitest';
import { MESSAGE_KINDS } from '../../../services/notifications/src/domain/messages/templates.js';
import { apiClient } from '../src/api.js';
import type { Delivery, ServiceName } from '../src/api.js';
import { deliveryLogOf } from '../src/delivery-log.js';
import type { PageContext } from '../src/html.js';
import { LANGUAGES, messageKeys, translator } from '../src/i18n.js';
import { deliveriesSection } from '../src/views/deliveries.js';

function context(language: string): PageContext {
  return { t: translator(language), language, languages: LANGUAGES, csrf: '', path: '/' };
}

const SUBMITTED = 'referral-event-1';
const ACKNOWLEDGED = 'referral-event-2';
const SMS_ID = '00000000-0000-4000-8000-000000000002';

function delivery(n: number, fields: Partial<Delivery> & Pick<Delivery, 'eventId' | 'recipientRole' | 'channel' | 'status' | 'queuedAt'>): Delivery {
  return {
    id: `00000000-0000-4000-8000-00000000000${n}`,
    eventType: fields.eventId === SUBMITTED ? 'referral.submitted' : 'referral.acknowledged',
    messageKind: fields.eventId === SUBMITTED ? 'submitted' : 'acknowledged',
    recipient: fields.recipientRole === 'focal_point' ? 'focal_point:3f0c6a52-1b7e-4c1f-9d7a-2b1d5e8f9a10' : 'user:lead-subject-42',
    language: 'fr',
    attempts: 1,
    providerMessageId: `provider-msg-${n}`,
    errorCode: null,
    sentAt: null,
    failedAt: null,
    deliveredAt: null,
    fallbackOf: null,
    ...fields,
  };
}

/** A new referral told to the focal point by e-mail (sent) and SMS (failed, then replaced by e-mail); its acknowledgement told to the lead. */
const LOG: Delivery[] = [
  delivery(1, { eventId: SUBMITTED, recipientRole: 'focal_point', channel: 'email', status: 'sent', queuedAt: '2026-12-06T08:00:00.000Z', sentAt: '2026-12-06T08:00:05.000Z' }),
  delivery(2, { eventId: SUBMITTED, recipientRole: 'focal_point', channel: 'sms', status: 'failed', queuedAt: '2026-12-06T08:00:00.500Z', sentAt: '2026-12-06T08:00:06.000Z', failedAt: '2026-12-06T08:03:00.000Z', errorCode: 'sms_report_rejected' }),
  delivery(3, { eventId: SUBMITTED, recipientRole: 'focal_point', channel: 'email', status: 'sent', queuedAt: '2026-12-06T08:03:01.000Z', sentAt: '2026-12-06T08:04:00.000Z', fallbackOf: SMS_ID }),
  delivery(4, { eventId: ACKNOWLEDGED, recipientRole: 'lead', channel: 'sms', status: 'delivered', queuedAt: '2026-12-06T09:30:00.000Z', sentAt: '2026-12-06T09:30:02.000Z', deliveredAt: '2026-12-06T09:31:00.000Z' }),
  delivery(5, { eventId: ACKNOWLEDGED, recipientRole: 'supervisor', channel: 'email', status: 'queued', queuedAt: '2026-12-06T09:30:00.100Z', attempts: 0, providerMessageId: null }),
  delivery(6, { eventId: ACKNOWLEDGED, recipientRole: 'subscriber', channel: 'webhook', status: 'sending', queuedAt: '2026-12-06T09:30:00.200Z', language: null, providerMessageId: null }),
];

/** The section's text as a person reads it: one line per list item, tags dropped. */
function linesOf(section: string): string[] {
  return section
    .replace(/<(li|p|h2|ul)\b[^>]*>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

describe('messages sent, on the lead’s referral page', () => {
  it('lists each event’s messages by role, channel and state with their times, in French', () => {
    const section = String(deliveriesSection(context('fr'), { items: LOG, unavailable: false }));
    expect(section).toContain('<section aria-labelledby="h-messages"><h2 id="h-messages">Messages envoyés</h2>');
    expect(linesOf(section)).toEqual([
      'Messages envoyés',
      'Ce que le hub a envoyé au sujet de ce référencement, à qui, par quel moyen, et si c’est arrivé.',
      'Nouveau référencement — 6 déc. 2026, 08:00 UTC',
      'Point focal destinataire · E-mail\u00a0: envoyé — 6 déc. 2026, 08:00 UTC',
      'Point focal destinataire · SMS\u00a0: échec — 6 déc. 2026, 08:03 UTC',
      'Point focal destinataire · E-mail\u00a0: envoyé par e-mail après l’échec du SMS — 6 déc. 2026, 08:04 UTC',
      'Réception accusée — 6 déc. 2026, 09:30 UTC',
      'Gestionnaire du cas · SMS\u00a0: remis sur le téléphone — 6 déc. 2026, 09:31 UTC',
      'Superviseur·e · E-mail\u00a0: en attente',
      'Système de l’organisation · Webhook\u00a0: en attente',
    ]);
    // The failure stands out; who was told is a role, never a key, an address or the provider's id.
    expect(section).toContain('<span class="late">échec — 6 déc. 2026, 08:03 UTC</span>');
    for (const d of LOG) {
      expect(section).not.toContain(d.recipient);
      if (d.providerMessageId !== null) expect(section).not.toContain(d.providerMessageId);
    }
    expect(section).not.toContain('sms_report_rejected');
  });

  it('says the same in English, oldest event first whatever order the log came in', () => {
    const section = String(deliveriesSection(context('en'), { items: [...LOG].reverse(), unavailable: false }));
    expect(linesOf(section)).toEqual([
      'Messages sent',
      'What the hub sent about this referral, to whom, how, and whether it arrived.',
      'New referral — Dec 6, 2026, 8:00 AM UTC',
      'Receiving focal point · E-mail: sent — Dec 6, 2026, 8:00 AM UTC',
      'Receiving focal point · SMS: failed — Dec 6, 2026, 8:03 AM UTC',
      'Receiving focal point · E-mail: sent by e-mail after the SMS failed — Dec 6, 2026, 8:04 AM UTC',
      'Acknowledged — Dec 6, 2026, 9:30 AM UTC',
      'Case lead · SMS: delivered to the phone — Dec 6, 2026, 9:31 AM UTC',
      'Supervisor · E-mail: waiting to be sent',
      "The organisation's system · Webhook: waiting to be sent",
    ]);
  });

  it('says an e-mail replacing a failed SMS is one even before it is sent, and an unknown kind or role in general words', () => {
    const waiting = delivery(7, { eventId: SUBMITTED, recipientRole: 'focal_point', channel: 'email', status: 'queued', queuedAt: '2026-12-06T08:03:01.000Z', fallbackOf: SMS_ID });
    const odd = delivery(8, { eventId: 'referral-event-3', eventType: 'referral.reopened', messageKind: 'reopened', recipientRole: 'org_admin', channel: 'email', status: 'failed', queuedAt: '2026-12-06T10:00:00.000Z', failedAt: '2026-12-06T10:05:00.000Z' });
    expect(linesOf(String(deliveriesSection(context('fr'), { items: [waiting, odd], unavailable: false }))).slice(2)).toEqual([
      'Nouveau référencement — 6 déc. 2026, 08:03 UTC',
      'Point focal destinataire · E-mail\u00a0: en attente (e-mail remplaçant le SMS en échec)',
      'Autre message — 6 déc. 2026, 10:00 UTC',
      'Administrateur·rice · E-mail\u00a0: échec — 6 déc. 2026, 10:05 UTC',
    ]);
  });

  it('shows nothing when no message was sent, and one line when the log cannot be read', () => {
    expect(deliveriesSection(context('fr'), { items: [], unavailable: false })).toBe('');
    expect(linesOf(String(deliveriesSection(context('fr'), { items: [], unavailable: true })))).toEqual(['Messages envoyés', 'La liste des messages envoyés n’est pas disponible pour le moment.']);
    expect(linesOf(String(deliveriesSection(context('en'), { items: [], unavailable: true })))).toEqual(['Messages sent', 'The list of messages sent is not available right now.']);
  });

  it('has words for every message kind, recipient role and channel the notifications service can send, in every language', () => {
    const document = JSON.parse(readFileSync(new URL('../../../packages/contracts/generated/notifications.openapi.json', import.meta.url), 'utf8')) as {
      components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
    };
    const properties = document.components.schemas.Delivery?.properties ?? {};
    const roles = properties.recipientRole?.enum ?? [];
    const channels = properties.channel?.enum ?? [];
    expect(roles).toContain('focal_point');
    expect(channels).toContain('sms');
    const needed = [...MESSAGE_KINDS.map((k) => `messages.kind.${k}`), ...roles.map((r) => `messages.role.${r}`), ...channels.map((c) => `messages.channel.${c}`)];
    for (const [language, keys] of messageKeys()) {
      const missing = needed.filter((key) => !keys.includes(key));
      expect({ language, missing }).toEqual({ language, missing: [] });
    }
    // And the section uses them: each kind's words, not the "other message" fallback.
    for (const kind of MESSAGE_KINDS) {
      const section = String(deliveriesSection(context('en'), { items: [delivery(9, { eventId: 'e', messageKind: kind, recipientRole: 'lead', channel: 'email', status: 'queued', queuedAt: '2026-12-06T08:00:00.000Z' })], unavailable: false }));
      expect(section, kind).not.toContain('Other message');
    }
  });

  it('reads the log as "not available" when the notifications service cannot be reached, and asks nothing for a draft', async () => {
    // A port just closed: nothing listens there, as when the service is down.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const down = `http://127.0.0.1:${port}`;
    const urls: Record<ServiceName, string> = { directory: down, consent: down, referrals: down, notifications: down };
    const api = apiClient(urls, () => Promise.resolve('a-token'), 'fr');
    const logger = createLogger({ service: 'console-test', version: '0', level: 'silent' });
    const id = '3f0c6a52-1b7e-4c1f-9d7a-2b1d5e8f9a10';
    expect(await deliveryLogOf(api, logger, { id, status: 'submitted' })).toEqual({ items: [], unavailable: true });
    expect(await deliveryLogOf(api, logger, { id, status: 'draft' })).toEqual({ items: [], unavailable: false });
  });

  it('shows no section to a role the log is not for (403), and "not available" when the service fails (503)', async () => {
    let status = 403;
    const server = createHttpServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Refused', status, code: status === 403 ? 'forbidden' : 'unavailable' }));
    });
    const port = await new Promise<number>((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    try {
      const up = `http://127.0.0.1:${port}`;
      const api = apiClient({ directory: up, consent: up, referrals: up, notifications: up }, () => Promise.resolve('a-token'), 'fr');
      const logger = createLogger({ service: 'console-test', version: '0', level: 'silent' });
      const referral = { id: '3f0c6a52-1b7e-4c1f-9d7a-2b1d5e8f9a10', status: 'submitted' as const };
      expect(await deliveryLogOf(api, logger, referral)).toEqual({ items: [], unavailable: false });
      status = 503;
      expect(await deliveryLogOf(api, logger, referral)).toEqual({ items: [], unavailable: true });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
