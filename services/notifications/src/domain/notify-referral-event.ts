import type { Tx } from '../data-access/database.js';
import { insertDeliveries } from '../data-access/deliveries.js';
import type { NewDeliveryRow } from '../data-access/deliveries.js';
import type { ReferralEventType } from '../entry-points/messaging/events.js';
import type { DeliveryJobData } from '../delivery/queue.js';
import { deliveryId } from '../delivery/queue.js';
import { messageFacts, renderEmail, renderSms } from './messages/render.js';
import type { MessageStatus } from './messages/templates.js';
import { AUDIENCES, planDeliveries } from './recipients.js';
import type { ReferralContext, StoredPreference } from './recipients.js';

/** The identifiers of a referral event: all the service takes from it. */
export type ReferralEventFacts = {
  eventId: string;
  eventType: ReferralEventType;
  referralId: string;
  referralCode: string;
  caseCode: string;
  status: MessageStatus;
  referringOrganizationId: string;
  recipientOrganizationId: string;
  recipientServiceId: string;
  /** The event as received (a CloudEvent of identifiers and codes only): the body of webhooks. */
  envelope: unknown;
};

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
  enqueue(jobs: DeliveryJobData[]): Promise<void>;
  now?: () => Date;
};

/**
 * Turns a referral event into deliveries: who is told (by event type), on
 * which channels and in which language (their preferences), the rendered
 * message, one log row and one job per recipient and channel. Rows are
 * written in the consumer's transaction; jobs carry the row's id, derived from
 * the event, so a redelivered event plans and queues nothing new. A contact
 * without an address for a chosen channel is logged `failed` (`no_address`).
 */
export async function notifyReferralEvent(deps: NotifyDeps, tx: Tx, event: ReferralEventFacts): Promise<number> {
  const now = (deps.now ?? (() => new Date()))();
  const people = deps.contexts === undefined ? { rows: [], jobs: [] } : await planForPeople(deps, deps.contexts, tx, event, now);
  const hooks = await planWebhooks(tx, event);
  const rows = [...people.rows, ...hooks.rows];
  const jobs = [...people.jobs, ...hooks.jobs];
  await insertDeliveries(tx, rows);
  // Queued before the transaction commits: a job that runs first finds no row yet and waits for it.
  await deps.enqueue(jobs);
  return jobs.length;
}

type Plan = { rows: NewDeliveryRow[]; jobs: DeliveryJobData[] };

function row(event: ReferralEventFacts, fields: Omit<NewDeliveryRow, 'eventId' | 'eventType' | 'referralId' | 'referringOrganizationId'>): NewDeliveryRow {
  return { eventId: event.eventId, eventType: event.eventType, referralId: event.referralId, referringOrganizationId: event.referringOrganizationId, ...fields };
}

async function planForPeople(deps: NotifyDeps, contexts: ReferralContextSource, tx: Tx, event: ReferralEventFacts, now: Date): Promise<Plan> {
  const plan: Plan = { rows: [], jobs: [] };
  if (AUDIENCES[event.eventType].length === 0) return plan;
  const context = await contexts.load(event);
  const userIds = [context.lead, context.supervisor, ...context.focalPoints].flatMap((c) => (c === null || c.userId === null ? [] : [c.userId]));
  const stored = await tx.preference.findMany({ where: { userId: { in: userIds } } });
  const preferences = new Map<string, StoredPreference>(stored.map((p) => [p.userId, { channels: p.channels, language: p.language }]));
  const facts = messageFacts({ id: event.referralId, code: event.referralCode, caseCode: event.caseCode, status: event.status }, context.names, deps.linkTemplate);

  for (const delivery of planDeliveries(event.eventType, context, preferences)) {
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
    const message =
      delivery.channel === 'email'
        ? { channel: 'email' as const, to: delivery.address, language: delivery.language, ...renderEmail(delivery.kind, delivery.language, facts) }
        : { channel: 'sms' as const, to: delivery.address, text: renderSms(delivery.kind, delivery.language, facts) };
    plan.jobs.push({ deliveryId: id, eventId: event.eventId, referralId: event.referralId, message });
  }
  return plan;
}

/**
 * Webhooks go to the subscriptions of the two organisations on the
 * referral's sides, for the event types they chose: an organisation never
 * receives another's events.
 */
async function planWebhooks(tx: Tx, event: ReferralEventFacts): Promise<Plan> {
  const plan: Plan = { rows: [], jobs: [] };
  const subscriptions = await tx.webhookSubscription.findMany({
    where: { organizationId: { in: [event.referringOrganizationId, event.recipientOrganizationId] }, eventTypes: { has: event.eventType } },
    orderBy: { id: 'asc' },
  });
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
