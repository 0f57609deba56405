import type { GetMessage, Message, Options } from 'amqplib';
import { REQUEST_ID_HEADER } from '../context.js';
import { validationError } from '../errors.js';
import { attemptOf } from './consumer.js';
import type { AmqpConnection } from './connection.js';
import { MESSAGE_HEADERS } from './events.js';
import { publishWithConfirm, withTimeout } from './publish.js';
import { consumerQueueNames } from './topology.js';

/** What an operator sees of a dead-lettered message. Never the event's data. */
export type DeadLetter = {
  /** CloudEvent id (the AMQP message id), if readable. */
  eventId: string | undefined;
  eventType: string | undefined;
  /** Event time (ISO 8601), or the publish time when the body is unreadable. */
  time: string | undefined;
  /** Attempts made by the consumer (`x-attempt`). */
  attempts: number;
  lastError: { code: string; message: string } | undefined;
  /**
   * Why it was dead-lettered: `max_attempts`, `invalid_event`, `unparseable`
   * (set by the consumer), or the broker's reason (`rejected`,
   * `delivery_limit`, `expired`).
   */
  deathReason: string | undefined;
  deadLetteredAt: string | undefined;
  /** When an operator last replayed it, if ever. */
  replayedAt: string | undefined;
  requestId: string | undefined;
};

export type DeadLetterListing = {
  queue: string;
  /** Messages in the dead-letter queue (approximate; may exceed the number listed). */
  total: number;
  /** The first `limit` messages, oldest first. */
  messages: DeadLetter[];
};

/**
 * Lists the first `limit` messages of a consumer's dead-letter queue without
 * consuming them: they are fetched unacknowledged, then all returned to the
 * queue in their original order.
 */
export async function listDeadLetters(options: {
  amqp: AmqpConnection;
  consumer: string;
  limit?: number;
  /** Defaults to `<consumer>.events.dlq`. */
  deadLetterQueue?: string;
}): Promise<DeadLetterListing> {
  const queue = options.deadLetterQueue ?? consumerQueueNames(options.consumer).deadLetterQueue;
  const limit = Math.max(0, options.limit ?? 50);
  const channel = await options.amqp.createChannel();
  try {
    const { messageCount } = await channel.checkQueue(queue);
    const held: GetMessage[] = [];
    while (held.length < limit) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) break;
      held.push(message);
    }
    const last = held.at(-1);
    // One multiple-nack returns them all in delivery order; nacking one by
    // one would requeue in nack order.
    if (last !== undefined) channel.nack(last, true, true);
    // The count is approximate: a quorum queue reports it with a short lag.
    return { queue, total: Math.max(messageCount, held.length), messages: held.map(describeDeadLetter) };
  } finally {
    // Closing the channel also returns anything still unacknowledged.
    await channel.close().catch(() => undefined);
  }
}

export type ReplayResult = {
  /** Messages sent back to the consumer's queue. */
  replayed: number;
  /** Messages left in the dead-letter queue. */
  kept: number;
  /** Requested event ids that were not found in the dead-letter queue. */
  notFound: string[];
};

/**
 * Sends dead letters back to the consumer's own queue (through the default
 * exchange, so no other service sees them again), with `x-attempt` reset to
 * 1 and `x-replayed-at` set. Each copy is confirmed by the broker before the
 * dead letter is acknowledged, so a failure midway loses nothing. Messages
 * not selected stay in the dead-letter queue, in order. A message this run
 * replays that fails again before the run ends is left for the next run.
 */
