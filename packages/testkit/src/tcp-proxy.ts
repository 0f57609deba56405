import { createServer, connect, type Server, type Socket } from 'node:net';

export type TcpProxy = {
  host: string;
  port: number;
  /** `url` with its host and port replaced by the proxy's (credentials, path and query kept). */
  url(url: string): string;
  /** Destroys every open connection and refuses new ones until `restore()`. */
  cut(): void;
  /** Accepts and forwards connections again. */
  restore(): void;
  /** Whether the proxy is currently cut. */
  isCut(): boolean;
  /** Connections currently open through the proxy. */
  connectionCount(): number;
  close(): Promise<void>;
};

/**
 * A TCP proxy on 127.0.0.1 (random port) in front of a real server, so a test
 * can make that server "unreachable" for one client, by cutting the proxy,
 * without touching the server that other tests share.
 */
export async function startTcpProxy(options: { targetHost: string; targetPort: number }): Promise<TcpProxy> {
  const { targetHost, targetPort } = options;
  const pairs = new Set<[Socket, Socket]>();
  let cut = false;

  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const teardown = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', teardown);
    upstream.on('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('TCP proxy has no port');
  const port = address.port;

  const destroyAll = (): void => {
    for (const [client, upstream] of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    host: '127.0.0.1',
    port,
    url(url: string): string {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut(): void {
      cut = true;
      destroyAll();
    },
    restore(): void {
      cut = false;
    },
    isCut: () => cut,
    connectionCount: () => pairs.size,
    async close(): Promise<void> {
      cut = true;
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
