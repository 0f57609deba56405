import { buildEvent, type CloudEvent, type EventDataMap, type EventType } from '@referral-hub/contracts';
import type { Pool } from 'pg';
import { acceptOrCreateRequestId, currentRequestId, REQUEST_ID_HEADER } from '../context.js';
import type { SqlClient } from '../db/types.js';
import { carryTraceparent } from '../observability/trace-context.js';
import { isUuid } from '../uuid.js';
import { assertValidEvent, InvalidEventError, type EventEnvelope, type EventValidator } from './events.js';
import type { MessageHeaders } from './publish.js';

/** PostgreSQL NOTIFY channel the relay listens on; notified on commit of an enqueue. */
export const OUTBOX_NOTIFY_CHANNEL = 'outbox_message';

export type EnqueueEventOptions = {
  validator: EventValidator;
  /** Extra AMQP headers to publish with the event. The current request id is added. */
  headers?: MessageHeaders;
};

/**
 * An event's outbox row: the event validated, and the headers it is published with. For a data-access
 * statement that writes the row together with the change the event describes (one statement, no
 * transaction held open across round trips), as `enqueueEvent` does in its own statement; such a
 * statement also wakes the relay with `pg_notify(OUTBOX_NOTIFY_CHANNEL, '')`.
 *
 * @throws InvalidEventError when the event does not validate or its id is not a UUID.
 */
export type OutboxRow = { event: EventEnvelope; id: string; type: string; subject: string | null; payload: string; headers: string };

export function outboxRowOf(event: unknown, options: EnqueueEventOptions): OutboxRow {
  // The trace of the request or handler writing it travels with the event (relay, consumer, their spans).
  const valid = carryTraceparent(assertValidEvent(options.validator, event));
  if (!isUuid(valid.id)) {
    throw new InvalidEventError(valid.type, [{ field: '/id', message: 'must be a UUID' }]);
  }
  const headers: MessageHeaders = {
    ...options.headers,
    // Kept with the row so that the published message carries the request id
    // of the work that caused it, however late the relay sends it.
    [REQUEST_ID_HEADER]: acceptOrCreateRequestId(options.headers?.[REQUEST_ID_HEADER] ?? currentRequestId()),
  };
  return { event: valid, id: valid.id, type: valid.type, subject: valid.subject ?? null, payload: JSON.stringify(valid), headers: JSON.stringify(headers) };
}

/** SQL expressions (placeholders, typed as the caller needs) of an outbox row's five columns. */
export type OutboxRowSql = { id: string; type: string; subject: string; payload: string; headers: string };

/**
 * The one statement that writes an outbox row and wakes the relay (PostgreSQL holds the NOTIFY until
 * the commit and folds it into one per channel and transaction). `from` names a row source the insert
 * depends on (e.g. a CTE of the change the event describes: no change, no event); `where` filters it.
 */
export function outboxInsertSql(values: OutboxRowSql, options: { from?: string; where?: string } = {}): string {
  const from = [...(options.from === undefined ? [] : [options.from]), `(SELECT pg_notify('${OUTBOX_NOTIFY_CHANNEL}', '')) AS wake`].join(', ');
  return `INSERT INTO outbox_message (id, event_type, subject, payload, headers)
     SELECT ${values.id}, ${values.type}, ${values.subject}, ${values.payload}, ${values.headers}
       FROM ${from}${options.where === undefined ? '' : ` WHERE ${options.where}`}`;
}

/**
 * Writes an event into the outbox inside the caller's transaction, so the
 * event exists if and only if the state change it describes was committed.
 * Validates first: an invalid event throws `InvalidEventError`, which should
 * roll the caller's transaction back. The relay publishes it after commit
 * (woken at once through NOTIFY, which PostgreSQL delivers only on commit).
 *
 * The event id must be a UUID: it is the outbox row's primary key, and
 * consumers deduplicate on it.
 */
export async function enqueueEvent(tx: SqlClient, event: unknown, options: EnqueueEventOptions): Promise<EventEnvelope> {
  const row = outboxRowOf(event, options);
  await insertOutboxRow(tx, row);
  return row.event;
}

const INSERT_OUTBOX_ROW = outboxInsertSql({ id: '$1::uuid', type: '$2', subject: '$3', payload: '$4::jsonb', headers: '$5::jsonb' });

