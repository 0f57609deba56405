import { once } from 'node:events';
import type { ConfirmChannel } from 'amqplib';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { traceparentOf, withTraceparent } from '../observability/trace-context.js';
import type { AmqpConnection } from './connection.js';
import { describeFailure, type EventValidator } from './events.js';
import { OUTBOX_NOTIFY_CHANNEL } from './outbox.js';
import { ConfirmChannelHolder, encodeEvent, eventMessageOptions, publishWithConfirm, withTimeout, type MessageHeaders } from './publish.js';

export type OutboxRelayOptions = {
  /** Pool on the service's own database (the one holding `outbox_message`). */
  pool: Pool;
  amqp: AmqpConnection;
  /** Topic exchange; the routing key is the event type. */
  exchange: string;
  validator: EventValidator;
  logger: Logger;
  /** Poll period when nothing wakes the relay (default 1 s). */
  pollIntervalMs?: number;
  /** Rows claimed per transaction (default 100). */
  batchSize?: number;
  /** How long to wait for the broker's confirms of a batch (default 10 s). */
  confirmTimeoutMs?: number;
  /** Delay before a failed row is tried again: doubles per attempt. Defaults 1 s → 5 min. */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /**
   * LISTEN for enqueue notifications to publish without waiting for the poll
   * (default true). Holds one pool connection while running (on which the
   * batches then run too), so the pool needs at least two.
   */
  listen?: boolean;
};

export type OutboxRelayStats = { published: number; failed: number; parked: number; batches: number };

export type OutboxRelay = {
  /** Wakes the relay now (e.g. right after committing an enqueue). */
  notify(): void;
  /** Counters since start, for metrics and tests. */
  stats(): OutboxRelayStats;
  /** Stops polling after the in-flight batch has been published and recorded. */
  stop(): Promise<void>;
};

type OutboxRow = { id: string; payload: unknown; headers: unknown; attempts: number };
type Failure = { id: string; attempts: number; error: unknown };

