import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Logger } from 'pino';
import { acceptOrCreateRequestId, REQUEST_ID_HEADER, runWithContext } from '../context.js';
import type { SqlClient, TransactionRunner } from '../db/types.js';
import { inSpan } from '../observability/trace-context.js';
import type { AmqpConnection } from './connection.js';
import { describeFailure, MESSAGE_HEADERS, type EventEnvelope, type EventValidator } from './events.js';
import { publishWithConfirm, withTimeout } from './publish.js';
import { consumerQueueNames } from './topology.js';

/** What a handler knows about the delivery besides the event. */
export type EventHandlerContext = {
  consumer: string;
  requestId: string;
  /** 1 on the first attempt, then 2, 3… on retries. */
  attempt: number;
  /** The broker delivered this message before (e.g. after a lost connection). */
  redelivered: boolean;
  /** Bound to the consumer, event id and type. */
  logger: Logger;
  /**
   * Runs `work` once the inbox transaction has committed, before the message
   * is acked (e.g. handing jobs to a queue that must not see rows before they
   * exist). Dropped if the transaction rolls back. Its failure is logged and
   * does not retry the event, which is already recorded: whatever `work` does
   * must be recoverable from what the transaction wrote (a sweep).
   */
  afterCommit(work: () => Promise<void>): void;
};

/**
 * Applies one event's effects using `tx`, the transaction that also records
 * the event in the inbox: either both commit or neither does.
 */
export type EventHandler<Tx extends SqlClient = SqlClient, Event extends EventEnvelope = EventEnvelope> = (event: Event, tx: Tx, ctx: EventHandlerContext) => Promise<void>;

/**
 * A handler in two steps, for one that needs something from the network
 * (another service's API): `prepare` runs BEFORE the inbox transaction opens,
 * so no transaction (and no pooled connection) waits on a remote call; it
 * returns the work to do in the transaction. If `prepare` throws, the event
 * is retried like any failing handler, unless the inbox already has it (a
 * duplicate), which is then acknowledged. A duplicate whose `prepare`
 * succeeds is still stopped by the inbox: its work never runs.
 */
export type PreparedEventHandler<Tx extends SqlClient = SqlClient, Event extends EventEnvelope = EventEnvelope> = {
  prepare(event: Event, ctx: EventHandlerContext): Promise<(tx: Tx) => Promise<void>>;
};

/** The first word of an event type (`consent` of `consent.withdrawn`): its family. */
type FamilyOf<Type extends string> = Type extends `${infer Family}.${string}` ? Family : never;

/** A key of a handler map: one event type of the catalogue, or a whole family (`consent.#`). */
export type EventHandlerKey<Events extends EventEnvelope> = Events['type'] | `${FamilyOf<Events['type']>}.#`;

/**
 * The events of the catalogue a handler key receives: that one type, or every type of the family
 * (any event, when the catalogue does not name its types).
 */
export type EventsOfKey<Events extends EventEnvelope, Key extends string> = string extends Events['type']
  ? Events
  : Key extends `${infer Family}.#`
    ? Extract<Events, { type: `${Family}.${string}` }>
    : Extract<Events, { type: Key }>;

/**
 * The one way a service receives events: its handlers keyed by event type (or family, `consent.#`;
 * an exact type wins over its family), each given the event typed as the catalogue types it, data
 * included: the consumer has validated it against its type's schema before the handler runs, so a
 * handler never casts `event.data`. A key that is not in the catalogue does not compile. With the
 * untyped `EventEnvelope` (the messaging layer's own tests) it is a plain record by type or pattern.
 */
export type EventHandlers<Events extends EventEnvelope, Tx extends SqlClient = SqlClient> = {
  [Key in EventHandlerKey<Events>]?: EventHandler<Tx, EventsOfKey<Events, Key>> | PreparedEventHandler<Tx, EventsOfKey<Events, Key>>;
};

