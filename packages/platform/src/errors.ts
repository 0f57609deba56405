import { englishOf } from './messages/index.js';
import type { Text } from './messages/index.js';

/**
 * The one error family of the hub. Domain code throws these; the HTTP layer
 * turns them into RFC 9457 problem+json, consumers decide retry or dead-letter
 * from `operational`. Titles, details and field messages are {@link Text}s:
 * catalogue texts (`messages/fr.ts`) rendered in the caller's language when
 * the problem is sent.
 */
export type FieldError = {
  /** JSON pointer or dotted path of the bad input, e.g. `/body/scope/fields/0` or `query.radiusKm`. */
  field: string;
  /** Human-readable, safe to show: never echoes personal data. A catalogue text. */
  message: Text;
  /** Stable machine code, e.g. `required`, `format`, `enum`, `maxLength`. */
  code?: string;
};

export type AppErrorOptions = {
  /** Human-readable explanation, safe to show to the caller. A catalogue text. */
  detail?: Text;
  /** Field-level validation errors. */
  errors?: FieldError[];
  /** An expected failure (bad input, conflict) rather than a bug. Defaults to status < 500. */
  operational?: boolean;
  cause?: unknown;
  /** Extra problem members, e.g. `{ currentStatus: 'accepted' }`. Never personal data. */
  extensions?: Record<string, unknown>;
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  headers?: Record<string, string>;
};

export class AppError extends Error {
  /** Stable machine code (`^[a-z][a-z0-9_]*$`): every problem carries one. */
  readonly code: string;
  readonly status: number;
  /** The summary of the problem type; `message` holds its English wording. */
  readonly title: Text;
  readonly detail: Text | undefined;
  readonly errors: FieldError[] | undefined;
  readonly operational: boolean;
  readonly extensions: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: string, status: number, title: Text, options: AppErrorOptions = {}) {
    super(englishOf(title), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.title = title;
    this.detail = options.detail;
    this.errors = options.errors;
    this.operational = options.operational ?? status < 500;
    this.extensions = options.extensions;
    this.headers = options.headers;
  }
}

export const validationError = (errors: FieldError[], detail: Text = 'The request has invalid fields.'): AppError =>
  new AppError('validation_failed', 400, 'Invalid request', { detail, errors });

export const unauthenticated = (detail: Text = 'A valid bearer token is required.'): AppError =>
  new AppError('unauthenticated', 401, 'Unauthenticated', {
    detail,
    headers: { 'WWW-Authenticate': 'Bearer realm="referral-hub"' },
  });

export const forbidden = (detail: Text = 'You are not allowed to do this.'): AppError =>
  new AppError('forbidden', 403, 'Forbidden', { detail });

export const notFound = (detail: Text = 'No such resource.'): AppError =>
  new AppError('not_found', 404, 'Not found', { detail });

export const conflict = (detail: Text, extensions?: Record<string, unknown>): AppError =>
  new AppError('conflict', 409, 'Conflict', extensions === undefined ? { detail } : { detail, extensions });

export const unprocessable = (detail: Text, errors?: FieldError[]): AppError =>
  new AppError('unprocessable', 422, 'Unprocessable request', errors === undefined ? { detail } : { detail, errors });

export const unsupportedMediaType = (detail: Text = 'Send application/json.'): AppError =>
  new AppError('unsupported_media_type', 415, 'Unsupported media type', { detail });

export const serviceUnavailable = (detail: Text = 'A dependency is unavailable; try again shortly.'): AppError =>
  new AppError('service_unavailable', 503, 'Service unavailable', { detail });

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
