// Request counters and latency for every route, storage errors answered to clients, and the public
// GET /metrics (never rate limited). The running app's state (queue depth, diagnoses, alarms …) is read at
// scrape time through bindMetrics.
import fp from 'fastify-plugin';
import type { AppContext } from '../context.js';
import { bindMetrics, metrics, registry } from '../metrics.js';

export interface MetricsOptions {
  /** The app whose state the scrape-time gauges read. */
  source: AppContext;
}

export const metricsPlugin = fp<MetricsOptions>(
  (app, { source }, done) => {
    const unbind = bindMetrics(source);
    app.addHook('onClose', (_app, next) => {
      unbind();
      next();
    });
    app.addHook('onResponse', (req, reply, next) => {
      metrics.http.record(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      next();
    });
    app.addHook('onError', (_req, _reply, err, next) => {
      const code = (err as { code?: string }).code;
      if (code === 'DATABASE_ERROR' || code === 'CONNECTION_ERROR') metrics.storageErrors.inc({ operation: 'request' });
      next();
    });
    app.get('/metrics', { config: { permission: 'public', rateLimit: false }, schema: { hide: true } }, async (_req, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).header('cache-control', 'no-store').send(body);
    });
    done();
  },
  { name: 'esp-metrics', fastify: '5.x' },
);
