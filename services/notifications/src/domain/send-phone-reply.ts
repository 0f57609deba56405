import { createHash } from 'node:crypto';
import type { NotificationsDatabase } from '../data-access/database.js';
import { insertDeliveries } from '../data-access/deliveries.js';
import { normalisePhone } from '../data-access/phone-limits.js';
import type { DeliveryJobData } from './delivery-jobs.js';
import { deliveryId } from './delivery-jobs.js';
import { toGsm7 } from './messages/gsm7.js';
import type { Language } from './messages/templates.js';

/**
 * A reply to a phone's message is logged as a delivery about no organisation (the column is required for
 * the delivery log of referral events; a reply is shown in no referral's log, its `referral_id` being null).
 */
export const NO_ORGANIZATION = '00000000-0000-0000-0000-000000000000';

export type PhoneReplyDeps = {
  db: NotificationsDatabase;
  /** The delivery queue: the reply goes the way of every SMS (logged, retried, through the configured provider). */
  enqueue(jobs: DeliveryJobData[]): Promise<void>;
};

export type PhoneReply = {
  /** Unique per message answered (`<provider>:<message id>`): answering the same message again adds nothing. */
  inReplyTo: string;
  to: string;
  text: string;
  /** What the reply says (`phone_reply_done`, `phone_reply_help`…), for the log. */
  kind: string;
  /** Null for a reply in both languages (to a number the hub does not know). */
  language: Language | null;
};

/**
 * Queues one SMS in answer to a phone's message: a row in the delivery log (`queued`), then its job, with
 * ids derived from the message answered so that a second call queues nothing more. The text is fitted to
 * the GSM-7 alphabet, as every SMS of the hub.
 */
export async function sendPhoneReply(deps: PhoneReplyDeps, reply: PhoneReply): Promise<string> {
  const eventId = `phone-reply:${reply.inReplyTo}`;
  const recipientKey = `phone:${createHash('sha256').update(normalisePhone(reply.to)).digest('base64url').slice(0, 22)}`;
  const id = deliveryId(eventId, recipientKey, 'sms');
  await insertDeliveries(deps.db.client, [
    {
      id,
      eventId,
      eventType: 'phone.reply',
      referralId: null,
      referringOrganizationId: NO_ORGANIZATION,
      recipientKey,
      recipientRole: 'phone_sender',
      subscriberOrganizationId: null,
      channel: 'sms',
      language: reply.language,
      messageKind: reply.kind,
      status: 'queued',
      errorCode: null,
      failedAt: null,
    },
  ]);
  await deps.enqueue([{ deliveryId: id, eventId, referralId: null, message: { channel: 'sms', to: reply.to, text: toGsm7(reply.text) } }]);
  return id;
}
