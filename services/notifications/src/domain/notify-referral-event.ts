import type { SqlPool } from '../data-access/database.js';
import { findAdministratorsOf, findPreferencesOf } from '../data-access/preferences.js';
import type { NewDeliveryRow } from '../data-access/deliveries.js';
import { findSubscriptionsToEvent } from '../data-access/subscriptions.js';
import type { OutgoingMessage } from './channels.js';
import type { DeliveryJobData, EnqueueDeliveries } from './delivery-jobs.js';
import { deliveryId } from './delivery-jobs.js';
import { forRecipient, messageFacts, renderEmail, renderSms } from './messages/render.js';
import type { Language, MessageFacts, MessageKind } from './messages/templates.js';
import { asOfEvent } from './people-of-the-moment.js';
import type { ReferralEventFacts } from './referral-event-facts.js';
import { AUDIENCES, planDeliveries } from './recipients.js';
import type { DeliveryChannel, ReferralContext, StoredPreference } from './recipients.js';

/** Where the names and contacts of a referral come from (the referrals service, the directory). */
export type ReferralContextSource = {
  /** @throws Error when they cannot be had now (the event is then retried). */
  load(event: ReferralEventFacts): Promise<ReferralContext>;
};

export type NotifyDeps = {
  /** Absent until a recipient lookup is configured: then only webhooks go out. */
  contexts?: ReferralContextSource;
  /** `{referralId}` / `{referralCode}` template of the link every message carries. */
  linkTemplate: string;
  /** `{token}` template of a focal point's one-click answer links (`ACTION_LINK_URL_TEMPLATE`); its default otherwise. */
  actionLinkTemplate?: string;
  enqueue: EnqueueDeliveries;
  now?: () => Date;
};

/**
 * Turns a referral event into deliveries, in two steps so that the consumer's
 * transaction holds no read and waits on no network: {@link planReferralEvent}
 * first, outside it (who is told, by event type; on which channels and in
 * which language, their preferences; the rendered message; the names and
 * contacts asked of the referrals service), then, in it, the event and one log
 * row per recipient and channel (`record-referral-event.ts`, one statement).
 * The jobs are for the caller to queue once the transaction has committed (a
 * job must never find its row missing). Jobs carry the row's id, derived from
 * the event, so a redelivered event plans and queues nothing new, and a job
 * lost between the commit and the queue is queued again by the sweep of lost
 * deliveries. A contact without an address for a chosen channel is logged
 * `failed` (`no_address`).
 */

/** `ACTION_LINK_URL_TEMPLATE`'s default: the console of `npm start`. */
export const DEFAULT_ACTION_LINK_TEMPLATE = 'http://127.0.0.1:4300/a/{token}';

/** The log rows and jobs of an event; nothing is written. */
export type Plan = { rows: NewDeliveryRow[]; jobs: DeliveryJobData[] };

/**
 * Who is told of `event` and what each is sent, as rows and jobs with ids
 * derived from the event: planning the same event again (a redelivery, the
 * sweep of lost jobs) gives the same ids. Reads only (on the pool, outside any
 * transaction: each read sees what is committed, as it would inside one), and
 * asks the referrals service for the referral's names and contacts when
 * someone is to be told by a person's channel.
 *
 * @throws Error when the recipients cannot be had now (the caller retries).
 */
export async function planReferralEvent(deps: Pick<NotifyDeps, 'contexts' | 'linkTemplate' | 'actionLinkTemplate'>, sql: SqlPool, event: ReferralEventFacts, now: Date): Promise<Plan> {
  const templates = { link: deps.linkTemplate, actionLink: deps.actionLinkTemplate ?? DEFAULT_ACTION_LINK_TEMPLATE };
  const needsPeople = deps.contexts !== undefined && AUDIENCES[event.eventType].length > 0;
  // The remote call and the subscriptions' read at once: neither waits for the other.
  const [context, hooks] = await Promise.all([needsPeople && deps.contexts !== undefined ? deps.contexts.load(event) : null, planWebhooks(sql, event)]);
  const people = context === null ? { rows: [], jobs: [] } : await planForPeople(templates, context, sql, event, now);
  return { rows: [...people.rows, ...hooks.rows], jobs: [...people.jobs, ...hooks.jobs] };
}

function row(event: ReferralEventFacts, fields: Omit<NewDeliveryRow, 'eventId' | 'eventType' | 'referralId' | 'referringOrganizationId'>): NewDeliveryRow {
  return { eventId: event.eventId, eventType: event.eventType, referralId: event.referralId, referringOrganizationId: event.referringOrganizationId, ...fields };
}

