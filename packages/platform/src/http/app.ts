import express from 'express';
import type { Express, NextFunction, Request, RequestHandler, Response, Router } from 'express';
import helmet from 'helmet';
import { REQUEST_ID_HEADER, acceptOrCreateRequestId, runWithContext } from '../context.js';
import { notFound, unsupportedMediaType, validationError } from '../errors.js';
import type { FieldError } from '../errors.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { DEFAULT_HEALTH_TIMEOUT_MS, runHealthChecks } from '../health/run.js';
import type { HealthCheck } from '../health/types.js';
import type { Logger } from '../logging/logger.js';
import { routeLabel } from '../observability/metrics.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import { matchOperation, readOperations } from './openapi.js';
import type { OpenApiDocument, OperationSpec, ParameterSpec, PathSpec } from './openapi.js';
import { methodNotAllowed, notImplemented, problemErrorHandler } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import { getOperation, setRequestState } from './request-state.js';
import { clientErrorForDatabaseError } from '../db/database-errors.js';
import { nulCharactersInJson, nulCharactersInQuery } from './nul-characters.js';
import { compileValidators, toFieldErrors } from './validation.js';
import type { CompiledValidators } from './validation.js';

export type HttpAppOptions = {
  service: string;
  version: string;
  logger: Logger;
  /** The service's OpenAPI 3.1 document: every route must be declared in it. */
  openapi: OpenApiDocument;
  /** Required as soon as one operation has `security`. */
  authenticator?: Authenticator;
  /** Dependencies `/readyz` checks. */
  healthChecks: readonly HealthCheck[];
  /** Per-check timeout for `/readyz`. Default 2 s. */
  healthTimeoutMs?: number;
  /** Largest JSON body accepted (`256kb` by default). */
  bodyLimit?: string;
  /**
   * Per-client request limit (see `createRateLimiter`), counted after authentication so a
   * client is its token's organisation and subject; anonymous and unauthenticated requests
   * count against their address. The probes and the document are never limited.
   */
  rateLimiter?: RateLimiter;
  /** Registers the service's handlers; paths use Express syntax (see `toExpressPath`). */
  routes: (router: Router) => void;
  /** Counts requests by route template; `GET /metrics` is served too unless `metricsRoute` is false. */
  metrics?: ServiceMetrics;
  /** Whether this app answers `GET /metrics` (false when metrics have a port of their own). Default true. */
  metricsRoute?: boolean;
  /**
   * Proxies in front that append to `X-Forwarded-For` (`TRUSTED_PROXY_HOPS`): a request's
   * address (`req.ip`, what anonymous callers are counted by) is read that many hops from the
   * right. 0 or unset: the connection's own address.
   */
  trustedProxyHops?: number;
};

const JSON_TYPES = ['application/json', 'application/*+json'];

/** How U+0000 appears in JSON text. */
const ESCAPED_NUL = '\\u0000';
/** Requests whose raw JSON body holds `\u0000`: only theirs is walked for it. */
const mayHoldNul = new WeakSet<Request>();

/** The operation a request matched and its raw (still percent-encoded) path parameters. */
type MatchedEntry = { operation: OperationSpec; params: Record<string, string> };

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Request id, context and the one access-log line per request. */
function requestContext(logger: Logger, metrics: ServiceMetrics | undefined): RequestHandler {
  return (req, res, next) => {
    const requestId = acceptOrCreateRequestId(req.headers[REQUEST_ID_HEADER]);
    const started = performance.now();
    res.setHeader('X-Request-Id', requestId);
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      const operation = getOperation(req);
      const status = res.writableFinished ? res.statusCode : undefined;
      // The route template, never the raw URL: query strings and ids in paths
      // stay out of the logs.
      const line = {
        method: req.method,
        route: operation?.pathTemplate ?? null,
        operationId: operation?.operationId,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(status === undefined ? { aborted: true } : {}),
      };
      runWithContext({ requestId }, () => {
        if (status !== undefined && status >= 500) logger.warn(line, 'request');
        else logger.info(line, 'request');
      });
      metrics?.observeRequest(req.method, routeLabel(req, operation?.pathTemplate), status, (performance.now() - started) / 1000);
    };
    res.once('finish', log);
    res.once('close', log);
    runWithContext({ requestId }, () => next());
  };
}

