// `/`: browsers get the dashboard (when built), API clients get JSON describing the service.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../context.js';
import type { TypedApp } from './typed.js';

export function webDistDir(): string | null {
  for (const rel of ['../../../web/dist/', '../../../../web/dist/']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p + 'index.html')) return p;
  }
  return null;
}

export async function rootRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  const web = webDistDir();
  if (web) {
    // One route per built file (no wildcard), so unknown paths still get the JSON 404.
    await app.register(fastifyStatic, { root: web, prefix: '/', wildcard: false, index: false, cacheControl: true, maxAge: '1h' });
  }
  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const accept = req.headers.accept ?? '';
    if (web && accept.includes('text/html')) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    // The original platform's fields (`endpoints.*` and `documentation.*` as single paths), then every route.
    return {
      name: 'ESP IoT Platform',
      service: ctx.config.app.serviceName,
      version: ctx.config.app.version,
      environment: ctx.config.app.environment,
      api_version: 'v1',
      storage: ctx.repo.kind,
      dashboard: web ? '/' : null,
      endpoints: {
        health: '/health',
        authentication: '/api/v1/auth',
        telemetry: '/api/v1/telemetry',
        diagnostics: '/api/v1/diagnostics',
        wells: '/api/v1/wells',
        alarms: '/api/v1/alarms',
        realtime: { sse: '/api/v1/events' },
        docs: '/api/v1/docs',
        openapi: '/api/v1/openapi.json',
        metrics: '/metrics',
      },
      documentation: {
        swagger_ui: '/api/v1/docs',
        redoc: '/api/v1/redoc',
        openapi_spec: '/api/v1/openapi.yaml',
        openapi_json: '/api/v1/openapi.json',
      },
      routes: {
        health: ['/health', '/health/live', '/health/ready', '/health/startup'],
        telemetry: [
          'POST /api/v1/telemetry/ingest',
          'POST /api/v1/telemetry/batch',
          'POST /api/v1/telemetry/import',
          'GET /api/v1/telemetry/wells/{id}/latest',
          'GET /api/v1/telemetry/wells/{id}/history',
          'GET /api/v1/telemetry/wells/{id}/summary',
        ],
        wells: ['GET /api/v1/wells', 'POST /api/v1/wells', 'GET|PUT|DELETE /api/v1/wells/{id}'],
        diagnostics: [
          'POST /api/v1/diagnostics/analyze',
          'POST /api/v1/diagnostics/wells/{id}/analyze-latest',
          'GET /api/v1/diagnostics/wells/{id}/history',
          'GET /api/v1/diagnostics/critical',
        ],
        alarms: ['GET /api/v1/alarms', 'POST /api/v1/alarms/{id}/ack'],
        live: 'GET /api/v1/events',
      },
    };
  });
}
