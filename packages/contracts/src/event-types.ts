/**
 * The event types of the hub. Routing key on the broker = event type. Kept free of runtime
 * dependencies so that the generator can import it.
 */
export const EVENT_TYPES = [
  'directory.organization.changed',
  'directory.service.changed',
  'consent.granted',
  'consent.withdrawn',
  'consent.expired',
  'consent.consumed',
  'consent.override_approved',
  'consent.override_revoked',
  'referral.submitted',
  'referral.acknowledged',
  'referral.accepted',
  'referral.declined',
  'referral.started',
  'referral.completed',
  'referral.not_delivered',
  'referral.withdrawn',
  'referral.closed',
  'referral.overdue',
  'referral.escalated',
  'referral.access_revoked',
  'notification.delivered',
  'notification.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Where the event schemas are published; every schema's `$id` starts with it. */
export const EVENT_SCHEMA_BASE = 'https://schemas.referral-hub.org/events/';

/** The current schema version of every event type. A breaking change adds a `v2` schema beside `v1`. */
export const EVENT_SCHEMA_VERSION = 1;

/** The `$id` of an event type's schema, which is also the `dataschema` of its events. */
export type EventSchemaId<T extends EventType = EventType> = `https://schemas.referral-hub.org/events/${T}/v1.json`;

/** Whether `value` is an event type of the hub. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** The `$id` of the schema of an event type (its `dataschema`). */
export function eventSchemaId<T extends EventType>(type: T): EventSchemaId<T> {
  return `${EVENT_SCHEMA_BASE}${type}/v${EVENT_SCHEMA_VERSION}.json` as EventSchemaId<T>;
}
