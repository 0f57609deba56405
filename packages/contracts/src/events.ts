/**
 * The event catalogue: CloudEvents 1.0 structured envelopes whose `data` carries ids, codes,
 * statuses and timestamps only. Each type has a JSON Schema under `events/`; the TypeScript types
 * of `data` are generated from those schemas.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { components } from '../generated/events.js';
import { createAjv } from './ajv.js';
import { EVENT_TYPES, eventSchemaId, isEventType } from './event-types.js';
import type { EventSchemaId, EventType } from './event-types.js';
import { deepFreeze } from './freeze.js';

/** The type of `data` for each event type. */
export type EventDataMap = { [T in EventType]: components['schemas'][T] };

type EventEnvelope<T extends EventType> = {
  specversion: '1.0';
  /** Unique per source; consumers drop an event whose id they have already handled. */
  id: string;
  /** The producing service, e.g. `/services/referrals`. */
  source: string;
  type: T;
  /** When it happened (RFC 3339). */
  time: string;
  /** The id of the resource the event is about; never personal data. */
  subject?: string;
  datacontenttype: 'application/json';
  dataschema: EventSchemaId<T>;
  /** W3C trace context of the operation that produced it. */
  traceparent?: string;
  /** The request id (or event id) that caused it. */
  correlationid?: string;
  data: EventDataMap[T];
};

/**
 * An event of the hub in its CloudEvents envelope. `CloudEvent` alone is the union of every type,
 * discriminated by `type`.
 */
export type CloudEvent<T extends EventType = EventType> = T extends EventType ? EventEnvelope<T> : never;

/** One problem found in an event. `field` is a dotted path from the envelope (`data.caseCode`). */
export type EventFieldError = {
  field: string;
  message: string;
  /** The JSON Schema keyword broken (`required`, `additionalProperties`, `const`…) or `unknown_type`. */
  code: string;
};

export type EventValidationResult = { ok: true; event: CloudEvent } | { ok: false; errors: EventFieldError[] };

/**
 * The hub's one error for an event that breaks its schema, thrown by {@link buildEvent} and by the
 * platform's outbox and publisher before anything is written or published. It is a bug in the
 * emitting service, never the client's: an HTTP request that meets it answers a plain 500. Its
 * message and `errors` name fields only, never a value, so it is safe to log.
 */
export class InvalidEventError extends Error {
  /** The stable code logs and dead-letter headers carry. */
  readonly code = 'invalid_event';
  /** The event's type, when it had a readable one. */
  readonly eventType: string | undefined;
  /** Each problem, by dotted path or JSON pointer; `code` is the schema keyword when the validator gives it. */
  readonly errors: { field: string; message: string; code?: string }[];

  constructor(type: string | undefined, errors: readonly { field: string; message: string; code?: string }[]) {
    super(`Invalid ${type ?? '(unknown type)'} event: ${errors.map((error) => `${error.field || '(event)'} ${error.message}`).join('; ')}`);
    this.name = 'InvalidEventError';
    this.eventType = type;
    this.errors = [...errors];
  }
}

type SchemaObject = { readonly [key: string]: unknown };

function readSchema(file: string): SchemaObject {
  // Resolved from this file so it works from src/ (tests) and from dist/src/ (built package) alike.
  return deepFreeze(JSON.parse(readFileSync(new URL(`../events/${file}`, import.meta.url), 'utf8')) as SchemaObject);
}

type Compiled = { envelope: ValidateFunction; byType: ReadonlyMap<EventType, ValidateFunction> };
let compiled: Compiled | undefined;
let schemas: ReadonlyMap<EventType, SchemaObject> | undefined;

function eventSchemas(): ReadonlyMap<EventType, SchemaObject> {
  schemas ??= new Map(EVENT_TYPES.map((type) => [type, readSchema(`${type}.v1.json`)]));
  return schemas;
}