export type StartConsumerOptions<Tx extends SqlClient = SqlClient, Events extends EventEnvelope = EventEnvelope> = {
  amqp: AmqpConnection;
  /** Consumer (service) name as in the topology; also the inbox's `consumer` column. */
  consumer: string;
  /** Defaults to the topology's names for `consumer`. */
  queue?: string;
  retryQueue?: string;
  deadLetterQueue?: string;
  validator: EventValidator<Events>;
  logger: Logger;
  /** Unacknowledged messages in flight at once (default 10). */
  prefetch?: number;
  /** Attempts before a failing message is dead-lettered (default 5). */
  maxAttempts?: number;
  transaction: TransactionRunner<Tx>;
  /**
   * Handlers by event type, or by AMQP topic pattern (`referral.*`,
   * `referral.#`). An exact type wins over patterns; patterns are tried in
   * the order given. Typed by what `validator` returns ({@link EventHandlers}).
   */
  handlers: EventHandlers<Events, Tx>;
  /** How long to wait for a retry or dead-letter copy to be confirmed (default 10 s). */
  confirmTimeoutMs?: number;
  /** How long `stop()` waits for in-flight handlers (default 30 s). */
  stopTimeoutMs?: number;
  /** Longest error message kept in headers and logs (default 200 characters). */
  maxErrorMessageLength?: number;
};

export type ConsumerStats = {
  handled: number;
  duplicates: number;
  unhandled: number;
  retried: number;
  deadLettered: number;
};

export type EventConsumer = {
  /** True while subscribed to the queue. */
  isConsuming(): boolean;
  /** Resolves once subscribed (at once if already); rejects after `timeoutMs`. */
  waitUntilConsuming(timeoutMs?: number): Promise<void>;
  stats(): ConsumerStats;
  /** Cancels the subscription and waits for in-flight handlers to finish. */
  stop(): Promise<void>;
};

/** Why the consumer sent a message to its dead-letter queue. */
export type DeadLetterReason = 'unparseable' | 'invalid_event' | 'max_attempts';

/**
 * Consumes a service's queue with an inbox, so that a redelivered event has
 * one effect.
 *
 * Per message: parse and validate (a poison message goes straight to the
 * dead-letter queue); for a {@link PreparedEventHandler}, its network step
 * first, outside any transaction; in ONE transaction record `(consumer,
 * event id)` in `inbox_message` and, if it was not there yet, run the
 * handler; commit; run the handler's after-commit work; then ack. A failing handler's message is copied to the retry queue with
 * `x-attempt + 1` (it comes back after the retry delay) until `maxAttempts`,
 * then to the dead-letter queue with the last error's code and (truncated)
 * message in its headers. Copies are confirmed before the original is acked,
 * so nothing is lost if the process dies in between (at worst, a duplicate).
 * The subscription comes back by itself after a lost connection.
 */
