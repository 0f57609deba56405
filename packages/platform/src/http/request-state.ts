import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { hasRole } from '../auth/principal.js';
import type { Principal, Role } from '../auth/principal.js';
import { forbidden, unauthenticated } from '../errors.js';

/** The OpenAPI operation a request was matched to. */
export type MatchedOperation = {
  operationId: string;
  /** Upper-case HTTP method of the operation (GET for a HEAD request). */
  method: string;
  /** The OpenAPI path template, e.g. `/v1/referrals/{referralId}`. Safe to log. */
  pathTemplate: string;
};

type RequestState = {
  operation?: MatchedOperation;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  principal?: Principal;
};

// Keyed by the request object so nothing is bolted onto Express's types and
// the state disappears with the request.
const states = new WeakMap<IncomingMessage, RequestState>();

function stateOf(req: IncomingMessage): RequestState {
  let state = states.get(req);
  if (state === undefined) {
    state = { params: {}, query: {}, headers: {} };
    states.set(req, state);
  }
  return state;
}

/** @internal used by the HTTP app. */
export function setRequestState(req: IncomingMessage, patch: Partial<RequestState>): void {
  Object.assign(stateOf(req), patch);
}

/** The operation matched for this request, if any. */
export function getOperation(req: IncomingMessage): MatchedOperation | undefined {
  return states.get(req)?.operation;
}

/**
 * The declared query parameters, validated, coerced to their schema types
 * (numbers, booleans, arrays) and with schema defaults applied. Undeclared
 * parameters are not included.
 */
export function getValidatedQuery<T extends object = Record<string, unknown>>(req: IncomingMessage): T {
  return (states.get(req)?.query ?? {}) as T;
}

/** The path parameters, validated and coerced like the query. */
export function getValidatedParams<T extends object = Record<string, unknown>>(req: IncomingMessage): T {
  return (states.get(req)?.params ?? {}) as T;
}

/** The declared header parameters, validated and coerced, under their declared names. */
export function getValidatedHeaders<T extends object = Record<string, unknown>>(req: IncomingMessage): T {
  return (states.get(req)?.headers ?? {}) as T;
}

/** The authenticated caller, or undefined on an anonymous request. */
export function findPrincipal(req: IncomingMessage): Principal | undefined {
  return states.get(req)?.principal;
}

/**
 * The authenticated caller.
 * @throws AppError 401 when the request was not authenticated (an operation without `security`).
 */
export function getPrincipal(req: IncomingMessage): Principal {
  const principal = findPrincipal(req);
  if (principal === undefined) throw unauthenticated();
  return principal;
}

/**
 * The caller, provided they hold at least one of `roles`.
 * @throws AppError 401 when anonymous, 403 when none of the roles is held.
 */
export function assertRole(req: IncomingMessage, ...roles: readonly Role[]): Principal {
  const principal = getPrincipal(req);
  if (!hasRole(principal, ...roles)) throw forbidden('Your role does not allow this action.');
  return principal;
}

/** Express middleware form of `assertRole`. */
export function requireRole(...roles: readonly Role[]): RequestHandler {
  return (req, _res, next) => {
    assertRole(req, ...roles);
    next();
  };
}
