import { currentRequestId, REQUEST_ID_HEADER } from '../context.js';
import type { ServiceTokenProvider } from './service-token.js';

/** How a service reaches another one: its base URL, its own machine token, a time limit. */
export type ServiceCallOptions = { baseUrl: string; tokens: ServiceTokenProvider; timeoutMs: number };

/** Builds the caller's own "unavailable" error, so its callers can tell it from a bug. */
export type UnavailableError = (message: string, options: { cause?: unknown; status?: number }) => Error;

export type ServiceCall = <T>(path: string, request?: { method?: 'GET' | 'POST'; body?: unknown; expectStatus?: number }) => Promise<T>;

/**
 * Calls `{baseUrl}{path}` with the service's machine token (client
 * credentials), a time limit and the current request id, so both services'
 * logs tell one story. Anything but the expected status (200 by default), an
 * unreachable service or a body that is not JSON throws `unavailable(…)`,
 * naming `who` (e.g. "the directory") and the status only: an answer's body is
 * never kept, as a problem document may describe what was asked.
 */
export function createServiceCall(who: string, options: ServiceCallOptions, unavailable: UnavailableError): ServiceCall {
  const capitalised = `${who.charAt(0).toUpperCase()}${who.slice(1)}`;
  return async <T>(path: string, request: { method?: 'GET' | 'POST'; body?: unknown; expectStatus?: number } = {}): Promise<T> => {
    let response: Response;
    try {
      const token = await options.tokens.getToken();
      const requestId = currentRequestId();
      response = await fetch(new URL(path, options.baseUrl), {
        method: request.method ?? 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw unavailable(`${capitalised} could not be reached`, { cause: error });
    }
    if (response.status !== (request.expectStatus ?? 200)) {
      await response.body?.cancel();
      throw unavailable(`${capitalised} answered ${response.status}`, { status: response.status });
    }
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw unavailable(`${capitalised} answered with a body that is not JSON`, { cause: error });
    }
  };
}