export async function startConsumer<Tx extends SqlClient, Events extends EventEnvelope = EventEnvelope>(
  options: StartConsumerOptions<Tx, Events>,
): Promise<EventConsumer> {
  const { amqp, consumer, validator, transaction } = options;
  const names = consumerQueueNames(consumer);
  const queue = options.queue ?? names.queue;
  const retryQueue = options.retryQueue ?? names.retryQueue;
  const deadLetterQueue = options.deadLetterQueue ?? names.deadLetterQueue;
  const prefetch = options.prefetch ?? 10;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const maxErrorLength = options.maxErrorMessageLength ?? 200;
  const logger = options.logger.child({ component: 'consumer', consumer, queue });
  const findHandler = handlerLookup<Tx, Events>(options.handlers);
  const stats: ConsumerStats = { handled: 0, duplicates: 0, unhandled: 0, retried: 0, deadLettered: 0 };

  let stopping = false;
  let channel: ConfirmChannel | null = null;
  let consumerTag: string | null = null;
  let setupTimer: NodeJS.Timeout | undefined;
  let setupFailures = 0;
  let settingUp: Promise<void> | null = null;
  const inFlight = new Set<Promise<void>>();
  const consumingWaiters = new Set<() => void>();

  const scheduleSetup = (delayMs: number): void => {
    if (stopping || setupTimer !== undefined) return;
    setupTimer = setTimeout(() => {
      setupTimer = undefined;
      void setup();
    }, delayMs);
  };

  const setup = (): Promise<void> => {
    if (settingUp !== null) return settingUp;
    settingUp = subscribe().finally(() => {
      settingUp = null;
    });
    return settingUp;
  };

  const subscribe = async (): Promise<void> => {
    if (stopping || channel !== null || !amqp.isConnected()) return;
    let ch: ConfirmChannel | undefined;
    try {
      ch = await amqp.createConfirmChannel();
      const current = ch;
      channel = current;
      current.once('close', () => {
        if (channel !== current) return;
        channel = null;
        consumerTag = null;
        if (!stopping) {
          logger.warn('Consumer channel closed; resubscribing');
          scheduleSetup(backoff(setupFailures));
        }
      });
      await current.prefetch(prefetch);
      const reply = await current.consume(queue, (message) => onMessage(current, message), { noAck: false });
      if (stopping) {
        await current.cancel(reply.consumerTag).catch(() => undefined);
        return;
      }
      consumerTag = reply.consumerTag;
      setupFailures = 0;
      logger.info({ prefetch }, 'Consuming');
      for (const resolve of consumingWaiters) resolve();
      consumingWaiters.clear();
    } catch (error) {
      setupFailures += 1;
      logger.error({ err: describeFailure(error) }, 'Could not subscribe to the queue; will retry');
      if (ch !== undefined && channel === ch) {
        channel = null;
        ch.close().catch(() => undefined);
      }
      scheduleSetup(backoff(setupFailures));
    }
  };

  const onMessage = (ch: ConfirmChannel, message: ConsumeMessage | null): void => {
    if (message === null) {
      // The broker cancelled the subscription (queue deleted or failed over).
      logger.warn('Subscription cancelled by the broker; resubscribing');
      if (channel === ch) {
        channel = null;
        consumerTag = null;
        ch.close().catch(() => undefined);
      }
      scheduleSetup(1000);
      return;
    }
    // A span per message, child of the event's trace (its envelope's traceparent, carried as a header).
    const traced = inSpan(`${queue} process`, { kind: 'consumer', parent: message.properties.headers?.traceparent, attributes: { 'messaging.destination.name': queue } }, () =>
      processMessage(ch, message),
    );
    const work = traced.catch((error: unknown) => {
      // processMessage handles its own failures; this is a last resort.
      logger.error({ err: describeFailure(error) }, 'Unexpected failure while processing a message');
      safely(() => ch.nack(message, false, true));
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const processMessage = async (ch: ConfirmChannel, message: ConsumeMessage): Promise<void> => {
    const headers: Record<string, unknown> = message.properties.headers ?? {};
    const requestId = acceptOrCreateRequestId(headers[REQUEST_ID_HEADER]);
    await runWithContext({ requestId }, async () => {
      const messageId = typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.content.toString('utf8'));
      } catch {
        await deadLetter(ch, message, 'unparseable', { code: 'unparseable', message: 'The message body is not valid JSON.' }, { requestId, messageId });
        return;
      }
      const result = validator(parsed);
      if (!result.ok) {
        const fields = result.errors.map((e) => `${e.field || '/'}: ${e.message}`).join('; ');
        await deadLetter(ch, message, 'invalid_event', { code: 'invalid_event', message: truncate(fields, maxErrorLength) }, { requestId, messageId });
        return;
      }
      const event = result.event;
      const eventLogger = logger.child({ eventId: event.id, eventType: event.type, requestId });
      const handler = findHandler(event.type);
      if (handler === undefined) {
        eventLogger.debug('No handler for this event type; acknowledged');
        stats.unhandled += 1;
        safely(() => ch.ack(message));
        return;
      }
      const attempt = attemptOf(headers);
      let afterCommit: (() => Promise<void>)[] = [];
      const ctx: EventHandlerContext = {
        consumer,
        requestId,
        attempt,
        redelivered: message.fields.redelivered,
        logger: eventLogger,
        afterCommit: (work) => {
          afterCommit.push(work);
        },
      };
      let outcome: 'handled' | 'duplicate';
      try {
        let work: (tx: Tx) => Promise<void>;
        if (typeof handler === 'function') {
          work = (tx) => handler(event, tx, ctx);
        } else {
          try {
            work = await handler.prepare(event, ctx);
          } catch (error) {
            // Already handled (a duplicate): nothing to retry, whatever the network says now.
            if (await inInbox(event.id)) {
              work = () => Promise.resolve();
            } else {
              throw error;
            }
          }
        }
        outcome = await transaction(async (tx) => {
          afterCommit = [];
          const inserted = await tx.$executeRawUnsafe(
            'INSERT INTO inbox_message (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            consumer,
            event.id,
            event.type,
          );
          if (inserted === 0) return 'duplicate' as const;
          await work(tx);
          return 'handled' as const;
        });
      } catch (error) {
        const failure = describeFailure(error, maxErrorLength);
        if (attempt < maxAttempts) {
          eventLogger.warn({ attempt, maxAttempts, err: failure }, 'Event handler failed; will retry');
          const sent = await sendCopy(ch, message, retryQueue, {
            [MESSAGE_HEADERS.attempt]: attempt + 1,
            [MESSAGE_HEADERS.lastErrorCode]: failure.code,
            [MESSAGE_HEADERS.lastErrorMessage]: failure.message,
          });
          if (sent) {
            stats.retried += 1;
            safely(() => ch.ack(message));
          } else {
            // Could not schedule the retry: let the broker redeliver (bounded by x-delivery-limit).
            safely(() => ch.nack(message, false, true));
          }
        } else {
          await deadLetter(ch, message, 'max_attempts', failure, { requestId, messageId: event.id, eventType: event.type, attempt });
        }
        return;
      }
      if (outcome === 'duplicate') {
        stats.duplicates += 1;
        eventLogger.debug('Duplicate delivery; already processed');
      } else {
        stats.handled += 1;
        eventLogger.debug({ attempt }, 'Event handled');
        for (const work of afterCommit) {
          try {
            await work();
          } catch (error) {
            eventLogger.warn({ err: describeFailure(error, maxErrorLength) }, 'Work after the inbox commit failed; left to what recovers it');
          }
        }
      }
      // After commit: if this ack is lost, the redelivery is a harmless duplicate.
      safely(() => ch.ack(message));
    });
  };

  /** Whether the inbox already records this event for this consumer. */
  const inInbox = async (eventId: string): Promise<boolean> => {
    try {
      const rows = await transaction((tx) =>
        Promise.resolve(tx.$queryRawUnsafe<unknown[]>('SELECT 1 FROM inbox_message WHERE consumer = $1 AND event_id = $2', consumer, eventId)),
      );
      return rows.length > 0;
    } catch {
      return false;
    }
  };

  const sendCopy = async (ch: ConfirmChannel, message: ConsumeMessage, target: string, headerUpdates: Record<string, string | number>): Promise<boolean> => {
    try {
      const { confirmed } = publishWithConfirm(ch, '', target, message.content, copyProperties(message, headerUpdates));
      await withTimeout(confirmed, confirmTimeoutMs, 'Copy confirm');
      return true;
    } catch (error) {
      logger.warn({ target, err: describeFailure(error) }, 'Could not copy the message');
      return false;
    }
  };

  const deadLetter = async (
    ch: ConfirmChannel,
    message: ConsumeMessage,
    reason: DeadLetterReason,
    failure: { code: string; message: string },
    logFields: Record<string, unknown>,
  ): Promise<void> => {
    const level = reason === 'max_attempts' ? 'error' : 'warn';
    logger[level]({ ...logFields, reason, err: failure }, 'Message dead-lettered');
    stats.deadLettered += 1;
    const sent = await sendCopy(ch, message, deadLetterQueue, {
      [MESSAGE_HEADERS.deadLetterReason]: reason,
      [MESSAGE_HEADERS.deadLetteredAt]: new Date().toISOString(),
      [MESSAGE_HEADERS.lastErrorCode]: failure.code,
      [MESSAGE_HEADERS.lastErrorMessage]: failure.message,
    });
    if (sent) safely(() => ch.ack(message));
    // The broker dead-letters a rejected message itself (without our headers).
    else safely(() => ch.nack(message, false, false));
  };

  const onConnected = (): void => {
    setupFailures = 0;
    void setup();
  };
  amqp.on('connected', onConnected);
  await setup();

  return {
    isConsuming: () => consumerTag !== null && channel !== null,
    async waitUntilConsuming(timeoutMs = 30_000): Promise<void> {
      if (consumerTag !== null && channel !== null) return;
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          consumingWaiters.delete(done);
          reject(new Error(`Consumer ${consumer} not subscribed after ${timeoutMs} ms`));
        }, timeoutMs);
        consumingWaiters.add(done);
      });
    },
    stats: () => ({ ...stats }),
    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      clearTimeout(setupTimer);
      amqp.off('connected', onConnected);
      await settingUp;
      const ch = channel;
      const tag = consumerTag;
      consumerTag = null;
      if (ch !== null && tag !== null) await ch.cancel(tag).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({ inFlight: inFlight.size }, 'Stopped before in-flight handlers finished; they will be redelivered');
            resolve();
          }, stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      channel = null;
      if (ch !== null) await ch.close().catch(() => undefined);
      logger.info('Consumer stopped');
    },
  };
}

