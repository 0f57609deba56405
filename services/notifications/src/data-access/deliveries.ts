import type { OutboxRow } from '@referral-hub/platform';
import { outboxInsertSql } from '@referral-hub/platform';
import type { Delivery } from './generated/prisma/client.js';
import type { SqlPool, Tx } from './database.js';

export type DeliveryRow = Delivery;
export type NewDeliveryRow = Pick<
  Delivery,
  'id' | 'eventId' | 'eventType' | 'referralId' | 'referringOrganizationId' | 'recipientKey' | 'recipientRole' | 'subscriberOrganizationId' | 'channel' | 'language' | 'messageKind' | 'status' | 'errorCode' | 'failedAt'
>;

/** The columns of a planned delivery, as the table names them, in the order of {@link NEW_DELIVERY_COLUMNS}. */
const NEW_DELIVERY_COLUMNS = [
  ['id', 'id'],
  ['eventId', 'event_id'],
  ['eventType', 'event_type'],
  ['referralId', 'referral_id'],
  ['referringOrganizationId', 'referring_organization_id'],
  ['recipientKey', 'recipient_key'],
  ['recipientRole', 'recipient_role'],
  ['subscriberOrganizationId', 'subscriber_organization_id'],
  ['channel', 'channel'],
  ['language', 'language'],
  ['messageKind', 'message_kind'],
  ['status', 'status'],
  ['errorCode', 'error_code'],
  ['failedAt', 'failed_at'],
] as const satisfies readonly (readonly [keyof NewDeliveryRow, string])[];

/**
 * The statement inserting planned deliveries given as a JSON array in parameter `param` (see
 * {@link newDeliveriesJson}); rows already planned for the same event, recipient and channel are left
 * as they are.
 */
export function newDeliveriesSql(param: string): string {
  const columns = NEW_DELIVERY_COLUMNS.map(([, column]) => column).join(', ');
  return `INSERT INTO delivery (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::delivery, ${param}::json) ON CONFLICT DO NOTHING`;
}

/** Planned deliveries as the JSON array {@link newDeliveriesSql} reads, keyed by the table's column names. */
export function newDeliveriesJson(rows: readonly NewDeliveryRow[]): string {
  return JSON.stringify(rows.map((row) => Object.fromEntries(NEW_DELIVERY_COLUMNS.map(([key, column]) => [column, row[key]]))));
}

/** Inserts planned deliveries, all in one statement; rows already planned (same event, recipient, channel) are left as they are. */
export async function insertDeliveries(tx: Tx, rows: NewDeliveryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRawUnsafe(newDeliveriesSql('$1'), newDeliveriesJson(rows));
}

export function findDelivery(tx: Tx, id: string): Promise<DeliveryRow | null> {
  return tx.delivery.findUnique({ where: { id } });
}

/** A delivery claimed for one attempt: `attempts` is this attempt's number. */
export type ClaimedDelivery = { id: string; channel: string; attempts: number };

/**
 * Claims a delivery for one attempt, atomically (one UPDATE … RETURNING): a
 * `queued` one, or a `sending` one whose claimer's lease ran out (it died while
 * sending). The row comes back `sending`, its attempt counted (the new
 * `attempts` is this attempt's number, and the fence of every later write),
 * leased until `now + leaseMs`. Null when it was not claimable: missing,
 * sent, failed, or being sent by another worker. A prepared statement on the
 * pool: it runs once per message sent.
 */
export async function claimDelivery(sql: SqlPool, id: string, leaseMs: number, now: Date = new Date()): Promise<ClaimedDelivery | null> {
  const { rows } = await sql.query<ClaimedDelivery>({
    name: 'notifications-claim-delivery',
    text: `UPDATE delivery SET status = 'sending', attempts = attempts + 1, lease_until = $3, updated_at = $2
            WHERE id = $1::uuid AND (status = 'queued' OR (status = 'sending' AND lease_until < $2))
            RETURNING id::text AS id, channel, attempts`,
    values: [id, now, new Date(now.getTime() + leaseMs)],
  });
  return rows[0] ?? null;
}

/** Where a delivery stands, for a worker that could not claim it. Null when there is no such row. */
export async function findDeliveryState(sql: SqlPool, id: string): Promise<{ status: string; leaseUntil: Date | null } | null> {
  const { rows } = await sql.query<{ status: string; leaseUntil: Date | null }>({
    name: 'notifications-delivery-state',
    text: 'SELECT status, lease_until AS "leaseUntil" FROM delivery WHERE id = $1::uuid',
    values: [id],
  });
  return rows[0] ?? null;
}

/** Extends the lease of the attempt that holds the delivery; false when it no longer does. */
export async function extendDeliveryLease(sql: SqlPool, id: string, attempt: number, leaseMs: number, now: Date = new Date()): Promise<boolean> {
  const { rowCount } = await sql.query({
    name: 'notifications-extend-delivery-lease',
    text: `UPDATE delivery SET lease_until = $3 WHERE id = $1::uuid AND status = 'sending' AND attempts = $2`,
    values: [id, attempt, new Date(now.getTime() + leaseMs)],
  });
  return rowCount === 1;
}

