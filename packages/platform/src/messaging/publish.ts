import type { ConfirmChannel, Options } from 'amqplib';
import type { Logger } from 'pino';
import { acceptOrCreateRequestId, currentRequestId, REQUEST_ID_HEADER } from '../context.js';
import { AppError } from '../errors.js';
import { traceparentOf } from '../observability/trace-context.js';
import type { AmqpConnection } from './connection.js';
import { assertValidEvent, CLOUDEVENTS_CONTENT_TYPE, type EventEnvelope, type EventValidator } from './events.js';

/** Extra AMQP headers for a message. Values must be plain scalars. */
export type MessageHeaders = Record<string, string | number | boolean>;

/**
 * AMQP properties of a published event: persistent, CloudEvents content type,
 * `messageId` = event id (consumers deduplicate on it), `type` = event type,
 * and the request id that ties the chain of work together.
 */
export function eventMessageOptions(event: EventEnvelope, headers: MessageHeaders = {}): Options.Publish {
  const requestId = acceptOrCreateRequestId(headers[REQUEST_ID_HEADER] ?? currentRequestId());
  const time = event.time === undefined ? Date.now() : Date.parse(event.time);
  return {
    persistent: true,
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    messageId: event.id,
    type: event.type,
    timestamp: Math.floor((Number.isNaN(time) ? Date.now() : time) / 1000),
    headers: { ...headers, [REQUEST_ID_HEADER]: requestId, ...traceHeader(event) },
  };
}

/** The envelope's `traceparent` as a header too: the consumer starts its span from it without parsing the body. */
function traceHeader(event: EventEnvelope): MessageHeaders {
  const traceparent = traceparentOf(event);
  return traceparent === undefined ? {} : { traceparent };
}

/** Serialises an event as structured-mode CloudEvents JSON. */
export function encodeEvent(event: EventEnvelope): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/**
 * Publishes on a confirm channel. `confirmed` settles when the broker confirms
 * (or refuses, or the channel closes first); `backpressure` says the channel's
 * buffer is full and the caller should wait for `drain` before sending more.
 */
export function publishWithConfirm(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
): { confirmed: Promise<void>; backpressure: boolean } {
  let backpressure = false;
  const confirmed = new Promise<void>((resolve, reject) => {
    try {
      const ok = channel.publish(exchange, routingKey, content, options, (error: unknown) => {
        if (error === null || error === undefined) resolve();
        else reject(error instanceof Error ? error : new AppError('publish_refused', 503, 'Message refused by the broker'));
      });
      backpressure = !ok;
    } catch (error) {
      // The channel was already closed: nothing was sent.
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
  return { confirmed, backpressure };
}

/** Rejects with a 503 AppError if `promise` has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('broker_timeout', 503, 'Broker timeout', { detail: `${what} timed out after ${ms} ms.` })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Keeps one confirm channel open on a managed connection, reopening it after
 * it closes. Concurrent callers share the same channel.
 */
export class ConfirmChannelHolder {
  private channel: ConfirmChannel | null = null;
  private opening: Promise<ConfirmChannel> | null = null;

  constructor(private readonly amqp: AmqpConnection) {}

  /** The open confirm channel, opened if needed; fails fast when disconnected. */
  async get(): Promise<ConfirmChannel> {
    if (this.channel !== null) return this.channel;
    if (this.opening !== null) return await this.opening;
    this.opening = this.amqp.createConfirmChannel().then(
      (channel) => {
        this.opening = null;
        this.channel = channel;
        channel.once('close', () => {
          if (this.channel === channel) this.channel = null;
        });
        return channel;
      },
      (error: unknown) => {
        this.opening = null;
        throw error;
      },
    );
    return await this.opening;
  }

  /** Forgets the channel (e.g. after a timeout) so the next `get` opens a fresh one. */
  discard(): void {
    const channel = this.channel;
    this.channel = null;
    if (channel !== null) channel.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = null;
    if (channel !== null) await channel.close().catch(() => undefined);
  }
}

export type EventPublisher = {
  /**
   * Validates, publishes and waits for the broker's confirm. Throws
   * `InvalidEventError` (nothing published) or a 503 AppError when the broker
   * is unreachable or does not confirm. Prefer the outbox for events that
   * follow a state change: this is for callers that can retry themselves.
   */
  publish(event: unknown, headers?: MessageHeaders): Promise<void>;
  close(): Promise<void>;
};

export type CreatePublisherOptions = {
  amqp: AmqpConnection;
  /** Topic exchange to publish to; the routing key is the event type. */
  exchange: string;
  validator: EventValidator;
  logger: Logger;
  /** How long to wait for the broker's confirm (default 10 s). */
  confirmTimeoutMs?: number;
};

/** A publisher with publisher confirms. See {@link EventPublisher.publish}. */
export function createPublisher(options: CreatePublisherOptions): EventPublisher {
  const { amqp, exchange, validator, logger } = options;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  const channels = new ConfirmChannelHolder(amqp);
  return {
    async publish(candidate: unknown, headers: MessageHeaders = {}): Promise<void> {
      const event = assertValidEvent(validator, candidate);
      const channel = await channels.get();
      const { confirmed } = publishWithConfirm(channel, exchange, event.type, encodeEvent(event), eventMessageOptions(event, headers));
      try {
        await withTimeout(confirmed, confirmTimeoutMs, 'Publisher confirm');
      } catch (error) {
        logger.warn({ err: error, eventId: event.id, eventType: event.type }, 'Event not confirmed by the broker');
        if (error instanceof AppError && error.code === 'broker_timeout') channels.discard();
        throw error instanceof AppError ? error : new AppError('publish_failed', 503, 'Service unavailable', { detail: 'The event could not be published.', cause: error });
      }
    },
    close: () => channels.close(),
  };
}
