import http from 'node:http';
import https from 'node:https';
import { currentRequestId, REQUEST_ID_HEADER } from '../context.js';
import type { ServiceTokenProvider } from './service-token.js';

/** How a service reaches another one: its base URL, its own machine token, a time limit. */
export type ServiceCallOptions = { baseUrl: string; tokens: ServiceTokenProvider; timeoutMs: number };

/**
 * Another service could not answer: unreachable, too slow, an answer other than the expected
 * status, or a body that is not JSON. Thrown by every {@link createServiceCall}, so that callers
 * tell it from a bug (and fail closed, answer 503 or retry later) with one `instanceof`.
 * Its message names the service and the status only, never what the answer's body said.
 */
export class UpstreamUnavailableError extends Error {
  /** The service that could not answer, as its caller names it (`the directory`). */
  readonly upstream: string;
  /** The status it answered, when it answered at all. */
  readonly status: number | undefined;

  constructor(upstream: string, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamUnavailableError';
    this.upstream = upstream;
    this.status = options.status;
  }
}

export type ServiceCall = <T>(path: string, request?: { method?: 'GET' | 'POST'; body?: unknown; expectStatus?: number }) => Promise<T>;

/** A response's status and whole body, or the reason none came. */
type Answer = { status: number; body: Buffer };

/**
 * One HTTP exchange on a keep-alive agent (node:http, far cheaper per call than `fetch`, which
 * the hot paths between services pay on every request). A request sent on a kept-alive socket
 * that the server had just closed (ECONNRESET before any answer) never reached it, so it is sent
 * once more on a fresh socket, as Node's documentation advises.
 */
function exchange(agent: http.Agent, url: URL, options: http.RequestOptions, payload: string | undefined, deadline: number, retried = false): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https.request : http.request)(url, { ...options, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => request.destroy(new Error('The call timed out')), Math.max(0, deadline - performance.now()));
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!retried && request.reusedSocket && error.code === 'ECONNRESET') {
        exchange(agent, url, options, payload, deadline, true).then(resolve, reject);
      } else reject(error);
    });
    request.end(payload);
  });
}

/**
 * Calls `{baseUrl}{path}` with the service's machine token (client
 * credentials), a time limit and the current request id, so both services'
 * logs tell one story. Anything but the expected status (200 by default), an
 * unreachable service or a body that is not JSON throws {@link UpstreamUnavailableError},
 * naming `who` (e.g. "the directory") and the status only: an answer's body is
 * never kept, as a problem document may describe what was asked. Connections
 * are kept alive between calls.
 */
export function createServiceCall(who: string, options: ServiceCallOptions): ServiceCall {
  const capitalised = `${who.charAt(0).toUpperCase()}${who.slice(1)}`;
  const unavailable = (message: string, details: { cause?: unknown; status?: number }): UpstreamUnavailableError =>
    new UpstreamUnavailableError(who, message, details);
  const agent = new (new URL(options.baseUrl).protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, scheduling: 'lifo' });
  return async <T>(path: string, request: { method?: 'GET' | 'POST'; body?: unknown; expectStatus?: number } = {}): Promise<T> => {
    const deadline = performance.now() + options.timeoutMs;
    let answer: Answer;
    try {
      const token = await options.tokens.getToken();
      const requestId = currentRequestId();
      const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
      answer = await exchange(
        agent,
        new URL(path, options.baseUrl),
        {
          method: request.method ?? 'GET',
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
          },
        },
        payload,
        deadline,
      );
    } catch (error) {
      throw unavailable(`${capitalised} could not be reached`, { cause: error });
    }
    if (answer.status !== (request.expectStatus ?? 200)) {
      throw unavailable(`${capitalised} answered ${answer.status}`, { status: answer.status });
    }
    try {
      return JSON.parse(answer.body.toString('utf8')) as T;
    } catch (error) {
      throw unavailable(`${capitalised} answered with a body that is not JSON`, { cause: error });
    }
  };
}