/**
 * Records the outcome of the attempt that holds the delivery (`sending`, with
 * this attempt number): `sent` or `failed` (final), or back to `queued` for a
 * retry. False when the attempt no longer holds it.
 */
export async function updateClaimedDelivery(
  tx: Tx,
  id: string,
  attempt: number,
  change: Partial<Pick<Delivery, 'status' | 'providerMessageId' | 'errorCode' | 'sentAt' | 'failedAt' | 'updatedAt' | 'deliveredAt'>>,
): Promise<boolean> {
  const { count } = await tx.delivery.updateMany({ where: { id, status: 'sending', attempts: attempt }, data: { ...change, leaseUntil: null } });
  return count === 1;
}

/** The final outcome of the attempt that holds a delivery. */
export type FinalOutcome =
  | { status: 'sent'; providerMessageId: string | null; delivered: boolean; at: Date }
  | { status: 'failed'; errorCode: string; at: Date };

/**
 * Records the final outcome of the attempt that holds the delivery (`sending`, with this attempt number)
 * and, when it did, the event that announces it (its outbox row, waking the relay at commit): ONE
 * statement, so no transaction is held open between round trips. False, and nothing written, when the
 * attempt no longer holds the row.
 */
export async function recordFinalOutcome(sql: SqlPool, id: string, attempt: number, outcome: FinalOutcome, event: OutboxRow | null): Promise<boolean> {
  const [change, values] =
    outcome.status === 'sent'
      ? [
          `status = 'sent', provider_message_id = $3, error_code = NULL, sent_at = $4::timestamptz, updated_at = $4::timestamptz,
           delivered_at = CASE WHEN $5::boolean THEN $4::timestamptz ELSE delivered_at END`,
          [outcome.providerMessageId, outcome.at, outcome.delivered],
        ]
      : [`status = 'failed', error_code = $3, failed_at = $4::timestamptz, updated_at = $4::timestamptz`, [outcome.errorCode, outcome.at]];
  const e = values.length + 3;
  const { rows } = await sql.query<{ changed: number }>({
    // Two texts (sent, failed), each prepared once per connection: it runs once per message sent.
    name: `notifications-record-${outcome.status}`,
    text: `WITH changed AS (
       UPDATE delivery SET ${change}, lease_until = NULL
        WHERE id = $1::uuid AND status = 'sending' AND attempts = $2
        RETURNING id
     ), announced AS (
       ${outboxInsertSql(
         { id: `$${e}::uuid`, type: `$${e + 1}`, subject: `$${e + 2}`, payload: `$${e + 3}::jsonb`, headers: `$${e + 4}::jsonb` },
         { from: 'changed', where: `$${e}::uuid IS NOT NULL` },
       )}
       RETURNING id
     )
     SELECT (SELECT count(*) FROM changed)::int AS changed`,
    values: [id, attempt, ...values, event?.id ?? null, event?.type ?? null, event?.subject ?? null, event?.payload ?? null, event?.headers ?? null],
  });
  return (rows[0]?.changed ?? 0) === 1;
}

/**
 * What the sweep of lost jobs looks at, oldest first: rows still `queued` since before `queuedBefore`, and
 * rows `sending` whose lease ran out (their worker died while sending).
 */
export function findStalledDeliveries(tx: Tx, queuedBefore: Date, now: Date, take: number): Promise<DeliveryRow[]> {
  return tx.delivery.findMany({
    where: {
      OR: [
        { status: 'queued', queuedAt: { lt: queuedBefore } },
        { status: 'sending', leaseUntil: { lt: now } },
      ],
    },
    orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }],
    take,
  });
}

/**
 * Ends a delivery whose job was lost `failed` (`job_lost`), if it is still as `row` was read (same status
 * and attempt; a `sending` one still past its lease). False, and nothing written, when it changed.
 */
export async function failLostDelivery(tx: Tx, row: Pick<DeliveryRow, 'id' | 'status' | 'attempts'>, now: Date): Promise<boolean> {
  const { count } = await tx.delivery.updateMany({
    where: { id: row.id, status: row.status, attempts: row.attempts, ...(row.status === 'sending' ? { leaseUntil: { lt: now } } : {}) },
    data: { status: 'failed', errorCode: 'job_lost', failedAt: now, updatedAt: now, leaseUntil: null },
  });
  return count === 1;
}

/**
 * The delivery log of a referral as `organizationId` may see it, oldest
 * first: everything when it referred, except other organisations' webhooks;
 * its own webhooks when it is the recipient.
 */
export function listDeliveriesOfReferral(tx: Tx, referralId: string, organizationId: string): Promise<DeliveryRow[]> {
  return tx.delivery.findMany({
    where: {
      referralId,
      OR: [
        { referringOrganizationId: organizationId, subscriberOrganizationId: null },
        { subscriberOrganizationId: organizationId },
      ],
    },
    orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }],
  });
}
