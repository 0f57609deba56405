/**
 * "Messages sent": what the hub told whom about a referral, as the
 * notifications service's delivery log says it, for the referring side. Each
 * message by its event, who got it by role (never a number or an address),
 * its channel, and how it went: waiting, sent, on the phone (an SMS the
 * provider reported delivered), failed, or sent by e-mail after an SMS
 * failed. Grouped by event, oldest first, as a list that fits a phone.
 */
import type { Delivery } from '../api.js';
import { html } from '../html.js';
import type { Html, PageContext } from '../html.js';
import { formatDate } from '../pages.js';

/** The delivery log as the page got it: `unavailable` when the service refused or failed. */
export type DeliveryLog = { items: readonly Delivery[]; unavailable: boolean };

/** The message kinds the console has words for (the notifications service's, and a webhook's event names). */
const KINDS = new Set([
  'submitted',
  'acknowledged',
  'accepted',
  'declined',
  'started',
  'completed',
  'not_delivered',
  'withdrawn',
  'closed',
  'access_revoked',
  'overdue',
  'overdue_reminder',
  'overdue_lead',
  'escalated',
  'escalated_receiver',
  'escalated_lead',
  'transfer_received',
]);
const ROLES = new Set(['focal_point', 'lead', 'supervisor', 'org_admin', 'subscriber']);
const CHANNELS = new Set(['email', 'sms', 'webhook']);

/** What a message was about, in words (a kind without words reads as "another message"). */
function kindWords(context: PageContext, delivery: Delivery): string {
  const kind = KINDS.has(delivery.messageKind) ? delivery.messageKind : delivery.eventType.replace(/^referral\./, '');
  return context.t(KINDS.has(kind) ? `messages.kind.${kind}` : 'messages.kind.other');
}

/** How one message went, in words, with the time of its last step. */
function stateWords(context: PageContext, delivery: Delivery): Html {
  const { t, language } = context;
  const when = (iso: string | null) => formatDate(iso, language);
  let state: string;
  if (delivery.status === 'delivered') state = t('messages.state.delivered', { when: when(delivery.deliveredAt ?? delivery.sentAt) });
  else if (delivery.status === 'sent') state = t(delivery.fallbackOf === null ? 'messages.state.sent' : 'messages.state.sentFallback', { when: when(delivery.sentAt) });
  else if (delivery.status === 'failed') state = t('messages.state.failed', { when: when(delivery.failedAt) });
  else state = t('messages.state.queued');
  // A replacing e-mail not (yet) sent still says what it replaces.
  if (delivery.fallbackOf !== null && delivery.status !== 'sent') state = t('messages.fallback', { state });
  return delivery.status === 'failed' ? html`<span class="late">${state}</span>` : html`${state}`;
}

function line(context: PageContext, delivery: Delivery): Html {
  const { t } = context;
  const who = t(ROLES.has(delivery.recipientRole) ? `messages.role.${delivery.recipientRole}` : 'messages.role.other');
  const channel = t(CHANNELS.has(delivery.channel) ? `messages.channel.${delivery.channel}` : 'messages.channel.other');
  return html`<li>${t('messages.line', { who, channel })} ${stateWords(context, delivery)}</li>`;
}

/** The section, or nothing when no message was sent (or none the person may see). */
export function deliveriesSection(context: PageContext, log: DeliveryLog): Html | '' {
  const { t } = context;
  const heading = html`<h2 id="h-messages">${t('messages.title')}</h2>`;
  if (log.unavailable) return html`<section aria-labelledby="h-messages">${heading}<p>${t('messages.unavailable')}</p></section>`;
  if (log.items.length === 0) return '';
  // One entry per event, in the order of its first message (the log is oldest first).
  const events = new Map<string, Delivery[]>();
  for (const delivery of [...log.items].sort((a, b) => a.queuedAt.localeCompare(b.queuedAt))) {
    const group = events.get(delivery.eventId);
    if (group === undefined) events.set(delivery.eventId, [delivery]);
    else group.push(delivery);
  }
  const entries = [...events.values()].map((group) => {
    const first = group[0] as Delivery;
    return html`<li><strong>${kindWords(context, first)}</strong> — ${formatDate(first.queuedAt, context.language)}<ul>${group.map((d) => line(context, d))}</ul></li>`;
  });
  return html`<section aria-labelledby="h-messages">${heading}<p class="hint">${t('messages.intro')}</p><ol class="history messages">${entries}</ol></section>`;
}