/** Compiled on first use, once: compiling all schemas takes far longer than validating an event. */
function validators(): Compiled {
  if (compiled === undefined) {
    const ajv = createAjv();
    // Shared definitions are registered by their $id, which is how the event schemas reference them.
    ajv.addSchema(readSchema('common.json'));
    const envelopeSchema = readSchema('envelope.json');
    ajv.addSchema(envelopeSchema);
    const envelopeId = envelopeSchema['$id'];
    const envelope = typeof envelopeId === 'string' ? ajv.getSchema(envelopeId) : undefined;
    if (envelope === undefined) throw new Error('events/envelope.json has no usable $id');
    const byType = new Map<EventType, ValidateFunction>();
    for (const [type, schema] of eventSchemas()) byType.set(type, ajv.compile(schema));
    compiled = { envelope, byType };
  }
  return compiled;
}

/** The JSON Schema (draft 2020-12) of an event type, as published. */
export function eventSchema(type: EventType): SchemaObject {
  const schema = eventSchemas().get(type);
  if (schema === undefined) throw new Error(`Unknown event type ${JSON.stringify(type)}`);
  return schema;
}

function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function toFieldErrors(errors: readonly ErrorObject[]): EventFieldError[] {
  const out: EventFieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const path = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointerSegment);
    let message = error.message ?? 'is invalid';
    const params = error.params as { additionalProperty?: unknown; missingProperty?: unknown };
    if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path.push(params.additionalProperty);
      message = 'is not allowed';
    } else if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      path.push(params.missingProperty);
      message = 'is required';
    }
    const fieldError = { field: path.join('.'), message, code: error.keyword };
    const key = `${fieldError.field}\u0000${fieldError.code}\u0000${fieldError.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(fieldError);
    }
  }
  return out;
}

/**
 * Validates a whole event (envelope and data) against the schema of its `type`. Use it on publish
 * and on consume: an event that fails must not be published, and a consumer dead-letters it.
 *
 * Error messages never quote the event's values, so they are safe to log.
 */
export function validateEvent(event: unknown): EventValidationResult {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return { ok: false, errors: [{ field: '', message: 'must be an object', code: 'type' }] };
  }
  const { envelope, byType } = validators();
  const type = (event as { type?: unknown }).type;
  const validate = isEventType(type) ? byType.get(type) : undefined;
  if (validate === undefined) {
    // Still check the envelope, so that one answer lists every problem.
    const envelopeErrors = envelope(event) ? [] : toFieldErrors(envelope.errors ?? []);
    return {
      ok: false,
      errors: [
        { field: 'type', message: 'is not a known event type', code: 'unknown_type' },
        ...envelopeErrors.filter((error) => error.field !== 'type'),
      ],
    };
  }
  if (!validate(event)) return { ok: false, errors: toFieldErrors(validate.errors ?? []) };
  return { ok: true, event: event as CloudEvent };
}

/** What {@link buildEvent} needs besides the type and data. */
export type BuildEventOptions = {
  /** The producing service, as a URI reference, e.g. `/services/referrals`. */
  source: string;
  /** The id of the resource the event is about, e.g. the referral id. Never personal data. */
  subject?: string;
  /** Defaults to a new UUID. Give one to make a retried publication the same event. */
  id?: string;
  /** Defaults to now. */
  time?: string | Date;
  traceparent?: string;
  /** The request id that caused the event. */
  correlationId?: string;
};

/**
 * Builds a CloudEvents 1.0 envelope around `data`, filling `specversion`, `id`, `time`,
 * `datacontenttype` and `dataschema`, and checks the result against the type's schema.
 *
 * @throws InvalidEventError when the event breaks its schema (for example, data carrying a
 *   property the schema does not know), so that nothing malformed ever reaches the outbox.
 */
export function buildEvent<T extends EventType>(type: T, data: EventDataMap[T], options: BuildEventOptions): CloudEvent<T> {
  const time = options.time instanceof Date ? options.time.toISOString() : (options.time ?? new Date().toISOString());
  const event: EventEnvelope<T> = {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source,
    type,
    time,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    datacontenttype: 'application/json',
    dataschema: eventSchemaId(type),
    ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
    ...(options.correlationId === undefined ? {} : { correlationid: options.correlationId }),
    data,
  };
  const result = validateEvent(event);
  if (!result.ok) throw new InvalidEventError(type, result.errors);
  return event as CloudEvent<T>;
}
