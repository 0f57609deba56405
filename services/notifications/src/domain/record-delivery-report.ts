import type { Logger } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { findSmsDeliveryByProviderMessageId, hasDelivery, insertFallbackDelivery, markDelivered, markReportedFailed } from '../data-access/delivery-reports.js';
import { findDelivery } from '../data-access/deliveries.js';
import type { DeliveryRow, NewDeliveryRow } from '../data-access/deliveries.js';
import { findReferralEvent } from '../data-access/referral-events.js';
import { deliveryId } from './delivery-jobs.js';
import type { DeliveryJobData } from './delivery-jobs.js';
import { forRecipient, messageFacts } from './messages/render.js';
import { MESSAGE_KINDS } from './messages/templates.js';
import type { Language, MessageKind } from './messages/templates.js';
import { renderMessage } from './notify-referral-event.js';
import type { NotifyDeps } from './notify-referral-event.js';
import { DEFAULT_ACTION_LINK_TEMPLATE } from './notify-referral-event.js';
import { asOfEvent } from './people-of-the-moment.js';
import { storedReferralEventFacts } from './referral-event-facts.js';

/** What an SMS provider says became of a message it took (Africa's Talking's delivery report, the gateway's). */
export type DeliveryReport = {
  provider: 'africastalking' | 'http';
  /** The id the provider gave when it took the message (kept in the delivery log as `providerMessageId`). */
  providerMessageId: string;
  status: 'delivered' | 'failed';
  /** The provider's reason for a failure (`UserInBlackList`, `DeliveryFailure`…), kept as the error code. */
  reason?: string;
};

export type DeliveryReportDeps = {
  db: NotificationsDatabase;
  /**
   * How a failed SMS to a focal point is sent again by e-mail: the referrals service's context (the focal
   * point's address, the names, their links), the link templates, and the delivery queue. Without
   * `contexts`, no fallback is sent.
   */
  notify: Pick<NotifyDeps, 'contexts' | 'linkTemplate' | 'actionLinkTemplate' | 'enqueue'>;
  logger?: Logger;
  now?: () => Date;
};

