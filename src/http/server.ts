// The HTTP server: Fastify with one validation setup (TypeBox schemas → Ajv + OpenAPI), request ids,
// authentication, the routes, and one error handler.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createBodyAjv, createParamsAjv } from '../domain/validation.js';
import { registerAuth } from './auth.js';
import type { AppContext } from './context.js';
import { registerErrorHandling } from './errors.js';
import { registerTextGuard } from './text-guard.js';
import { registerRoutes } from './routes/index.js';

export interface ServerExtensions {
  /** Registered before the route groups, which inherit their global hooks (security, ingest counters, metrics …). */
  plugins?: ((app: FastifyInstance, ctx: AppContext) => Promise<void>)[];
  /** Runs before auth is registered: global hooks such as rate limits, CORS, headers. */
  early?: ((app: FastifyInstance, ctx: AppContext) => Promise<void>)[];
  /** Told of every route registered from the global hooks on (route inventories in tests). */
  onRoute?: (route: RouteOptions) => void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

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

  // Hooks on every request are written in callback style: an async hook costs a promise and a turn of the
  // microtask queue, which adds up at thousands of requests a second.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });

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
  const onRoute = ext.onRoute;
  if (onRoute) app.addHook('onRoute', (route) => onRoute(route));
  for (const fn of ext.early ?? []) await fn(app, ctx);
  registerAuth(app, ctx.authenticator);
  const guard = ctx.diskGuard;
  if (guard) {
    // Disk nearly full: every API write is refused with 507 (reads, health and sign-in keep working, and
    // sign-in's few bytes fit in the space kept free).
    app.addHook('preHandler', (req, _reply, done) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || !req.url.startsWith('/api/') || req.url.startsWith('/api/v1/auth/')) {
        return done();
      }
      try {
        guard.assertWritable();
        done();
      } catch (err) {
        done(err as Error);
      }
    });
  }

  for (const fn of ext.plugins ?? []) await fn(app, ctx);
  // After the module plugins: the route groups inherit every global hook they add.
  await registerRoutes(app, ctx);
  return app;
}
