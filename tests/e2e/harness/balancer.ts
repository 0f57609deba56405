/**
 * What a Kubernetes Service does in front of a Deployment's pods, for the
 * end-to-end tests that run several processes of one service: an HTTP
 * balancer on 127.0.0.1 handing each request to the next instance in turn
 * (per request, not per connection, so that one keep-alive client still
 * alternates). An instance that refuses the connection (killed, not yet
 * started) is skipped, as a Service drops a pod that is gone; a request in
 * flight when its instance dies is answered 502 and not retried here: the
 * client retries it, as a client of a real cluster must.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Balancer = {
  url: string;
  /** The instances' base URLs (`http://127.0.0.1:port`), taken in turn from the next request on. */
  setBackends(urls: readonly string[]): void;
  /** Requests each instance answered (any status), by base URL, since the start. */
  answered(): Record<string, number>;
  close(): Promise<void>;
};

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

export async function startBalancer(): Promise<Balancer> {
  let backends: URL[] = [];
  let next = 0;
  const counts = new Map<string, number>();

  const forward = (backend: URL, req: IncomingMessage, body: Buffer): Promise<{ refused: true } | { refused: false; response: IncomingMessage }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      headers['content-length'] = String(body.length);
      const upstream = httpRequest({ host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers });
      upstream.once('response', (response) => resolve({ refused: false, response }));
      // `on`, not `once`: a reset after the answer began comes here too, and must not go unhandled.
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') resolve({ refused: true });
        else reject(error);
      });
      upstream.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const candidates = backends.length;
    for (let tried = 0; tried < candidates; tried += 1) {
      const backend = backends[next % backends.length];
      next += 1;
      if (backend === undefined) break;
      let outcome: Awaited<ReturnType<typeof forward>>;
      try {
        outcome = await forward(backend, req, body);
      } catch {
        // Connected, then lost (the instance died with the request in hand): the client must retry.
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/problem+json' }).end('{"title":"Bad gateway","status":502}');
        return;
      }
      if (outcome.refused) continue;
      const { response } = outcome;
      counts.set(backend.origin, (counts.get(backend.origin) ?? 0) + 1);
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      res.writeHead(response.statusCode ?? 502, headers);
      response.on('error', () => res.destroy());
      response.pipe(res);
      return;
    }
    res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"title":"No instance is available","status":503}');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends: (urls) => {
      backends = urls.map((u) => new URL(u));
    },
    answered: () => Object.fromEntries(counts),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
