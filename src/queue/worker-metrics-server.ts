import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { LoopGuard } from '../guard/loop-guard.js';
import { AppMetrics } from '../metrics/app-metrics.js';
import type { OffloadPool } from '../offload/pool.js';

/** `loopwise worker --metrics-port N`: the worker's own /metrics, its only HTTP (a worker answers no app route). */
export interface WorkerMetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves GET /metrics (and nothing else: 404) on host:port. A scrape that fails to render answers
 * 500 and is logged; it never ends the process. Keep-alive sockets are cut on close, so a
 * Prometheus connection cannot hold the worker's exit.
 */
export function serveWorkerMetrics(metrics: AppMetrics, host: string, port: number, log: Logger): Promise<WorkerMetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('loopwise worker serves only GET /metrics\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body),
      (error: unknown) => {
        log.error({ err: error }, `worker /metrics failed: ${(error as Error).message}`);
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics could not be rendered; see the worker log\n');
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (error) => log.warn({ err: error }, `worker /metrics: ${error.message}`));
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${bound}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** What the worker's metrics watch: the App's own AppMetrics when it has `metrics` on (its prefix and user metrics kept), else a fresh one. */
export interface WorkerMetricsParts {
  metrics: AppMetrics | null;
  guard: LoopGuard;
  pool: OffloadPool;
}

export function workerMetrics(parts: WorkerMetricsParts): AppMetrics {
  if (parts.metrics !== null) return parts.metrics; // the App wired its guard and pool to it already
  const metrics = new AppMetrics();
  // The loop guard's verdicts hold here too: a job's code that blocks this process's loop is named.
  parts.guard.events.blocked = (route, ms) => metrics.blocked(route, ms);
  parts.guard.events.starved = (ms) => metrics.starved(ms);
  metrics.watchLoop(() => parts.guard.loop);
  metrics.watchPool(() => parts.pool.gauge());
  return metrics;
}
