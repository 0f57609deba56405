/**
 * What lies outside the hub in the end-to-end tests: a real SMTP server (the
 * mail relay) and a fake SMS gateway speaking the generic JSON protocol of
 * `SMS_PROVIDER=http`. Both keep what they receive, as the demo's mailbox.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveredMessage, Mailbox } from '../../../scripts/demo/mailbox.js';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type CaughtEmail = DeliveredMessage & {
  channel: 'email';
  language: string | undefined;
  html: string;
  /** The `Message-ID` header, e.g. `<delivery id@hub.example.org>`: the same on every attempt of one delivery. */
  messageId?: string;
};
/** An SMS a fake provider took; `messageId` is the id it answered (what its delivery reports name). */
export type CaughtSms = DeliveredMessage & { channel: 'sms'; idempotencyKey: string | undefined; messageId?: string };

export type SmtpCatcher = {
  url: string;
  received: CaughtEmail[];
  /**
   * While true, every message is refused with a temporary error (451, as a relay that is busy or
   * greylisting): nothing is kept, and the sender is expected to try again later.
   */
  refuseTemporarily(refusing: boolean): void;
  close(): Promise<void>;
};

/** A real SMTP server on 127.0.0.1 (no TLS, no auth) that parses and keeps every message. */
export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  const received: CaughtEmail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      if (refusing) {
        stream.resume();
        stream.once('end', () => callback(Object.assign(new Error('Try again later'), { responseCode: 451 })));
        return;
      }
      simpleParser(stream).then(
        (mail) => {
          const language = mail.headers.get('content-language');
          for (const rcpt of session.envelope.rcptTo) {
            received.push({
              channel: 'email',
              to: rcpt.address,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              language: typeof language === 'string' ? language : undefined,
              receivedAt: new Date(),
              ...(mail.messageId === undefined ? {} : { messageId: mail.messageId }),
            });
          }
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error('unreadable message')),
      );
    },
  });
  // A sender that dies with a connection open (a killed process) resets it: the server reports that as an
  // 'error' event, which must not go unhandled in the test process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuseTemporarily: (value) => {
      refusing = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmsGateway = {
  url: string;
  received: CaughtSms[];
  close(): Promise<void>;
};

/**
 * A fake SMS gateway: takes `POST {"to","text"}` as JSON, keeps it, answers
 * `{"id"}`. It keeps every request, a repeated `Idempotency-Key` included, so
 * a message sent twice shows twice.
 */
export async function startSmsGateway(): Promise<SmsGateway> {
  const received: CaughtSms[] = [];
  let counter = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const { to, text } = (body ?? {}) as { to?: unknown; text?: unknown };
      if (typeof to !== 'string' || typeof text !== 'string') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"to and text are required"}');
        return;
      }
      const key = req.headers['idempotency-key'];
      const idempotencyKey = typeof key === 'string' ? key : undefined;
      counter += 1;
      const messageId = `fake-sms-${counter}`;
      received.push({ channel: 'sms', to, subject: null, text, idempotencyKey, receivedAt: new Date(), messageId });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: messageId }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/messages`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The demo's mailbox over what the catchers received (the SMTP server, the SMS gateway, and any other SMS fake). */
export function catcherMailbox(smtp: SmtpCatcher, sms: SmsGateway, ...otherSms: { received: readonly CaughtSms[] }[]): Mailbox {
  return {
    describe: () => 'the test SMTP server and SMS gateway',
    messages: (to, since) =>
      Promise.resolve(
        [...smtp.received, ...sms.received, ...otherSms.flatMap((s) => s.received)]
          .filter((m) => m.to === to && m.receivedAt.getTime() >= since.getTime())
          .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime()),
      ),
  };
}