export async function replayDeadLetters(options: {
  amqp: AmqpConnection;
  consumer: string;
  eventIds?: string[];
  all?: boolean;
  /** Defaults to `<consumer>.events`. */
  queue?: string;
  deadLetterQueue?: string;
  confirmTimeoutMs?: number;
  /** Most messages examined in one run (default 10 000); the rest wait for the next run. */
  maxMessages?: number;
}): Promise<ReplayResult> {
  const names = consumerQueueNames(options.consumer);
  const queue = options.queue ?? names.queue;
  const deadLetterQueue = options.deadLetterQueue ?? names.deadLetterQueue;
  const wanted = new Set(options.eventIds ?? []);
  const all = options.all === true;
  if (!all && wanted.size === 0) {
    throw validationError([{ field: 'eventIds', message: 'Give event ids to replay, or all: true.' }], 'Nothing to replay.');
  }
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  const maxMessages = Math.max(1, options.maxMessages ?? 10_000);
  const startedAt = new Date().toISOString();
  const channel = await options.amqp.createConfirmChannel();
  const found = new Set<string>();
  const held: GetMessage[] = [];
  let replayed = 0;
  try {
    // Walk the queue until it is empty rather than trusting its message count,
    // which a quorum queue reports with a lag (e.g. just after a listing).
    for (let examined = 0; examined < maxMessages; examined += 1) {
      const message = await channel.get(deadLetterQueue, { noAck: false });
      if (message === false) break;
      const eventId = eventIdOf(message);
      const replayedAt = stringHeader(message.properties.headers?.[MESSAGE_HEADERS.replayedAt]);
      // A message this run already replayed that failed again meanwhile stays:
      // replaying it again would loop for as long as the bug lasts.
      const replayedByThisRun = replayedAt !== undefined && replayedAt >= startedAt;
      if (replayedByThisRun || (!all && (eventId === undefined || !wanted.has(eventId)))) {
        held.push(message);
        continue;
      }
      const { confirmed } = publishWithConfirm(channel, '', queue, message.content, replayProperties(message));
      await withTimeout(confirmed, confirmTimeoutMs, 'Replay confirm');
      channel.ack(message);
      replayed += 1;
      if (eventId !== undefined) found.add(eventId);
    }
    const last = held.at(-1);
    if (last !== undefined) channel.nack(last, true, true);
    return { replayed, kept: held.length, notFound: [...wanted].filter((id) => !found.has(id)) };
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** Reads the operator-facing summary of a dead-lettered message. */
export function describeDeadLetter(message: Message): DeadLetter {
  const headers: Record<string, unknown> = message.properties.headers ?? {};
  const body = parseBody(message.content);
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as unknown[]) : [];
  const latestDeath = deaths[0];
  const deathRecord = typeof latestDeath === 'object' && latestDeath !== null ? (latestDeath as Record<string, unknown>) : undefined;
  const code = stringHeader(headers[MESSAGE_HEADERS.lastErrorCode]);
  const errorMessage = stringHeader(headers[MESSAGE_HEADERS.lastErrorMessage]);
  const timestamp = typeof message.properties.timestamp === 'number' ? new Date(message.properties.timestamp * 1000).toISOString() : undefined;
  return {
    eventId: eventIdOf(message),
    eventType: stringHeader(message.properties.type) ?? stringHeader(body?.type),
    time: stringHeader(body?.time) ?? timestamp,
    attempts: attemptOf(headers),
    lastError: code === undefined && errorMessage === undefined ? undefined : { code: code ?? 'error', message: errorMessage ?? '' },
    deathReason:
      stringHeader(headers[MESSAGE_HEADERS.deadLetterReason]) ??
      stringHeader(deathRecord?.reason) ??
      stringHeader(headers['x-last-death-reason']) ??
      stringHeader(headers['x-first-death-reason']),
    deadLetteredAt: stringHeader(headers[MESSAGE_HEADERS.deadLetteredAt]) ?? amqpTimestamp(deathRecord?.time),
    replayedAt: stringHeader(headers[MESSAGE_HEADERS.replayedAt]),
    requestId: stringHeader(headers[REQUEST_ID_HEADER]),
  };
}

function replayProperties(message: Message): Options.Publish {
  const p = message.properties;
  const headers: Record<string, unknown> = { ...(p.headers ?? {}) };
  delete headers['x-delivery-count'];
  delete headers[MESSAGE_HEADERS.deadLetterReason];
  delete headers[MESSAGE_HEADERS.deadLetteredAt];
  headers[MESSAGE_HEADERS.attempt] = 1;
  headers[MESSAGE_HEADERS.replayedAt] = new Date().toISOString();
  const options: Options.Publish = { persistent: true, headers };
  if (typeof p.contentType === 'string') options.contentType = p.contentType;
  if (typeof p.contentEncoding === 'string') options.contentEncoding = p.contentEncoding;
  if (typeof p.messageId === 'string') options.messageId = p.messageId;
  if (typeof p.type === 'string') options.type = p.type;
  if (typeof p.timestamp === 'number') options.timestamp = p.timestamp;
  if (typeof p.correlationId === 'string') options.correlationId = p.correlationId;
  if (typeof p.appId === 'string') options.appId = p.appId;
  return options;
}

function eventIdOf(message: Message): string | undefined {
  return stringHeader(message.properties.messageId) ?? stringHeader(parseBody(message.content)?.id);
}

function parseBody(content: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringHeader(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** amqplib decodes AMQP timestamps in tables as `{ '!': 'timestamp', value: seconds }`. */
function amqpTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'number') {
    return new Date(value.value * 1000).toISOString();
  }
  return undefined;
}
