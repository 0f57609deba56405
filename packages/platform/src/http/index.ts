export { createHttpApp, trustProxySetting } from './app.js';
export type { HttpAppOptions } from './app.js';
export { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_RETENTION_MS, createIdempotency } from './idempotency.js';
export type { Idempotency, IdempotencyOptions, IdempotentAttempt, StoredResponse } from './idempotency.js';
export { HTTP_METHODS, matchOperation, readOperations, toExpressPath } from './openapi.js';
export type { HttpMethod, OpenApiDocument, SecurityRequirement } from './openapi.js';
export {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_LIMITS,
  PROBLEM_TYPE_BASE,
  clamp,
  malformedJson,
  methodNotAllowed,
  notImplemented,
  payloadTooLarge,
  problemErrorHandler,
  sendProblem,
  toAppError,
  toProblem,
} from './problem.js';
export type { ProblemDocument, ProblemFieldError, RenderingGaps } from './problem.js';
export { checkProblem, clearProblemDefects, forceProblemChecks, problemChecksEnabled, problemDefects } from './problem-check.js';
export type { ProblemDefect } from './problem-check.js';
export {
  assertRole,
  findPrincipal,
  getOperation,
  getPrincipal,
  getValidatedHeaders,
  getValidatedParams,
  getValidatedQuery,
  requireRole,
} from './request-state.js';
export type { MatchedOperation } from './request-state.js';
export { DEFAULT_HTTP_TIMEOUTS, startHttpServer } from './server.js';
export type { HttpServerTimeouts, RunningHttpServer } from './server.js';
export { clientKey, createMemoryRateLimitStore, createRateLimiter, createRedisRateLimitStore, tooManyRequests } from './rate-limit.js';
export type { RateLimitStore, RateLimiter, RateLimiterOptions, WindowCount } from './rate-limit.js';