function readParameterValues(
  parameters: readonly ParameterSpec[],
  source: (parameter: ParameterSpec) => string | string[] | undefined,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const parameter of parameters) {
    const raw = source(parameter);
    if (raw === undefined) continue;
    const list = Array.isArray(raw) ? raw : [raw];
    if (parameter.isArray) {
      // Arrays may be sent as repeated keys (?id=a&id=b), comma-separated (?id=a,b) or both.
      values[parameter.name] = list.flatMap((item) => item.split(',')).filter((item) => item !== '');
    } else {
      // A repeated scalar stays an array so that it fails validation instead of silently using one value.
      values[parameter.name] = list.length === 1 ? list[0] : list;
    }
  }
  return values;
}

function queryValues(req: Request): Map<string, string[]> {
  const mark = req.originalUrl.indexOf('?');
  const search = new URLSearchParams(mark === -1 ? '' : req.originalUrl.slice(mark + 1));
  const values = new Map<string, string[]>();
  for (const [key, value] of search) values.set(key, [...(values.get(key) ?? []), value]);
  return values;
}

/** Matches the operation; 404/405 for anything the contract does not declare. */
function operationMatcher(paths: readonly PathSpec[], matched: WeakMap<Request, MatchedEntry>): RequestHandler {
  return (req, _res, next) => {
    const result = matchOperation(paths, req.method, req.path);
    if (result.kind === 'not-found') throw notFound('No resource matches this path.');
    if (result.kind === 'method-not-allowed') throw methodNotAllowed(result.allow);
    matched.set(req, { operation: result.operation, params: result.params });
    setRequestState(req, {
      operation: {
        operationId: result.operation.operationId,
        method: result.operation.method.toUpperCase(),
        pathTemplate: result.operation.pathTemplate,
      },
    });
    next();
  };
}

/** Express's `trust proxy` for a number of trusted hops: false (the socket's address) for none. */
export function trustProxySetting(hops: number | undefined): number | false {
  return hops !== undefined && hops > 0 ? hops : false;
}

/**
 * Creates the service's Express app: security headers, request ids, health
 * routes, OpenAPI request validation, authentication and problem+json errors
 * around the handlers `routes` registers.
 *
 * Every route must be declared in `openapi`: a path outside it is a 404 before
 * any handler runs, and a declared operation without a handler is a 501.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, openapi } = options;
  const paths = readOperations(openapi);
  const operations = paths.flatMap((path) => [...path.operations.values()]);
  const secured = operations.filter((operation) => operation.auth !== 'none');
  if (secured.length > 0 && options.authenticator === undefined) {
    throw new Error(
      `createHttpApp: operations ${secured.map((o) => o.operationId).join(', ')} require authentication but no authenticator was given`,
    );
  }
  // Compiled on each operation's first request: memory is spent only on what is served (validation.ts).
  const validators = compileValidators(openapi, operations, { lazy: true });
  const matched = new WeakMap<Request, MatchedEntry>();
  const healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const jsonParser = express.json({
    limit: options.bodyLimit ?? '256kb',
    type: JSON_TYPES,
    // JSON can only carry U+0000 escaped (`\u0000`): one native search of the raw
    // body spares walking every parsed body for it.
    verify: (req: Request, _res, raw: Buffer, encoding: string) => {
      // Another charset than UTF-8 (UTF-16…) is not searched in bytes: its body is walked.
      if (encoding.toLowerCase() !== 'utf-8' || raw.includes(ESCAPED_NUL)) mayHoldNul.add(req);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', trustProxySetting(options.trustedProxyHops));

  app.use(requestContext(logger, options.metrics));
  app.use(helmet());
  app.use((_req, res, next) => {
    // Responses may carry a child's data: no shared cache may keep them.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await runHealthChecks(options.healthChecks, healthTimeoutMs, ({ name, error }) => {
      logger.warn({ check: name, err: error }, 'health check failed');
    });
    const checks = Object.fromEntries(
      Object.entries(report.checks).map(([name, result]) => [
        name,
        result.detail === undefined ? { status: result.status } : { status: result.status, detail: result.detail },
      ]),
    );
    res.status(report.status === 'ok' ? 200 : 503).json({ status: report.status, checks });
  });
  if (options.metrics !== undefined && options.metricsRoute !== false) app.get('/metrics', options.metrics.handler);
  app.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(openapi);
  });

  app.use(operationMatcher(paths, matched));

  const { rateLimiter } = options;
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const entry = matched.get(req);
    if (entry === undefined) return next();
    const { auth } = entry.operation;
    const header = req.headers.authorization;
    let principal: Principal | undefined;
    // Optional security (`{}` among the requirements) still identifies a caller who sends a token.
    if (options.authenticator !== undefined && (auth === 'required' || (auth === 'optional' && header !== undefined))) {
      try {
        principal = await options.authenticator.authenticate(header);
      } catch (error) {
        // A caller without a valid token is still counted, by address: bad tokens are no way around the limit.
        await rateLimiter?.check(req, res, undefined);
        throw error;
      }
      setRequestState(req, { principal });
    }
    await rateLimiter?.check(req, res, principal);
    next();
  });

  app.use((req: Request, _res: Response, next: NextFunction) => {
    const body = matched.get(req)?.operation.requestBody;
    if (body === undefined || !hasBody(req)) return next();
    // Refuse before reading: a body the operation cannot take is not worth parsing.
    // An operation taking JSON takes every JSON flavour (`application/*+json`).
    const accepted = body.acceptsJson ? [...body.mediaTypes, ...JSON_TYPES] : body.mediaTypes;
    if (!req.is(accepted)) throw unsupportedMediaType(`Send ${body.mediaTypes.join(' or ')}.`);
    next();
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (matched.get(req)?.operation.requestBody?.acceptsJson !== true) return next();
    jsonParser(req, res, next);
  });

  app.use((req: Request, _res: Response, next: NextFunction) => {
    const entry = matched.get(req);
    if (entry === undefined) return next();
    validateRequest(req, entry.operation, entry.params, validators.get(entry.operation));
    next();
  });

  const router = express.Router();
  options.routes(router);
  app.use(router);

  app.use((req: Request) => {
    // Declared in the contract (the matcher let it through) but no handler answered.
    throw matched.has(req) ? notImplemented() : notFound();
  });
  // What the database refused because of the request (a NUL character, a number
  // out of range, a row another request created first) is the client's 4xx.
  app.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(clientErrorForDatabaseError(error) ?? error);
  });
  app.use(problemErrorHandler(logger));
  return app;
}

const STATE_KEY = { path: 'params', query: 'query', header: 'headers' } as const;

/**
 * Validates parameters and JSON body against the operation's compiled
 * schemas and stores the coerced values for `getValidated*`. Collects every
 * problem before failing so the client can fix them all at once.
 */
