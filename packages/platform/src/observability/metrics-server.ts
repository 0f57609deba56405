import { startHttpServer } from '../http/server.js';
import type { RunningHttpServer } from '../http/server.js';
import type { ServiceMetrics } from './metrics.js';

/**
 * `GET /metrics` alone on a port of its own (`METRICS_PORT`), anything else a
 * 404: in a cluster Prometheus scrapes that port, which no Ingress routes to
 * and a NetworkPolicy opens only to the monitoring namespace.
 */
export async function startMetricsServer(metrics: ServiceMetrics, port: number, host?: string): Promise<RunningHttpServer> {
  return await startHttpServer(
    (req, res) => {
      if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?') === true)) {
        metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' }).end(text);
          },
          () => {
            res.writeHead(500).end();
          },
        );
        return;
      }
      res.writeHead(404).end();
    },
    port,
    host,
  );
}
