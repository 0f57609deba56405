import type { Logger } from '@referral-hub/platform';
import type { NotificationsDatabase } from '../data-access/database.js';
import { claimInboundMessage, recordInboundOutcome, releaseInboundMessage } from '../data-access/inbound-messages.js';
import type { InboundProvider } from '../data-access/inbound-messages.js';
import type { PhoneRateLimit } from '../data-access/phone-limits.js';
import type { DeliveryJobData } from './delivery-jobs.js';
import type { PhoneActionResult, ReferralsPhone } from '../gateways/referrals-phone-client.js';
import { RATE_LIMITED_REPLY, SMS_REPLIES, UNKNOWN_SENDER_REPLY, actionsAllowedIn } from './messages/phone-replies.js';
import type { Language } from './messages/templates.js';
import { describeCommand, parsePhoneCommand } from './phone-commands.js';
import type { PhoneCommand } from './phone-commands.js';
import { sendPhoneReply } from './send-phone-reply.js';

export type ReceiveSmsDeps = {
  db: NotificationsDatabase;
  referrals: ReferralsPhone;
  rateLimit: PhoneRateLimit;
  /** The delivery queue: replies are SMS like any other (logged, retried, through the configured provider). */
  enqueue(jobs: DeliveryJobData[]): Promise<void>;
  logger?: Logger;
};

export type InboundSms = {
  provider: InboundProvider;
  /** The provider's id of the message: the same message delivered again has the same one. */
  messageId: string;
  from: string;
  to: string | null;
  text: string;
  receivedAt: Date;
};

/**
 * What came of a message: `duplicate` (delivered before: nothing done, nothing sent), `rate_limited`,
 * `help` (the commands were sent back), or the referrals service's outcome (`done`, `already_done`,
 * `unknown_sender`, `unknown_code`, `not_allowed`, `reason_required`).
 */
export type ReceiveSmsOutcome = 'duplicate' | 'rate_limited' | 'help' | PhoneActionResult['outcome'];

/**
 * A focal point's SMS to the hub (`OK 4821`, `NON 4821 capacite`, `AIDE`…): read, kept once by the
 * provider's message id (the command only, never the text), counted against the number's limit, taken
 * by the referrals service (which alone knows who the number is and what the code leads to), and
 * answered by SMS in the person's language. A number the hub does not know gets the same short neutral
 * answer whatever it sent. A message already handled changes nothing and is not answered again.
 *
 * @throws UpstreamUnavailableError when the referrals service cannot answer now: nothing is kept, so the
 *   provider's retry of the callback is handled.
 */
export async function receiveSms(deps: ReceiveSmsDeps, msg: InboundSms): Promise<{ outcome: ReceiveSmsOutcome }> {
  const command = parsePhoneCommand(msg.text);
  const claimed = await claimInboundMessage(deps.db.client, { provider: msg.provider, messageId: msg.messageId, command: describeCommand(command), receivedAt: msg.receivedAt });
  if (!claimed) return { outcome: 'duplicate' };
  const inReplyTo = `${msg.provider}:${msg.messageId}`;
  const reply = (text: string, kind: string, language: Language | null) => sendPhoneReply(deps, { inReplyTo, to: msg.from, text, kind: `phone_reply_${kind}`, language });
  let outcome: ReceiveSmsOutcome;
  try {
    outcome = await handle(deps, msg, command, reply);
  } catch (error) {
    await releaseInboundMessage(deps.db.client, msg.provider, msg.messageId).catch(() => undefined);
    throw error;
  }
  await recordInboundOutcome(deps.db.client, msg.provider, msg.messageId, outcome);
  deps.logger?.info({ provider: msg.provider, command: command.kind === 'action' ? command.action : command.kind, outcome }, 'SMS command handled');
  return { outcome };
}

type Reply = (text: string, kind: string, language: Language | null) => Promise<unknown>;

async function handle(deps: ReceiveSmsDeps, msg: InboundSms, command: PhoneCommand, reply: Reply): Promise<ReceiveSmsOutcome> {
  const limit = await deps.rateLimit.take(msg.from);
  if (!limit.allowed) {
    if (limit.tellOnce) await reply(RATE_LIMITED_REPLY, 'rate_limited', null);
    return 'rate_limited';
  }
  if (command.kind !== 'action') {
    // Help, or words not understood: the commands, in the language of a number the hub knows.
    const inbox = await deps.referrals.inbox(msg.from);
    if (inbox.outcome === 'unknown_sender') {
      await reply(UNKNOWN_SENDER_REPLY, 'unknown_sender', null);
      return 'unknown_sender';
    }
    await reply(SMS_REPLIES[inbox.language].help, 'help', inbox.language);
    return 'help';
  }
  const result = await deps.referrals.act({
    channel: 'sms',
    phone: msg.from,
    replyCode: command.replyCode,
    action: command.action,
    ...(command.reasonCode === null ? {} : { reasonCode: command.reasonCode }),
    requestKey: `sms:${msg.provider}:${msg.messageId}`,
  });
  const words = SMS_REPLIES[result.language];
  const referral = result.referral;
  switch (result.outcome) {
    case 'already_done':
      // Taken already (the same request seen by the referrals service): the first answer was the reply.
      break;
    case 'unknown_sender':
      await reply(UNKNOWN_SENDER_REPLY, 'unknown_sender', null);
      break;
    case 'unknown_code':
      await reply(words.unknownCode({ replyCode: command.replyCode }), 'unknown_code', result.language);
      break;
    case 'reason_required':
      await reply(words.reasonRequired({ replyCode: command.replyCode }), 'reason_required', result.language);
      break;
    case 'done':
      await reply(words.done({ code: referral?.code ?? '', replyCode: referral?.replyCode ?? command.replyCode, status: referral?.status ?? '' }), 'done', result.language);
      break;
    case 'console_only':
      await reply(words.consoleOnly({ code: referral?.code ?? '', replyCode: referral?.replyCode ?? command.replyCode }), 'console_only', result.language);
      break;
    case 'not_allowed': {
      const status = referral?.status ?? '';
      await reply(
        words.notAllowed({ code: referral?.code ?? '', replyCode: referral?.replyCode ?? command.replyCode, status, action: command.action, allowed: actionsAllowedIn(status) }),
        'not_allowed',
        result.language,
      );
      break;
    }
  }
  return result.outcome;
}