/** The error code of a failure report: `sms_report_` and the provider's reason in snake case, or `sms_report_failed`. */
export function reportErrorCode(reason: string | undefined): string {
  const words = (reason ?? '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `sms_report_${words === '' ? 'failed' : words}`.slice(0, 64);
}

/**
 * A provider's delivery report, into the delivery log: the SMS it names (by the provider's message id) is
 * shown `delivered`, or turns `failed` with the reason as its code. Idempotent: the same report again
 * changes nothing, and a report never undoes an earlier one. A report naming no SMS of the log is
 * `unknown` (a provider's test, another deployment's message, a message the log never recorded as sent).
 *
 * A failed SMS to a receiving focal point is sent again by e-mail, to the same person, about the same event,
 * in the same language, when the focal point has an e-mail address and no e-mail of that event went to
 * them yet: a new delivery of the log (its `fallbackOf` naming the SMS), queued like any other, once.
 *
 * @throws Error when the fallback cannot be planned now (the referrals service is unreachable): the
 *   failure is recorded already, and the provider's retry of the report plans the fallback.
 */
export async function recordDeliveryReport(deps: DeliveryReportDeps, report: DeliveryReport): Promise<'updated' | 'unknown'> {
  const now = (deps.now ?? (() => new Date()))();
  const sms = await findSmsDeliveryByProviderMessageId(deps.db.client, report.providerMessageId);
  if (sms === null) return 'unknown';
  if (report.status === 'delivered') {
    await markDelivered(deps.db.client, sms.id, now);
    return 'updated';
  }
  const failed = (await markReportedFailed(deps.db.client, sms.id, reportErrorCode(report.reason), now)) || (sms.status === 'failed' && sms.errorCode?.startsWith('sms_report_') === true);
  if (failed) await fallBackToEmail(deps, sms);
  return 'updated';
}

/**
 * After a delivery failed for good when it was sent (the provider refused the number, every attempt failed):
 * a failed SMS to a focal point falls back to e-mail, as when the provider reports the failure later.
 *
 * @throws Error when the fallback cannot be planned now (the referrals service is unreachable).
 */
export async function fallBackAfterFailedDelivery(deps: DeliveryReportDeps, deliveryId: string): Promise<void> {
  const row = await findDelivery(deps.db.client, deliveryId);
  if (row === null || row.status !== 'failed' || row.channel !== 'sms') return;
  await fallBackToEmail(deps, row);
}

const FOCAL_POINT_KEY = 'focal_point:';
const isMessageKind = (value: string): value is MessageKind => (MESSAGE_KINDS as readonly string[]).includes(value);
const isLanguage = (value: string | null): value is Language => value === 'fr' || value === 'en';

/** The e-mail in place of a failed SMS to a focal point, if they have an address and got no e-mail of the event. */
async function fallBackToEmail(deps: DeliveryReportDeps, sms: DeliveryRow): Promise<void> {
  if (await hasDelivery(deps.db.client, sms.eventId, sms.recipientKey, 'email')) return;
  const planned = await planFallbackEmail(deps, sms);
  if (planned === null) return;
  // The row first, on its own; its job once it is committed, so that the worker never finds a job without
  // its row. A job lost in between is queued again by the sweep of lost deliveries.
  const inserted = await insertFallbackDelivery(deps.db.client, planned.row);
  if (!inserted) return;
  await deps.notify.enqueue([planned.job]);
  deps.logger?.info({ deliveryId: planned.row.id, fallbackOf: sms.id, referralId: sms.referralId }, 'A failed SMS to a focal point falls back to e-mail');
}

/**
 * The log row and job of the e-mail replacing a failed SMS to a receiving focal point: the same message
 * kind, event and language, to the address the referrals service gives for that focal point now (with their
 * one-click links while the referral awaits them). Null when the SMS was to someone else or the focal point
 * has no e-mail address; nothing is written. The sweep of lost jobs plans a lost fallback again with it.
 *
 * @throws Error when the referrals service cannot give the context now.
 */
export async function planFallbackEmail(
  deps: Pick<DeliveryReportDeps, 'db' | 'notify' | 'logger'>,
  sms: DeliveryRow,
): Promise<{ row: NewDeliveryRow & { fallbackOf: string }; job: DeliveryJobData } | null> {
  const { db, notify, logger } = deps;
  const referralId = sms.referralId;
  if (sms.channel !== 'sms' || sms.recipientRole !== 'focal_point' || referralId === null || !sms.recipientKey.startsWith(FOCAL_POINT_KEY) || !isMessageKind(sms.messageKind)) return null;
  if (notify.contexts === undefined) return null;
  const stored = await findReferralEvent(db.client, sms.eventId);
  if (stored?.envelope === null || stored?.envelope === undefined) {
    logger?.warn({ deliveryId: sms.id, eventId: sms.eventId }, 'A failed SMS could not fall back to e-mail: its event was not kept');
    return null;
  }
  const event = storedReferralEventFacts(stored.envelope);
  const context = asOfEvent(await notify.contexts.load(event), event.people);
  const focalPointId = sms.recipientKey.slice(FOCAL_POINT_KEY.length);
  const contact = context.focalPoints.find((fp) => fp.focalPointId === focalPointId);
  if (contact?.email === null || contact?.email === undefined) {
    logger?.info({ deliveryId: sms.id, referralId }, 'A failed SMS to a focal point has no e-mail to fall back to');
    return null;
  }
  const language: Language = isLanguage(sms.language) ? sms.language : (contact.language ?? 'fr');
  const identity = { id: event.referralId, code: event.referralCode, caseCode: event.caseCode, status: event.status };
  const facts = forRecipient(
    messageFacts(identity, context.namesByLanguage?.[language] ?? context.names, notify.linkTemplate),
    { role: 'focal_point', replyCode: context.replyCode ?? null, actionLinks: contact.actionLinks ?? null },
    notify.actionLinkTemplate ?? DEFAULT_ACTION_LINK_TEMPLATE,
  );
  const id = deliveryId(sms.eventId, sms.recipientKey, 'email');
  return {
    row: {
      id,
      eventId: sms.eventId,
      eventType: sms.eventType,
      referralId,
      referringOrganizationId: sms.referringOrganizationId,
      recipientKey: sms.recipientKey,
      recipientRole: sms.recipientRole,
      subscriberOrganizationId: null,
      channel: 'email',
      language,
      messageKind: sms.messageKind,
      status: 'queued',
      errorCode: null,
      failedAt: null,
      fallbackOf: sms.id,
    },
    job: { deliveryId: id, eventId: sms.eventId, referralId, message: renderMessage('email', sms.messageKind, language, contact.email, facts) },
  };
}
