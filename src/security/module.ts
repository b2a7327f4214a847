// The security and operations module: security headers, CORS, rate limits (per IP, per credential, per
// login), user tokens and device keys as credential resolvers, the audit log, Prometheus metrics and the
// latest-reading cache (Redis when REDIS_URL is set, else memory).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCors from '@fastify/cors';
import helmet, { type HelmetOptions } from 'helmet';
import fastifyJwt from '@fastify/jwt';
import fastifyRateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import type { Transport } from '../domain/lifecycle.js';
import type { ServerExtensions } from '../http/server.js';
import { MemoryLatestCache, RedisLatestCache, type LatestCache } from '../cache/latest-cache.js';
import { MemoryFleetCache, RedisFleetCache } from '../cache/fleet-cache.js';
import { RateLimitError } from '../domain/errors.js';
import type { AppContext } from '../http/context.js';
import { bindMetrics, metrics, metricsPlugin } from '../http/metrics.js';
import { securityRoutes } from '../http/routes/security.js';
import { SecurityRepository } from '../storage/security-repository.js';
import { AuditLog, registerAuditHook } from './audit.js';
import { ReadingBudget } from './reading-limit.js';
import { resolveSecretKey } from './secret-key.js';
import { ISSUER, SecurityService, type AccessClaims } from './service.js';

/** Runs helmet once against a stand-in response and keeps the headers it would set. */
function staticHelmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (k: string, v: unknown) => void (headers[k.toLowerCase()] = String(v)),
    removeHeader: (k: string) => void delete headers[k.toLowerCase()],
    getHeader: (k: string) => headers[k.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => void (failure = err));
  if (failure) throw failure;
  return headers;
}

/** How long a fleet list may be served from the cache (live changes reach dashboards over SSE meanwhile). */
const FLEET_TTL_MS = 2_000;

type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number; remaining?: number; max?: number }>;

declare module 'fastify' {
  interface FastifyInstance {
    createRateLimit(options?: Record<string, unknown>): Limiter;
  }
}

const MINUTE = 60_000;
/** Probes and scrapes are never rate limited. */
const UNLIMITED = /^\/(health(\/|$|\?)|metrics($|\?))/;
/** Ingest writes counted in readings (per key) rather than in requests. */
const READING_ROUTES = new Set(['/api/v1/telemetry/ingest', '/api/v1/telemetry/batch']);
const isReadingWrite = (req: FastifyRequest) => req.method === 'POST' && READING_ROUTES.has(req.routeOptions?.url ?? '');
/** Readings a telemetry write carries (the schema is checked later: an odd body counts as one). */
function readingCount(body: unknown): number {
  const readings = (body as { readings?: unknown } | null | undefined)?.readings;
  return Array.isArray(readings) ? Math.max(1, readings.length) : 1;
}

export interface SecurityState {
  service: SecurityService;
  audit: AuditLog;
  redis: Redis | null;
  cache: LatestCache;
}

async function enforce(limiter: Limiter, req: FastifyRequest, reply: FastifyReply, name: string): Promise<void> {
  const r = await limiter(req);
  if (r.isAllowed) return;
  if (r.isExceeded) {
    metrics.rateLimited.inc({ limit: name });
    const after = Math.max(1, r.ttlInSeconds ?? 60);
    reply.header('x-ratelimit-limit', String(r.max ?? 0));
    reply.header('x-ratelimit-remaining', '0');
    throw new RateLimitError(`Rate limit exceeded (${name}), retry in ${after} s`, after);
  }
  if (name !== 'login' && r.max !== undefined) {
    reply.header('x-ratelimit-limit', String(r.max));
    reply.header('x-ratelimit-remaining', String(r.remaining ?? 0));
  }
}

/** Well ids a telemetry write names (single reading or batch). */
function wellIdsOf(body: unknown): string[] {
  const b = body as { well_id?: unknown; readings?: unknown } | null | undefined;
  const ids = new Set<string>();
  if (b && typeof b.well_id === 'string') ids.add(b.well_id);
  if (b && Array.isArray(b.readings)) for (const r of b.readings) if (r && typeof r.well_id === 'string') ids.add(r.well_id);
  return [...ids];
}

/** The security layer as the composition root wires it (until it is split into Fastify plugins). */
export interface SecurityModule {
  server: ServerExtensions;
  setup(ctx: AppContext, app: { refreshFields(): Promise<void> }): Promise<Transport[]>;
}