/** Properties for a copy of `message`: same body and identity, updated headers. */
function copyProperties(message: ConsumeMessage, headerUpdates: Record<string, string | number>): Options.Publish {
  const p = message.properties;
  const headers: Record<string, unknown> = { ...(p.headers ?? {}) };
  // Broker-managed; a stale value would be misleading on the copy.
  delete headers['x-delivery-count'];
  const options: Options.Publish = { persistent: true, headers: { ...headers, ...headerUpdates } };
  if (typeof p.contentType === 'string') options.contentType = p.contentType;
  if (typeof p.contentEncoding === 'string') options.contentEncoding = p.contentEncoding;
  if (typeof p.messageId === 'string') options.messageId = p.messageId;
  if (typeof p.type === 'string') options.type = p.type;
  if (typeof p.timestamp === 'number') options.timestamp = p.timestamp;
  if (typeof p.correlationId === 'string') options.correlationId = p.correlationId;
  if (typeof p.appId === 'string') options.appId = p.appId;
  return options;
}

/** The `x-attempt` header as a positive integer (1 when absent or malformed). */
export function attemptOf(headers: Record<string, unknown>): number {
  const raw = headers[MESSAGE_HEADERS.attempt];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseInt(raw, 10) : Number.NaN;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** True if `eventType` matches an AMQP topic pattern (`*` one word, `#` zero or more). */
export function topicMatches(pattern: string, eventType: string): boolean {
  return matchWords(pattern.split('.'), eventType.split('.'));
}

function matchWords(pattern: string[], words: string[]): boolean {
  if (pattern.length === 0) return words.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') {
    for (let i = 0; i <= words.length; i += 1) if (matchWords(rest, words.slice(i))) return true;
    return false;
  }
  if (words.length === 0) return false;
  return (head === '*' || head === words[0]) && matchWords(rest, words.slice(1));
}

type AnyHandler<Tx extends SqlClient, Events extends EventEnvelope> = EventHandler<Tx, Events> | PreparedEventHandler<Tx, Events>;

/**
 * Finds an event's handler by its type. The one place where a handler typed for the events of its
 * key is taken as a handler of any event: it is only ever given events its key matches.
 */
function handlerLookup<Tx extends SqlClient, Events extends EventEnvelope>(
  handlers: EventHandlers<Events, Tx>,
): (eventType: string) => AnyHandler<Tx, Events> | undefined {
  type H = AnyHandler<Tx, Events>;
  const exact = new Map<string, H>();
  const patterns: [string, H][] = [];
  for (const [key, handler] of Object.entries(handlers as Record<string, H | undefined>)) {
    if (handler === undefined) continue;
    if (key.split('.').some((w) => w === '*' || w === '#')) patterns.push([key, handler]);
    else exact.set(key, handler);
  }
  return (eventType) => exact.get(eventType) ?? patterns.find(([pattern]) => topicMatches(pattern, eventType))?.[1];
}

function backoff(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
}

/** Acks and nacks on a closed channel throw; the broker redelivers anyway. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Channel closed: the message goes back to the queue and is redelivered.
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
