import { createTransport } from 'nodemailer';
import type { ChannelSender, OutgoingMessage, SendResult } from '../domain/channels.js';
import { DeliveryError } from '../domain/channels.js';

export type EmailSenderOptions = {
  /** `smtp://` or `smtps://`, with credentials if the relay needs them. */
  smtpUrl: string;
  /** The `From` address of every notification. */
  from: string;
  /** The domain of every `Message-ID`, `<delivery id@domain>` (`MAIL_MESSAGE_ID_DOMAIN`). */
  messageIdDomain: string;
  /** Give up on an unresponsive relay after this long (default 30 s). */
  timeoutMs?: number;
  /**
   * SMTP connections kept open and reused (`SMTP_POOL_CONNECTIONS`, default 5). Messages beyond them wait
   * for a free connection.
   */
  poolConnections?: number;
};

/** The `Message-ID` of a delivery's e-mail: `<delivery id@domain>`, the same on every attempt. */
export function deliveryMessageId(deliveryId: string, domain: string): string {
  return `<${deliveryId}@${domain}>`;
}

type SmtpError = Error & { responseCode?: unknown; code?: unknown };

/**
 * E-mail through an SMTP relay with nodemailer, over a pool of connections
 * kept open: a new connection per message costs a TCP handshake and the
 * relay's greeting (which relays delay on purpose), about 100 ms each.
 *
 * A 5xx reply (address or message refused) is permanent; a 4xx reply, a
 * timeout or a lost connection is retried. So is 503 (bad sequence of
 * commands): it says the session was in the wrong state, not that the
 * message was refused. After a refused message nodemailer resets the session
 * (RSET) before reusing the connection, and closes it if that fails; a message
 * not yet begun on a connection the relay had dropped goes out over another.
 *
 * Every attempt of a delivery carries the same `Message-ID`, made from the
 * delivery id: a message sent again (the relay took it but the log could not
 * say so before a crash, or its answer was lost to a timeout) is the same
 * message to the mail systems that drop duplicates by it.
 */
export function createEmailSender(options: EmailSenderOptions): ChannelSender {
  const timeout = options.timeoutMs ?? 30_000;
  const transport = createTransport({
    url: options.smtpUrl,
    pool: true,
    maxConnections: options.poolConnections ?? 5,
    // Kept for good, not closed after nodemailer's default of 100 messages: each new connection waits for the
    // relay's greeting (delayed on purpose by many relays, 100 ms by smtp-server), which made one e-mail in a
    // hundred late. A relay that ends a connection itself gets a new one.
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    async send(message: OutgoingMessage, context: { deliveryId: string }): Promise<SendResult> {
      if (message.channel !== 'email') throw new DeliveryError('wrong_channel', 'The e-mail sender only sends e-mail', { permanent: true });
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          messageId: deliveryMessageId(context.deliveryId, options.messageIdDomain),
          text: message.text,
          html: message.html,
          headers: { 'Content-Language': message.language, 'Auto-Submitted': 'auto-generated' },
        });
        const id = typeof info.messageId === 'string' && /^[!-~]{1,256}$/.test(info.messageId) ? info.messageId : null;
        return { providerMessageId: id };
      } catch (error) {
        const responseCode = (error as SmtpError).responseCode;
        if (typeof responseCode === 'number' && responseCode >= 500 && responseCode !== 503) {
          throw new DeliveryError('smtp_rejected', `The mail relay refused the message (${responseCode})`, { permanent: true, cause: error });
        }
        if ((error as SmtpError).code === 'EAUTH') {
          throw new DeliveryError('smtp_auth', 'The mail relay refused the credentials', { permanent: true, cause: error });
        }
        const code = typeof responseCode === 'number' ? `smtp_${responseCode}` : 'smtp_unavailable';
        throw new DeliveryError(code, 'The mail relay could not take the message now', { permanent: false, cause: error });
      }
    },
    /** Closes the pool's connections (after the worker has stopped: no message is in hand). */
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