function validateRequest(
  req: Request,
  operation: OperationSpec,
  rawParams: Record<string, string>,
  compiled: CompiledValidators | undefined,
): void {
  const errors: FieldError[] = [];
  const state: { params: Record<string, unknown>; query: Record<string, unknown>; headers: Record<string, unknown> } = {
    params: {},
    query: {},
    headers: {},
  };
  // U+0000 anywhere (PostgreSQL cannot store it in text) is refused before any
  // schema or handler sees it, naming the field.
  const query = queryValues(req);
  const nul = nulCharactersInQuery(query);
  for (const [name, raw] of Object.entries(rawParams)) {
    if (/%00/.test(raw)) nul.push({ field: `path.${name}`, message: 'must not contain the NUL character (U+0000)', code: 'nul_character' });
  }
  if (operation.requestBody?.acceptsJson === true && req.body !== undefined && mayHoldNul.has(req)) {
    nul.push(...nulCharactersInJson('body', req.body));
  }
  if (nul.length > 0) throw validationError(nul);

  for (const group of compiled?.groups ?? []) {
    let values: Record<string, unknown>;
    if (group.location === 'path') {
      values = {};
      for (const parameter of group.parameters) {
        const raw = rawParams[parameter.name];
        if (raw === undefined) continue;
        try {
          values[parameter.name] = decodeURIComponent(raw);
        } catch {
          errors.push({ field: `path.${parameter.name}`, message: 'is not correctly percent-encoded', code: 'encoding' });
        }
      }
    } else if (group.location === 'query') {
      values = readParameterValues(group.parameters, (parameter) => query.get(parameter.name));
    } else {
      values = readParameterValues(group.parameters, (parameter) => req.headers[parameter.name.toLowerCase()]);
    }
    if (!group.validate(values)) errors.push(...toFieldErrors(group.location, group.validate.errors));
    state[STATE_KEY[group.location]] = values;
  }

  const body = operation.requestBody;
  if (body?.acceptsJson === true) {
    if (req.body === undefined) {
      // A body in another declared media type is the handler's to read.
      if (body.required && !hasBody(req)) errors.push({ field: 'body', message: 'is required', code: 'required' });
    } else if (compiled?.body !== undefined && !compiled.body(req.body)) {
      errors.push(...toFieldErrors('body', compiled.body.errors));
    }
  }

  if (errors.length > 0) throw validationError(errors);
  setRequestState(req, state);
}
