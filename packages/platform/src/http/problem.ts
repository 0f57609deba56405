import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Response } from 'express';
import { currentRequestId } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import type { FieldError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { getOperation } from './request-state.js';

export const PROBLEM_TYPE_BASE = 'https://referral-hub.org/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document as the hub sends it. */
export type ProblemDocument = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The request id, so a caller can quote it. */
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
};

/** 405 with the `Allow` header the RFC requires. */
export function methodNotAllowed(allow: readonly string[]): AppError {
  return new AppError('method_not_allowed', 405, 'Method not allowed', {
    detail: `This resource supports ${allow.join(', ')}.`,
    headers: { Allow: allow.join(', ') },
  });
}

export function payloadTooLarge(limit?: string): AppError {
  return new AppError('payload_too_large', 413, 'Payload too large', {
    detail: limit === undefined ? 'The request body is too large.' : `The request body exceeds the ${limit} limit.`,
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

/** Builds the problem document for an AppError. */
export function toProblem(error: AppError, instance?: string): ProblemDocument {
  const problem: ProblemDocument = {
    // Extensions first so they can never overwrite the standard members.
    ...error.extensions,
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title: error.message,
    status: error.status,
  };
  if (error.detail !== undefined) problem.detail = error.detail;
  if (instance !== undefined) problem.instance = instance;
  if (error.errors !== undefined && error.errors.length > 0) problem.errors = error.errors;
  return problem;
}

/** Writes `error` as `application/problem+json`, with its headers. */
export function sendProblem(res: Response, error: AppError, requestId = currentRequestId()): void {
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(toProblem(error, requestId)));
}

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
      return new AppError('bad_request', status, STATUS_CODES[status] ?? 'Bad request', {
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
