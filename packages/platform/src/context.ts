import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What travels with one unit of work (an HTTP request or a consumed message):
 * the request id that ties logs, outbox rows and published messages together.
 */
export type RequestContext = {
  requestId: string;
};

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` visible to everything it calls, synchronously or not. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current unit of work's context, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current request id, or undefined outside a request or message handler. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Header name used for the request id, on HTTP and on AMQP messages alike. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Accepts a caller's request id only if it is short and plain, otherwise makes one. */
export function acceptOrCreateRequestId(candidate: unknown): string {
  if (typeof candidate === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(candidate)) return candidate;
  return randomUUID();
}
