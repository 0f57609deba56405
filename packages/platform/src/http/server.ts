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
 * Listens with `app` on `port` (0 for any free port) and `host` (all
 * interfaces by default) and returns a handle whose `close` drains gracefully.
 */
export async function startHttpServer(app: RequestListener, port: number, host?: string): Promise<RunningHttpServer> {
  const server = createServer();
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