export function securityModule(): SecurityModule {
  let state: SecurityState | null = null;
  let app: { refreshFields(): Promise<void> } | null = null;
  const overlay = new Map<string, string | null>();
  let unbindMetrics: (() => void) | null = null;

  const early = async (server: FastifyInstance, ctx: AppContext): Promise<void> => {
    const { config, log } = ctx;
    const sec = config.security;
    const production = config.app.environment === 'production';
    const store = SecurityRepository.of(ctx.repo);

    let redis: Redis | null = null;
    if (sec.redisUrl) {
      redis = new Redis(sec.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000 });
      let lastWarn = 0;
      redis.on('error', (err: Error) => {
        if (Date.now() - lastWarn > 30_000) {
          lastWarn = Date.now();
          log.warn({ err: err.message }, 'redis error');
        }
      });
      await redis.connect().catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable at start; limits and cache fall back'));
      const r = redis;
      ctx.dependencies.push({
        name: 'cache',
        required: false,
        check: async () => {
          await r.ping();
          return { type: 'redis' };
        },
      });
    }
    const cacheError = (err: unknown, op: string) => log.warn({ err: (err as Error).message, op }, 'latest cache failed; served from storage');
    const cache: LatestCache = redis
      ? new RedisLatestCache(redis, `${sec.redisPrefix}latest:`, 300_000, cacheError)
      : new MemoryLatestCache(ctx.repo.kind === 'pglite' ? Number.POSITIVE_INFINITY : 2_000);

    ctx.fleet = redis
      ? new RedisFleetCache(redis, `${sec.redisPrefix}fleet:`, FLEET_TTL_MS, cacheError)
      : new MemoryFleetCache(FLEET_TTL_MS);

    state = {
      service: new SecurityService(store, {
        accessTokenTtlSeconds: sec.accessTokenTtlSeconds,
        refreshTokenTtlSeconds: sec.refreshTokenTtlSeconds,
      }),
      audit: new AuditLog(store, log),
      redis,
      cache,
    };

    // ---- headers: CSP relaxed only as far as the Swagger UI and the dashboard need; HSTS in production.
    // helmet's headers do not depend on the request (no CSP nonces): computed once, set on every reply.
    const headers = staticHelmetHeaders({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          baseUri: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          ...(production ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      crossOriginEmbedderPolicy: false,
      hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    });
    server.addHook('onRequest', (_req, reply, done) => {
      reply.headers(headers);
      done();
    });

    // ---- CORS from the allowlist; "*" (development only, refused in production by the config) never with credentials.
    const origins = sec.allowedOrigins;
    if (origins.length) {
      const wildcard = origins.includes('*');
      await server.register(fastifyCors, {
        origin: wildcard ? '*' : origins,
        credentials: !wildcard,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'],
        exposedHeaders: ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
        maxAge: 600,
      });
    }

    // ---- rate limits: per IP before authentication (floods of bad credentials included).
    await server.register(fastifyRateLimit, {
      global: false,
      max: sec.rateLimitPerMinute,
      timeWindow: MINUTE,
      skipOnError: true,
      nameSpace: `${sec.redisPrefix}rl:`,
      ...(redis ? { redis } : {}),
    });
    const perIp = server.createRateLimit({ keyGenerator: (req: FastifyRequest) => `ip:${req.ip}`, max: sec.rateLimitPerMinute });
    // A gateway posting single readings sends as many requests as readings: its address gets the ingest budget.
    const perIpIngest = server.createRateLimit({ keyGenerator: (req: FastifyRequest) => `ip-ingest:${req.ip}`, max: sec.ingestRateLimitPerMinute });
    server.addHook('onRequest', async (req, reply) => {
      if (UNLIMITED.test(req.url)) return;
      if (isReadingWrite(req)) await enforce(perIpIngest, req, reply, 'ip-ingest');
      else await enforce(perIp, req, reply, 'ip');
    });
  };

  const plugins = async (server: FastifyInstance, ctx: AppContext): Promise<void> => {
    const s = state!;
    const { config } = ctx;

    // ---- access tokens: HS256 only (alg "none" and others refused), issuer and expiry required.
    const secret = resolveSecretKey(config);
    await server.register(fastifyJwt, {
      secret: secret.key,
      sign: { algorithm: 'HS256', iss: ISSUER },
      verify: { algorithms: ['HS256'], allowedIss: ISSUER, requiredClaims: ['exp', 'sub', 'iss'] },
    });
    s.service.signer = {
      sign: (claims, ttlSeconds) => server.jwt.sign({ ...claims }, { expiresIn: `${ttlSeconds}s` }),
      verify: (token) => server.jwt.verify<AccessClaims>(token),
    };
    ctx.authenticator.addResolver((credential) => s.service.resolveDeviceKey(credential));
    ctx.authenticator.addResolver((credential) => s.service.resolveAccessToken(credential));

    // ---- per credential (after authentication), so one key cannot starve others behind the same IP.
    const credentialOf = (req: FastifyRequest) => {
      const p = req.principal;
      return p?.kind === 'device-key' ? `key:${p.keyId}` : p?.kind === 'user' ? `user:${p.name}` : 'admin-key';
    };
    const perKey = server.createRateLimit({ keyGenerator: credentialOf, max: config.security.rateLimitPerMinute });
    server.addHook('onRequest', async (req, reply) => {
      if (req.principal && !isReadingWrite(req)) await enforce(perKey, req, reply, 'key');
    });
    // Readings per credential, once the body is valid: a batch of n readings counts n (an invalid body is
    // refused before, and limited by the per-IP ingest budget).
    const readingBudget = new ReadingBudget(config.security.ingestRateLimitPerMinute, MINUTE, s.redis, `${config.security.redisPrefix}rl-readings:`, (err) =>
      ctx.log.warn({ err: (err as Error).message }, 'reading rate limit not checked (redis)'),
    );
    server.addHook('preHandler', async (req, reply) => {
      if (!req.principal || !isReadingWrite(req)) return;
      const n = readingCount(req.body);
      const r = await readingBudget.take(credentialOf(req), n);
      reply.header('x-ratelimit-limit', String(readingBudget.max));
      reply.header('x-ratelimit-remaining', String(r.remaining));
      if (!r.allowed) {
        metrics.rateLimited.inc({ limit: 'readings' });
        throw new RateLimitError(
          `Rate limit exceeded (readings: ${readingBudget.max} a minute per key, this request has ${n}), retry in ${r.resetSeconds} s`,
          r.resetSeconds,
        );
      }
    });
    const loginMax = Math.max(5, Math.min(30, config.security.rateLimitPerMinute));
    const loginUser = new WeakMap<FastifyRequest, string>();
    const perLoginIp = server.createRateLimit({ keyGenerator: (req: FastifyRequest) => `login-ip:${req.ip}`, max: loginMax });
    const perLoginUser = server.createRateLimit({
      keyGenerator: (req: FastifyRequest) => `login-user:${loginUser.get(req) ?? ''}`,
      max: loginMax,
    });

    // ---- field-scoped device keys: the field of each written well comes from storage, so wells registered
    // or moved after start (by any process) are judged correctly.
    const base = ctx.fieldOf.bind(ctx);
    ctx.fieldOf = (wellId) => (overlay.has(wellId) ? overlay.get(wellId) : base(wellId));
    server.addHook('preHandler', (req, _reply, done) => {
      const p = req.principal;
      const ids = p?.kind === 'device-key' && p.scope?.field && req.method === 'POST' ? wellIdsOf(req.body) : [];
      if (!ids.length) return done();
      s.service.store.fieldsOf(ids).then((fields) => {
        if (overlay.size > 100_000) overlay.clear();
        for (const id of ids) overlay.set(id, fields.get(id) ?? null);
        done();
      }, done);
    });
    // Well writes refresh the map (and the cache forgets deleted wells) before the client gets its answer.
    server.addHook('onSend', (req, reply, payload, done) => {
      const route = req.routeOptions?.url;
      const id =
        reply.statusCode < 300 && route?.startsWith('/api/v1/wells') && ['POST', 'PUT', 'DELETE'].includes(req.method)
          ? ((req.params as { id?: string })?.id ?? (req.body as { well_id?: string } | undefined)?.well_id)
          : undefined;
      if (typeof id !== 'string') return done(null, payload);
      const refresh = async () => {
        const fields = await s.service.store.fieldsOf([id]);
        overlay.set(id, fields.get(id) ?? null);
        if (req.method === 'DELETE') await s.cache.delete(id);
      };
      refresh().then(
        () => done(null, payload),
        (err: unknown) => {
          req.log.warn({ err }, 'could not refresh the well field map');
          done(null, payload);
        },
      );
    });

    // ---- latest readings cache, fed by the pipeline's commits (newest by timestamp wins).
    ctx.latest = s.cache;
    ctx.bus.on('readings.committed', ({ readings }) => {
      void s.cache.put(readings).catch((err: Error) => ctx.log.warn({ err: err.message }, 'latest cache update failed'));
    });

    registerAuditHook(server, s.audit);
    await metricsPlugin(server);
    unbindMetrics = bindMetrics(ctx);
    await securityRoutes(server, ctx, {
      service: s.service,
      audit: s.audit,
      loginLimit: async (req, reply, username) => {
        loginUser.set(req, username);
        await enforce(perLoginIp, req, reply, 'login');
        await enforce(perLoginUser, req, reply, 'login');
      },
    });

    server.addHook('onClose', async () => {
      unbindMetrics?.();
      // Readings still being written update the cache before the connection goes.
      await ctx.pipeline.drain(false).catch(() => undefined);
      if (s.redis) await s.redis.quit().catch(() => s.redis?.disconnect());
    });
  };

  return {
    server: { early: [early], plugins: [plugins] },
    async setup(ctx, a) {
      app = a;
      const s = state!;
      let timer: NodeJS.Timeout | null = null;
      return [
        {
          name: 'security-maintenance',
          async start() {
            // Every minute: the full well → field map (for MQTT device keys), expired refresh tokens.
            timer = setInterval(() => {
              void (async () => {
                try {
                  await app?.refreshFields();
                  overlay.clear();
                  await s.service.purge();
                } catch (err) {
                  ctx.log.warn({ err }, 'security maintenance failed');
                }
              })();
            }, MINUTE);
            timer.unref();
          },
          async stop() {
            if (timer) clearInterval(timer);
          },
        },
      ];
    },
  };
}
