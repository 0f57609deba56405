import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export type RunningHttpServer = {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to
   * `timeoutMs` (default 10 s), then destroys whatever sockets remain.
   * Idempotent.
   */
  close(timeoutMs?: number): Promise<void>;
};

/**
 * How long a connection may take over each part of a request. A client that
 * trickles its headers, stalls in the middle of a body or holds an idle
 * socket is disconnected instead of holding it (and the memory behind it)
 * for Node's defaults of minutes.
 */
export type HttpServerTimeouts = {
  /** Until the request's headers are all received (408 after). Default 10 s. */
  headersTimeoutMs?: number;
  /** Until the whole request, body included, is received (408 after). Default 60 s. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept for the next request. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** A socket with no traffic either way for this long is destroyed. Default 60 s. */
  idleTimeoutMs?: number;
};

export const DEFAULT_HTTP_TIMEOUTS: Required<HttpServerTimeouts> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
};

/**
 * Listens with `app` on `port` (0 for any free port) and `host` (all
 * interfaces by default) and returns a handle whose `close` drains gracefully.
 */
export async function startHttpServer(
  app: RequestListener,
  port: number,
  host?: string,
  timeouts: HttpServerTimeouts = {},
): Promise<RunningHttpServer> {
  const limits = { ...DEFAULT_HTTP_TIMEOUTS, ...timeouts };
  // Node refuses headers waiting longer than the whole request may.
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const server = createServer({
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node looks for overdue requests at this interval (30 s by default, too coarse for short limits).
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))),
  });
  // A socket without traffic is destroyed (no `timeout` listener replaces that default).
  server.setTimeout(limits.idleTimeoutMs);
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;

  // Registered before the app so it sees every request first.
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (closing !== undefined) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      // A keep-alive socket that just became idle would otherwise hold close() open.
      if (closing !== undefined) server.closeIdleConnections();
    });
  });
  server.on('request', app);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const close = (timeoutMs = 10_000): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const res of inFlight) {
        // Tell keep-alive clients of in-flight requests not to reuse the connection.
        if (!res.headersSent) res.setHeader('Connection', 'close');
      }
      const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { server, port: (server.address() as AddressInfo).port, close };
}
