/**
 * Where the demo reads what people were sent: on a running hub, the
 * notifications service's development outbox (`GET /api/messages` on its
 * page, port 4041); in the end-to-end tests, a real SMTP server and a fake SMS
 * gateway. Messages are asynchronous, so readers poll with a timeout.
 */

/** One e-mail or SMS as its recipient got it. */
export type DeliveredMessage = {
  channel: 'email' | 'sms';
  to: string;
  /** The e-mail's subject; null for an SMS. */
  subject: string | null;
  text: string;
  receivedAt: Date;
};

export type Mailbox = {
  /** Where the messages are read, for messages to people. */
  describe(): string;
  /** Messages to `to` received at or after `since`, newest first. */
  messages(to: string, since: Date): Promise<DeliveredMessage[]>;
};

/** A failure the demo explains in one sentence (no stack trace needed). */
export class DemoError extends Error {
  constructor(
    message: string,
    /** 2 when the hub (or part of it) is not running; 1 otherwise. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'DemoError';
  }
}

type OutboxItem = { id?: unknown; channel?: unknown; to?: unknown; subject?: unknown; text?: unknown; createdAt?: unknown };

/**
 * The development outbox of a hub started with `npm start` (no SMTP relay or
 * SMS provider configured): `GET <base>/api/messages?to=&since=` answers
 * `{ items: [{ id, channel, to, subject, text, createdAt }] }`, newest first.
 */
export function devOutboxMailbox(baseUrl: string): Mailbox {
  return {
    describe: () => `la boîte d'envoi de développement / development outbox ${new URL('/', baseUrl).toString()}`,
    async messages(to, since) {
      const url = new URL('/api/messages', baseUrl);
      url.searchParams.set('to', to);
      url.searchParams.set('since', since.toISOString());
      let response: Response;
      try {
        response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
      } catch {
        throw new DemoError(
          `The development outbox does not answer at ${baseUrl}: is the hub running with no SMTP relay and no SMS provider (npm start)?`,
          2,
        );
      }
      if (response.status === 404) {
        throw new DemoError(`The development outbox at ${baseUrl} has no /api/messages: this notifications service is older than the demo.`);
      }
      if (!response.ok) throw new DemoError(`The development outbox answered ${response.status} to ${url.pathname}.`);
      const body = (await response.json()) as { items?: unknown };
      const items = Array.isArray(body.items) ? (body.items as OutboxItem[]) : [];
      return items.flatMap((item): DeliveredMessage[] => {
        if ((item.channel !== 'email' && item.channel !== 'sms') || typeof item.to !== 'string' || typeof item.text !== 'string' || typeof item.createdAt !== 'string') {
          return [];
        }
        return [{ channel: item.channel, to: item.to, subject: typeof item.subject === 'string' ? item.subject : null, text: item.text, receivedAt: new Date(item.createdAt) }];
      });
    },
  };
}

/**
 * Polls `mailbox` until a message to `to` on `channel`, received since
 * `since`, matches; rejects with a DemoError naming `what` after `timeoutMs`.
 */
export async function waitForMessage(
  mailbox: Mailbox,
  options: { to: string; since: Date; channel: 'email' | 'sms'; match: (message: DeliveredMessage) => boolean; what: string; timeoutMs: number },
): Promise<DeliveredMessage> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const found = (await mailbox.messages(options.to, options.since)).find((m) => m.channel === options.channel && options.match(m));
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new DemoError(`No ${options.channel} "${options.what}" reached ${options.to} within ${Math.round(options.timeoutMs / 1000)} s (read from ${mailbox.describe()}).`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