async function planForPeople(templates: { link: string; actionLink: string }, loaded: ReferralContext, sql: SqlPool, event: ReferralEventFacts, now: Date): Promise<Plan> {
  const plan: Plan = { rows: [], jobs: [] };
  if (AUDIENCES[event.eventType].length === 0) return plan;
  // The people who held the roles when it happened, not those holding them now.
  const context = asOfEvent(loaded, event.people);
  if (AUDIENCES[event.eventType].some((audience) => audience.roles.includes('org_admin'))) {
    // The receiving organisation's administrators: those whose token said org_admin when they opened their preferences.
    const admins = await findAdministratorsOf(sql, event.recipientOrganizationId);
    context.orgAdmins = admins.map((admin) => ({ role: 'org_admin', userId: admin.userId, focalPointId: null, email: admin.email, phone: admin.phone, language: null }));
  }
  const contacts = [context.lead, context.supervisor, context.sender?.lead ?? null, context.sender?.supervisor ?? null, ...context.focalPoints, ...(context.orgAdmins ?? [])].filter(
    (c) => c !== null,
  );
  const stored = await findPreferencesOf(sql, {
    userIds: contacts.flatMap((c) => (c.userId === null ? [] : [c.userId])),
    emails: contacts.flatMap((c) => (c.userId === null && c.email !== null ? [c.email] : [])),
  });
  const asStored = (p: (typeof stored)[number]): StoredPreference => ({ channels: p.channels, language: p.language, chosen: p.chosen, email: p.email, phone: p.phone });
  const preferences = new Map<string, StoredPreference>(stored.map((p) => [p.userId, asStored(p)]));
  // By e-mail for focal points; of two people sharing an address, the one who chose wins, then the first.
  const byEmail = new Map<string, StoredPreference>();
  for (const p of [...stored].sort((a, b) => Number(b.chosen) - Number(a.chosen))) {
    const key = p.email?.toLowerCase();
    if (key !== undefined && !byEmail.has(key)) byEmail.set(key, asStored(p));
  }
  const identity = { id: event.referralId, code: event.referralCode, caseCode: event.caseCode, status: event.status };
  const factsIn = (language: Language) => messageFacts(identity, context.namesByLanguage?.[language] ?? context.names, templates.link);

  for (const delivery of planDeliveries(event.eventType, context, preferences, byEmail)) {
    const id = deliveryId(event.eventId, delivery.recipientKey, delivery.channel);
    const noAddress = delivery.address === null;
    plan.rows.push(
      row(event, {
        id,
        recipientKey: delivery.recipientKey,
        recipientRole: delivery.role,
        subscriberOrganizationId: null,
        channel: delivery.channel,
        language: delivery.language,
        messageKind: delivery.kind,
        status: noAddress ? 'failed' : 'queued',
        errorCode: noAddress ? 'no_address' : null,
        failedAt: noAddress ? now : null,
      }),
    );
    if (delivery.address === null) continue;
    // A receiving focal point's message names the reply code (SMS) and carries their own links (e-mail).
    const facts = forRecipient(factsIn(delivery.language), { role: delivery.role, replyCode: context.replyCode ?? null, actionLinks: delivery.actionLinks }, templates.actionLink);
    plan.jobs.push({ deliveryId: id, eventId: event.eventId, referralId: event.referralId, message: renderMessage(delivery.channel, delivery.kind, delivery.language, delivery.address, facts) });
  }
  return plan;
}

/** The message of one person on one channel, rendered in their language. */
export function renderMessage(channel: DeliveryChannel, kind: MessageKind, language: Language, address: string, facts: MessageFacts): OutgoingMessage {
  return channel === 'email'
    ? { channel: 'email', to: address, language, ...renderEmail(kind, language, facts) }
    : { channel: 'sms', to: address, text: renderSms(kind, language, facts) };
}

/**
 * Webhooks go to the subscriptions of the two organisations on the
 * referral's sides, for the event types they chose: an organisation never
 * receives another's events.
 */
async function planWebhooks(sql: SqlPool, event: ReferralEventFacts): Promise<Plan> {
  const plan: Plan = { rows: [], jobs: [] };
  const subscriptions = await findSubscriptionsToEvent(sql, [event.referringOrganizationId, event.recipientOrganizationId], event.eventType);
  const body = JSON.stringify(event.envelope);
  for (const subscription of subscriptions) {
    const recipientKey = `subscription:${subscription.id}`;
    const id = deliveryId(event.eventId, recipientKey, 'webhook');
    plan.rows.push(
      row(event, {
        id,
        recipientKey,
        recipientRole: 'subscriber',
        subscriberOrganizationId: subscription.organizationId,
        channel: 'webhook',
        // Webhooks carry the event itself, not words.
        language: null,
        messageKind: event.eventType.slice('referral.'.length),
        status: 'queued',
        errorCode: null,
        failedAt: null,
      }),
    );
    plan.jobs.push({ deliveryId: id, eventId: event.eventId, referralId: event.referralId, message: { channel: 'webhook', subscriptionId: subscription.id, url: subscription.url, body } });
  }
  return plan;
}
