import type { ErrorRequestHandler, Response } from 'express';
import { currentRequestId } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import { DEFAULT_PROBLEM_LANGUAGE, negotiateLanguage, renderText, t } from '../messages/index.js';
import type { ProblemLanguage, Text } from '../messages/index.js';
import type { Logger } from '../logging/logger.js';
import { checkProblem, problemChecksEnabled, recordProblemDefect } from './problem-check.js';
import { getOperation } from './request-state.js';

export const PROBLEM_TYPE_BASE = 'https://referral-hub.org/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One invalid field, as sent: its message rendered, its code always set. */
export type ProblemFieldError = { field: string; message: string; code: string };

/** An RFC 9457 problem document as the hub sends it (the contracts' `Problem` schema). */
export type ProblemDocument = {
  type: string;
  title: string;
  status: number;
  /** Stable machine code, e.g. `not_found`; required by the schema, so never absent. */
  code: string;
  detail?: string;
  /** The request id, so a caller can quote it. */
  instance?: string;
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
};

/** The limits of the contracts' `Problem` schema (packages/contracts/openapi/common.yaml). */
export const PROBLEM_LIMITS = {
  type: 512,
  title: 200,
  detail: 2000,
  instance: 200,
  code: 64,
  errors: 200,
  field: 300,
  message: 500,
} as const;

/** 405 with the `Allow` header the RFC requires. */
export function methodNotAllowed(allow: readonly string[]): AppError {
  return new AppError('method_not_allowed', 405, 'Method not allowed', {
    detail: t('This resource supports {methods}.', { methods: allow.join(', ') }),
    headers: { Allow: allow.join(', ') },
  });
}

export function payloadTooLarge(limit?: string): AppError {
  return new AppError('payload_too_large', 413, 'Payload too large', {
    detail: limit === undefined ? 'The request body is too large.' : t('The request body exceeds the {size} limit.', { size: limit }),
  });
}

export function notImplemented(): AppError {
  return new AppError('not_implemented', 501, 'Not implemented', {
    detail: 'This operation is part of the API but not available on this server yet.',
  });
}

export function malformedJson(): AppError {
  return new AppError('malformed_json', 400, 'Malformed JSON', {
    detail: 'The request body is not valid JSON.',
    errors: [{ field: 'body', message: 'is not valid JSON', code: 'json' }],
  });
}

const INTERNAL_DETAIL = 'An unexpected error occurred. Quote the request id (instance) when reporting it.';

