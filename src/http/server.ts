// The HTTP server: Fastify with one validation setup (TypeBox schemas → Ajv + OpenAPI), request ids, the
// plugins (one per concern, in plugins/), the routes and one error handler. Scopes instead of URL matching:
//   root           request id, security headers, CORS, metrics (+ GET /metrics), docs, per-address rate limit
//   ├─ probes      /health* (never rate limited)
//   ├─ web         `/` and the dashboard's files (public)
//   └─ api         every /api/v1 route: authentication, per-credential limits, disk guard, audit, the
//                  field check of field-scoped device keys
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createBodyAjv, createParamsAjv } from '../domain/validation.js';
import type { SecurityServices } from '../security/services.js';
import type { AppContext } from './context.js';
import { registerErrorHandling } from './errors.js';
import { auditPlugin } from './plugins/audit.js';
import { authPlugin } from './plugins/auth.js';
import { corsPlugin } from './plugins/cors.js';
import { headersPlugin } from './plugins/headers.js';
import { metricsPlugin } from './plugins/metrics.js';
import { credentialRateLimitPlugin, ipRateLimitPlugin, loginLimit } from './plugins/rate-limit.js';
import { requestIdPlugin } from './plugins/request-id.js';
import { wellFieldsPlugin } from './plugins/well-fields.js';
import { writeGuardPlugin } from './plugins/write-guard.js';
import { registerTextGuard } from './text-guard.js';
import { registerApiRoutes, securityRoutes } from './routes/index.js';
import { healthRoutes } from './routes/health.js';
import { rootRoutes } from './routes/root.js';
import { typed } from './routes/typed.js';

export interface ServerExtensions {
  /** Told of every route as it is registered (route inventories in tests). */
  onRoute?: (route: RouteOptions) => void;
  /**
   * Security and operations services: with them, security headers, CORS, rate limits, user tokens and device
   * keys, the audit log, metrics and the caches; without them the API knows the admin key only.
   */
  security?: SecurityServices;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Marks every route of a scope as never rate limited (health probes). */
function neverRateLimited(route: RouteOptions): void {
  route.config = { ...(route.config as object), rateLimit: false };
}

export async function buildServer(ctx: AppContext, ext: ServerExtensions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    trustProxy: ctx.config.security.trustProxy as boolean | string, // a number (hop count) works too
    forceCloseConnections: false,
    return503OnClosing: true,
  });

  const onRoute = ext.onRoute;
  if (onRoute) app.addHook('onRoute', (route) => onRoute(route));
  const security = ext.security;
  const production = ctx.config.app.environment === 'production';
  await app.register(requestIdPlugin);
  if (security) {
    await app.register(headersPlugin, { production });
    await app.register(corsPlugin, { allowedOrigins: ctx.config.security.allowedOrigins });
    await app.register(metricsPlugin, { source: ctx });
  }

  const bodyAjv = createBodyAjv();
  const paramsAjv = createParamsAjv();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : paramsAjv).compile(schema as object),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ESP IoT Platform API',
        version: ctx.config.app.version,
        description: 'Telemetry, physics-grounded diagnostics and alarms for wells lifted by Electric Submersible Pumps.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key or access token' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: ({ schema, url }) => {
      // Public routes (health, docs) carry no security requirement in the spec.
      if (!url.startsWith('/api/v1/') || url.startsWith('/api/v1/auth/login') || url.startsWith('/api/v1/auth/refresh')) {
        return { schema: { ...(schema ?? {}), security: [] } as typeof schema, url };
      }
      return { schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs', uiConfig: { deepLinking: true } });
  app.get('/api/v1/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());
  // The original platform published its spec as YAML and a ReDoc page; the same document, and the docs we have.
  app.get('/api/v1/openapi.yaml', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })),
  );
  app.get('/api/v1/redoc', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.redirect('/api/v1/docs', 302),
  );

  registerErrorHandling(app);
  registerTextGuard(app);
  if (security) await app.register(ipRateLimitPlugin, { limits: security.limits });

  await app.register(async (probes) => {
    probes.addHook('onRoute', neverRateLimited);
    await healthRoutes(typed(probes), ctx);
  });
  await app.register(async (web) => rootRoutes(typed(web), ctx));
  await app.register(async (api) => {
    await api.register(authPlugin, { authenticator: ctx.authenticator });
    if (ctx.diskGuard) await api.register(writeGuardPlugin, { guard: ctx.diskGuard });
    if (security) {
      await api.register(credentialRateLimitPlugin, { limits: security.limits });
      await api.register(auditPlugin, { audit: security.audit });
      await api.register(wellFieldsPlugin, { fields: ctx.wellFields });
    }
    // After the plugins above: each route group inherits the hooks registered before it.
    await registerApiRoutes(api, ctx);
    if (security) await securityRoutes(typed(api), ctx, { service: security.service, audit: security.audit, loginLimit: loginLimit(security.limits) });
  });
  return app;
}