/**
 * Publishes committed outbox rows to the broker, at least once and in
 * creation order per relay.
 *
 * Each batch runs in one PostgreSQL transaction that claims rows with
 * `FOR UPDATE SKIP LOCKED`, publishes them on a confirm channel, waits for the
 * confirms and marks the confirmed rows `published_at`. Rows stay locked
 * while in flight, so any number of relays (processes) share the table
 * without publishing a row twice. A row the broker did not confirm gets
 * `attempts + 1`, `last_error` and a later `available_at` (exponential
 * backoff); a row that no longer validates is parked (`available_at =
 * 'infinity'`) with its reason in `last_error`. Errors never stop the loop.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, amqp, exchange, validator } = options;
  const logger = options.logger.child({ component: 'outbox-relay' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  const backoffInitialMs = options.retryBackoff?.initialMs ?? 1000;
  const backoffMaxMs = options.retryBackoff?.maxMs ?? 300_000;
  const channels = new ConfirmChannelHolder(amqp);
  const stats: OutboxRelayStats = { published: 0, failed: 0, parked: 0, batches: 0 };

  let stopping = false;
  let wakeRequested = false;
  let wake: (() => void) | null = null;
  let listenClient: PoolClient | null = null;
  let listenRetry: NodeJS.Timeout | undefined;

  const notify = (): void => {
    wakeRequested = true;
    wake?.();
  };

  const sleep = async (ms: number): Promise<void> => {
    if (!wakeRequested) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
    wakeRequested = false;
  };

  const backoffMs = (attempts: number): number => {
    const base = Math.min(backoffMaxMs, backoffInitialMs * 2 ** Math.min(attempts, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  };

  const publishBatch = async (channel: ConfirmChannel, rows: OutboxRow[]) => {
    const published: string[] = [];
    const failed: Failure[] = [];
    const parked: { id: string; reason: string }[] = [];
    const confirms: Promise<void>[] = [];
    // Confirms of a closed channel only say "channel closed"; the reason
    // (e.g. 404 NOT_FOUND for a missing exchange) comes as a channel error.
    let channelError: Error | undefined;
    const onError = (error: Error): void => {
      channelError = error;
    };
    channel.on('error', onError);
    try {
      for (const row of rows) {
        const result = validator(row.payload);
        if (!result.ok) {
          const fields = result.errors.map((e) => `${e.field || '/'}: ${e.message}`).join('; ');
          parked.push({ id: row.id, reason: `invalid event: ${fields}`.slice(0, 1000) });
          continue;
        }
        const event = result.event;
        // Published as part of the trace of the request or handler that wrote the event.
        const sent = withTraceparent(traceparentOf(event), () =>
          publishWithConfirm(channel, exchange, event.type, encodeEvent(event), eventMessageOptions(event, toHeaders(row.headers))),
        );
        confirms.push(
          withTimeout(sent.confirmed, confirmTimeoutMs, 'Publisher confirm').then(
            () => {
              published.push(row.id);
            },
            (error: unknown) => {
              failed.push({ id: row.id, attempts: row.attempts, error });
            },
          ),
        );
        if (sent.backpressure) {
          // Stop writing until the socket drains, or give up if the channel closes.
          await withTimeout(Promise.race([once(channel, 'drain'), once(channel, 'close')]), confirmTimeoutMs, 'Channel drain').catch(
            () => undefined,
          );
        }
      }
      await Promise.all(confirms);
    } finally {
      channel.off('error', onError);
    }
    if (channelError !== undefined) for (const f of failed) f.error = channelError;
    return { published, failed, parked };
  };

  const runBatch = async (): Promise<number> => {
    const channel = await channels.get();
    // The LISTEN connection when there is one: it is idle between notifications, and a batch on it never
    // queues behind the service's requests for a pooled connection (a busy service is when it matters).
    // PostgreSQL delivers notifications between transactions, so none is missed while a batch runs on it.
    const dedicated = listenClient;
    const client = dedicated ?? (await pool.connect());
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, payload, headers, attempts
           FROM outbox_message
          WHERE published_at IS NULL AND available_at <= now()
          ORDER BY created_at
          LIMIT $1
            FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const { published, failed, parked } = await publishBatch(channel, rows);
      if (published.length > 0) {
        await client.query('UPDATE outbox_message SET published_at = now() WHERE id = ANY($1::uuid[])', [published]);
      }
      for (const f of failed) {
        const { code, message } = describeFailure(f.error, 500);
        await client.query(
          `UPDATE outbox_message
              SET attempts = attempts + 1, last_error = $2,
                  available_at = now() + make_interval(secs => $3::double precision / 1000)
            WHERE id = $1::uuid`,
          [f.id, `${code}: ${message}`, backoffMs(f.attempts)],
        );
      }
      for (const p of parked) {
        await client.query(
          `UPDATE outbox_message SET attempts = attempts + 1, last_error = $2, available_at = 'infinity' WHERE id = $1::uuid`,
          [p.id, p.reason],
        );
      }
      await client.query('COMMIT');
      stats.batches += 1;
      stats.published += published.length;
      stats.failed += failed.length;
      stats.parked += parked.length;
      if (failed.length > 0) {
        const first = failed[0];
        logger.warn(
          { failed: failed.length, published: published.length, err: first === undefined ? undefined : describeFailure(first.error) },
          'Outbox events not confirmed by the broker; will retry',
        );
        // A confirm that never came may mean a stuck channel: start afresh.
        if (failed.some((f) => f.error instanceof AppError && f.error.code === 'broker_timeout')) channels.discard();
      }
      for (const p of parked) logger.error({ outboxId: p.id, reason: p.reason }, 'Outbox event parked: it no longer validates');
      if (published.length > 0) logger.debug({ published: published.length }, 'Outbox events published');
      return rows.length;
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A pooled client whose connection failed is destroyed rather than reused; the LISTEN connection is
      // dropped and opened again by its own error and end handlers.
      if (client !== dedicated) client.release(broken !== undefined && isConnectionError(broken) ? broken : undefined);
    }
  };

  const loop = async (): Promise<void> => {
    let consecutiveErrors = 0;
    while (!stopping) {
      let claimed = 0;
      if (amqp.isConnected()) {
        try {
          claimed = await runBatch();
          consecutiveErrors = 0;
        } catch (error) {
          consecutiveErrors += 1;
          logger.warn({ err: describeFailure(error) }, 'Outbox relay batch failed; will retry');
        }
      }
      if (stopping) break;
      if (claimed >= batchSize) continue;
      const delay = consecutiveErrors === 0 ? pollIntervalMs : Math.min(30_000, pollIntervalMs * 2 ** Math.min(consecutiveErrors, 5));
      await sleep(delay);
    }
  };

  const listen = async (): Promise<void> => {
    if (stopping || options.listen === false) return;
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      const current = client;
      const drop = (error?: Error): void => {
        if (listenClient !== current) return;
        listenClient = null;
        current.release(error ?? true);
        if (!stopping) {
          logger.debug({ err: error }, 'Outbox LISTEN connection lost; reconnecting');
          listenRetry = setTimeout(() => void listen(), 2000);
        }
      };
      current.on('notification', (message) => {
        if (message.channel === OUTBOX_NOTIFY_CHANNEL) notify();
      });
      current.on('error', (error: Error) => drop(error));
      current.on('end', () => drop(new Error('LISTEN connection ended')));
      listenClient = current;
      await current.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
      if (stopping) {
        if (listenClient === current) {
          listenClient = null;
          current.release(true);
        }
        return;
      }
      // Catch up with anything committed while not listening.
      notify();
    } catch (error) {
      if (client !== undefined && listenClient === client) {
        listenClient = null;
        client.release(true);
      } else if (client !== undefined && listenClient === null) {
        client.release(true);
      }
      if (!stopping) {
        logger.debug({ err: describeFailure(error) }, 'Outbox LISTEN failed; polling only, will retry');
        listenRetry = setTimeout(() => void listen(), 5000);
      }
    }
  };

  const onConnected = (): void => notify();
  amqp.on('connected', onConnected);
  void listen();
  const running = loop();
  logger.info({ exchange, batchSize, pollIntervalMs }, 'Outbox relay started');

  return {
    notify,
    stats: () => ({ ...stats }),
    async stop(): Promise<void> {
      if (stopping) return await running;
      stopping = true;
      clearTimeout(listenRetry);
      wake?.();
      await running;
      amqp.off('connected', onConnected);
      const client = listenClient;
      listenClient = null;
      // Destroy rather than return to the pool: the connection is LISTENing.
      client?.release(true);
      await channels.close();
      logger.info('Outbox relay stopped');
    },
  };
}

function toHeaders(value: unknown): MessageHeaders {
  const headers: MessageHeaders = {};
  if (typeof value !== 'object' || value === null) return headers;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') headers[key] = v;
  }
  return headers;
}

function isConnectionError(error: Error): boolean {
  const code = (error as Error & { code?: unknown }).code;
  // SQLSTATE class 08 (connection exception) / 57P (operator intervention), or a socket error.
  if (typeof code === 'string' && (/^08/.test(code) || /^57P/.test(code) || /^E[A-Z]+$/.test(code))) return true;
  return /Connection terminated|not queryable|connection ended/i.test(error.message);
}