/** Cuts `text` to `max` characters (an ellipsis marking the cut), never splitting a surrogate pair. */
export function clamp(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

const PROBLEM_CODE = /^[a-z][a-z0-9_]*$/;
const FIELD_ERROR_CODE = /^[a-z][a-zA-Z0-9_]*$/;

/** A code the schema accepts: `Not-Found` becomes `not_found`; nothing usable becomes `fallback`. */
function normaliseCode(code: string | undefined, pattern: RegExp, fallback: string): string {
  if (code !== undefined && pattern.test(code) && code.length <= PROBLEM_LIMITS.code) return code;
  const cleaned = (code ?? '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, PROBLEM_LIMITS.code);
  return cleaned === '' ? fallback : cleaned;
}

/** Texts the catalogue could not render in the problem's language (reported in tests). */
export type RenderingGaps = string[];

function render(text: Text, language: ProblemLanguage, max: number, gaps: RenderingGaps): string {
  const rendered = renderText(text, language);
  if (!rendered.translated) gaps.push(rendered.text);
  return clamp(rendered.text, max);
}

/**
 * Builds the problem document for an AppError in `language`: the only place a
 * problem is shaped, so every one has a `code`, rendered texts and members
 * within the schema's limits. Texts the catalogue does not know are pushed
 * onto `gaps` (sent in English meanwhile).
 */
export function toProblem(
  error: AppError,
  instance?: string,
  language: ProblemLanguage = DEFAULT_PROBLEM_LANGUAGE,
  gaps: RenderingGaps = [],
): ProblemDocument {
  const code = normaliseCode(error.code, PROBLEM_CODE, 'error');
  const problem: ProblemDocument = {
    // Extensions first so they can never overwrite the standard members.
    ...error.extensions,
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: render(error.title, language, PROBLEM_LIMITS.title, gaps),
    status: error.status >= 400 && error.status <= 599 ? error.status : 500,
    code,
  };
  if (error.detail !== undefined) problem.detail = render(error.detail, language, PROBLEM_LIMITS.detail, gaps);
  else delete problem.detail;
  if (instance !== undefined) problem.instance = clamp(instance, PROBLEM_LIMITS.instance);
  else delete problem.instance;
  if (error.errors !== undefined && error.errors.length > 0) {
    problem.errors = error.errors.slice(0, PROBLEM_LIMITS.errors).map((fieldError) => ({
      field: clamp(fieldError.field, PROBLEM_LIMITS.field),
      message: render(fieldError.message, language, PROBLEM_LIMITS.message, gaps),
      code: normaliseCode(fieldError.code, FIELD_ERROR_CODE, 'invalid'),
    }));
  } else {
    delete problem.errors;
  }
  return problem;
}

/** What a test-mode check found wrong with a problem: the response becomes this 500 instead. */
function invalidProblem(original: ProblemDocument, reasons: readonly string[]): AppError {
  return new AppError('invalid_problem', 500, 'Invalid problem document', {
    detail: 'The server built an error that does not match the Problem schema.',
    operational: false,
    extensions: { invalidCode: original.code, invalidStatus: original.status, reasons: reasons.slice(0, 20) },
  });
}

/**
 * Writes `error` as `application/problem+json`, with its headers, in the
 * language the request asks for (`Accept-Language`, French by default), named
 * in `Content-Language`. Under test (NODE_ENV=test), a problem that breaks the
 * contracts' Problem schema or has a text the catalogue cannot translate is
 * recorded and answered as a 500 `invalid_problem`, so the test provoking it fails.
 */
export function sendProblem(res: Response, error: AppError, requestId = currentRequestId()): void {
  const language = negotiateLanguage(res.req.get('accept-language'));
  const gaps: RenderingGaps = [];
  let problem = toProblem(error, requestId, language, gaps);
  let status = problem.status;
  if (problemChecksEnabled()) {
    const reasons = [...checkProblem(problem), ...gaps.map((text) => `no French wording for ${JSON.stringify(text)}`)];
    if (reasons.length > 0) {
      recordProblemDefect({ code: problem.code, status: problem.status, reasons });
      problem = toProblem(invalidProblem(problem, reasons), requestId, language);
      status = 500;
    }
  }
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.vary('Accept-Language');
  res.setHeader('Content-Language', language);
  res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Codes and titles for 4xx errors thrown by Express or its parsers without a problem of their own. */
const GENERIC_CLIENT_ERRORS: Readonly<Record<number, { code: string; title: Text }>> = {
  400: { code: 'bad_request', title: 'Bad request' },
  401: { code: 'unauthenticated', title: 'Unauthenticated' },
  403: { code: 'forbidden', title: 'Forbidden' },
  404: { code: 'not_found', title: 'Not found' },
  405: { code: 'method_not_allowed', title: 'Method not allowed' },
  406: { code: 'not_acceptable', title: 'Not acceptable' },
  409: { code: 'conflict', title: 'Conflict' },
  410: { code: 'gone', title: 'Gone' },
  412: { code: 'precondition_failed', title: 'Precondition failed' },
  413: { code: 'payload_too_large', title: 'Payload too large' },
  414: { code: 'uri_too_long', title: 'URI too long' },
  415: { code: 'unsupported_media_type', title: 'Unsupported media type' },
  422: { code: 'unprocessable', title: 'Unprocessable request' },
  428: { code: 'precondition_required', title: 'Precondition required' },
  429: { code: 'rate_limited', title: 'Too many requests' },
};

type HttpLikeError = { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown; limit?: unknown };

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}mb`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return `${bytes}b`;
}

/**
 * Maps anything thrown to the AppError the client sees. Body-parser and
 * router errors (which carry a 4xx `status`) become their problem; anything
 * else is an internal error whose message stays in the logs.
 */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (typeof error === 'object' && error !== null) {
    const http = error as HttpLikeError;
    const status = typeof http.status === 'number' ? http.status : http.statusCode;
    switch (http.type) {
      case 'entity.parse.failed':
        return malformedJson();
      case 'entity.too.large':
        return payloadTooLarge(typeof http.limit === 'number' ? formatBytes(http.limit) : undefined);
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new AppError('unsupported_media_type', 415, 'Unsupported media type', {
          detail: 'Send application/json in UTF-8, without a content encoding.',
        });
      default:
        break;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const generic = GENERIC_CLIENT_ERRORS[status];
      return new AppError(generic?.code ?? 'bad_request', status, generic?.title ?? 'Bad request', {
        detail: 'The request could not be processed.',
        cause: error,
      });
    }
  }
  return new AppError('internal_error', 500, 'Internal server error', {
    detail: INTERNAL_DETAIL,
    operational: false,
    cause: error,
  });
}

/**
 * The last middleware: every error becomes problem+json. Internal errors are
 * logged with their stack and answered with a generic detail.
 */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    const operationId = getOperation(req)?.operationId;
    if (appError.status >= 500) {
      const logged = appError.code === 'internal_error' ? appError.cause : appError;
      const level = appError.operational ? 'warn' : 'error';
      logger[level]({ err: logged, operationId, status: appError.status }, 'request failed');
    }
    if (res.headersSent) {
      // Too late for a problem document: cut the response so the client sees it failed.
      res.destroy();
      return;
    }
    sendProblem(res, appError);
  };
}
