import type { Pool } from 'pg';
import { acceptOrCreateRequestId, currentRequestId, REQUEST_ID_HEADER } from '../context.js';
import type { SqlClient } from '../db/types.js';
import { assertValidEvent, InvalidEventError, isUuid, type EventEnvelope, type EventValidator } from './events.js';
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
  const valid = assertValidEvent(options.validator, event);
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
  // One statement, one round trip of the caller's transaction: the row, and the relay's wake-up.
  await tx.$executeRawUnsafe(
    outboxInsertSql({ id: '$1::uuid', type: '$2', subject: '$3', payload: '$4::jsonb', headers: '$5::jsonb' }),
    row.id,
    row.type,
    row.subject,
    row.payload,
    row.headers,
  );
  return row.event;
}

/** An outbox bound to one validator: what a service keeps in its context. */
export type Outbox = {
  enqueueEvent(tx: SqlClient, event: unknown, options?: { headers?: MessageHeaders }): Promise<EventEnvelope>;
  /** The event's row, validated, for a statement that writes it with its change ({@link outboxRowOf}). */
  rowOf(event: unknown, options?: { headers?: MessageHeaders }): OutboxRow;
};

/** Binds {@link enqueueEvent} to a validator. */
export function createOutbox(options: { validator: EventValidator }): Outbox {
  return {
    enqueueEvent: (tx, event, extra = {}) =>
      enqueueEvent(tx, event, { validator: options.validator, ...(extra.headers === undefined ? {} : { headers: extra.headers }) }),
    rowOf: (event, extra = {}) => outboxRowOf(event, { validator: options.validator, ...(extra.headers === undefined ? {} : { headers: extra.headers }) }),
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