/** One statement, one round trip of the caller's transaction: the row, and the relay's wake-up. */
async function insertOutboxRow(tx: SqlClient, row: OutboxRow): Promise<void> {
  await tx.$executeRawUnsafe(INSERT_OUTBOX_ROW, row.id, row.type, row.subject, row.payload, row.headers);
}

/** What an event is about and when, besides its type and data. */
export type PublishOptions = {
  /** The id of the resource the event is about (the referral, the consent, the organisation…); never personal data. */
  subject: string;
  /** When it happened, by the use case's clock; now when not given. */
  time?: Date;
};

/**
 * A service's outbox, its `source` bound once (`/services/<name>`, by `startService`): the one way
 * a service publishes an event. The event is built by one function, {@link Outbox.publish} and
 * {@link Outbox.row} alike: the CloudEvents envelope around `data` (id, time, `dataschema`), the
 * service's source, and as `correlationid` the request id of the unit of work it comes from (the
 * HTTP request, or the consumed message's; a new one outside both), the same id the published
 * message carries in its `x-request-id` header. It is validated against its type's schema before
 * anything is written.
 */
export type Outbox = {
  /** `/services/<name>`: the `source` of every event this outbox writes. */
  readonly source: string;
  /**
   * Writes the event into the outbox inside the caller's transaction (see {@link enqueueEvent}),
   * so that it exists if and only if the change it describes is committed.
   *
   * @throws the contracts' `InvalidEventError` when `data` breaks its type's schema: nothing is written, and the caller's transaction should roll back.
   */
  publish<T extends EventType>(tx: SqlClient, type: T, data: EventDataMap[T], options: PublishOptions): Promise<CloudEvent<T>>;
  /**
   * The same event's outbox row, for a data-access statement that writes it together with the
   * change it describes ({@link outboxInsertSql}: one statement, no transaction held open).
   */
  row<T extends EventType>(type: T, data: EventDataMap[T], options: PublishOptions): OutboxRow;
};

/** The `source` of the events a service publishes: `/services/<name>`. */
export function eventSourceOf(serviceName: string): string {
  return `/services/${serviceName}`;
}

/** Binds the outbox to a service's source and to the catalogue's validator. See {@link Outbox}. */
export function createOutbox(options: { source: string; validator: EventValidator }): Outbox {
  const { source, validator } = options;
  // Envelope and row from the same request id, so the event's correlation and its message's header agree.
  const rowFor = <T extends EventType>(type: T, data: EventDataMap[T], publish: PublishOptions): { event: CloudEvent<T>; row: OutboxRow } => {
    const requestId = acceptOrCreateRequestId(currentRequestId());
    const event = buildEvent(type, data, {
      source,
      subject: publish.subject,
      ...(publish.time === undefined ? {} : { time: publish.time }),
      correlationId: requestId,
    });
    return { event, row: outboxRowOf(event, { validator, headers: { [REQUEST_ID_HEADER]: requestId } }) };
  };
  return {
    source,
    async publish(tx, type, data, publish) {
      const { event, row } = rowFor(type, data, publish);
      await insertOutboxRow(tx, row);
      return event;
    },
    row: (type, data, publish) => rowFor(type, data, publish).row,
  };
}

/** What operators look at to see whether the relay keeps up. */
export type OutboxBacklog = {
  /** Unpublished events that the relay will still try to publish. */
  pending: number;
  /** Creation time of the oldest of those, or null when none. */
  oldestPendingAt: Date | null;
  /** Failed publish attempts summed over pending events (0 when the broker is healthy). */
  failedAttempts: number;
  /** Events set aside because they no longer validate; see their `last_error`. */
  parked: number;
};

/** Reads the outbox backlog of one service database. */
export async function outboxBacklog(pool: Pick<Pool, 'query'>): Promise<OutboxBacklog> {
  const result = await pool.query<{ pending: number; parked: number; oldest: Date | null; failed_attempts: number }>(
    `SELECT count(*) FILTER (WHERE available_at <> 'infinity')::int AS pending,
            count(*) FILTER (WHERE available_at = 'infinity')::int AS parked,
            min(created_at) FILTER (WHERE available_at <> 'infinity') AS oldest,
            coalesce(sum(attempts) FILTER (WHERE available_at <> 'infinity'), 0)::int AS failed_attempts
       FROM outbox_message
      WHERE published_at IS NULL`,
  );
  const row = result.rows[0];
  return {
    pending: row?.pending ?? 0,
    oldestPendingAt: row?.oldest ?? null,
    failedAttempts: row?.failed_attempts ?? 0,
    parked: row?.parked ?? 0,
  };
}
