import { InvalidEventError } from '@referral-hub/contracts';
import { AppError } from '../errors.js';

/**
 * The structured CloudEvents 1.0 envelope as the messaging layer sees it. The
 * precise, per-type shapes live in `@referral-hub/contracts`; this layer only
 * needs the attributes it routes and records by, so any contracts event is
 * assignable to it.
 */
export type EventEnvelope = {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
};

/** One reason an event does not match its schema. Never echoes the bad value. */
export type EventValidationError = { field: string; message: string };

/** Result of validating an unknown value as an event: the event typed as the catalogue's `Events`, or what is wrong. */
export type EventValidationResult<Events extends EventEnvelope = EventEnvelope> =
  | { ok: true; event: Events }
  | { ok: false; errors: EventValidationError[] };

/**
 * Validates an event against the catalogue (the shape of `validateEvent` from
 * `@referral-hub/contracts`, whose `Events` is the contracts' `CloudEvent`).
 * Injected rather than imported so that the messaging layer can be tested,
 * and reused, independently of the catalogue. What it returns types the
 * events the consumer hands to its handlers.
 */
export type EventValidator<Events extends EventEnvelope = EventEnvelope> = (event: unknown) => EventValidationResult<Events>;

/** Header names the hub puts on AMQP messages. */
export const MESSAGE_HEADERS = {
  requestId: 'x-request-id',
  /** 1 on the first delivery; incremented on each retry copy. */
  attempt: 'x-attempt',
  lastErrorCode: 'x-last-error-code',
  lastErrorMessage: 'x-last-error-message',
  /** Why the consumer sent the message to its dead-letter queue itself. */
  deadLetterReason: 'x-dead-letter-reason',
  deadLetteredAt: 'x-dead-lettered-at',
  replayedAt: 'x-replayed-at',
} as const;

/** Content type of a structured-mode CloudEvent. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/**
 * Thrown when an event does not match its schema, before anything is written or published: the
 * contracts' one `InvalidEventError` (a bug in the emitting service, a plain 500 to a client),
 * the same class whether the contracts' `buildEvent` or this layer's validation found it.
 */
export { InvalidEventError };

/** Best-effort event type of an unvalidated value, for error messages and logs. */
export function eventTypeOf(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'type' in value) {
    const type: unknown = value.type;
    if (typeof type === 'string' && type.length <= 200) return type;
  }
  return undefined;
}

/** Validates `event` and returns it typed, or throws {@link InvalidEventError}. */
export function assertValidEvent(validator: EventValidator, event: unknown): EventEnvelope {
  const result = validator(event);
  if (result.ok) return result.event;
  throw new InvalidEventError(eventTypeOf(event), result.errors);
}

/**
 * A short, log- and header-safe description of a failure. Error messages can
 * quote input, so the text is cut short and never includes `detail` fields of
 * database errors (which echo values); codes are kept whole.
 */
export function describeFailure(error: unknown, maxMessageLength = 200): { code: string; message: string } {
  let code = 'error';
  let message = 'Unknown failure';
  if (error instanceof AppError) {
    code = error.code;
    message = error.message;
  } else if (error instanceof Error) {
    const maybeCode: unknown = (error as Error & { code?: unknown }).code;
    code = typeof maybeCode === 'string' || typeof maybeCode === 'number' ? String(maybeCode) : error.name;
    message = error.message;
  } else if (typeof error === 'string') {
    message = error;
  }
  return { code: truncate(code, 100), message: truncate(message.replace(/\s+/g, ' ').trim(), maxMessageLength) };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
