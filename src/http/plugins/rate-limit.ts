// Rate limits, counted by the limiters of security/limits.ts (in memory, or in Redis when configured):
// - ipRateLimitPlugin (root): every request per client address, before authentication, so floods of bad
//   credentials count too; reading writes get the ingest budget (a gateway posting single readings sends one
//   request per reading). Routes with `config.rateLimit: false` (probes, scrapes) are never limited.
// - credentialRateLimitPlugin (the authenticated scope, after auth): requests per credential, so one key cannot
//   starve others behind the same address; reading writes counted in readings, once the body is valid.
// - loginLimit: login attempts per address and per username (called by the login route).
import type { FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { RateLimitError } from '../../domain/errors.js';
import type { Principal } from '../../domain/identity.js';
import type { FixedWindowLimiter, LimitResult } from '../../security/limits.js';
import type { RateLimiters } from '../../security/services.js';
import { metrics } from '../metrics.js';
import { AUTH_PLUGIN } from './auth.js';
import { addRouteHook } from './route-hooks.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `false`: never rate limited (health probes, the metrics scrape). `'readings'`: a reading write, limited
     * in readings per credential and by the ingest budget per address.
     */
    rateLimit?: false | 'readings';
  }
}

type Done = (err?: Error) => void;

/** Applies a limiter's answer: headers, and a 429 when refused (with `refusal`, or a message naming the limit). */
function settle(
  r: LimitResult,
  limiter: FixedWindowLimiter,
  name: string,
  reply: FastifyReply,
  headers: boolean,
  refusal = `Rate limit exceeded (${name}), retry in ${r.resetSeconds} s`,
): RateLimitError | undefined {
  if (r.allowed) {
    if (headers) {
      reply.header('x-ratelimit-limit', String(limiter.max));
      reply.header('x-ratelimit-remaining', String(r.remaining));
    }
    return undefined;
  }
  metrics.rateLimited.inc({ limit: name });
  reply.header('x-ratelimit-limit', String(limiter.max));
  reply.header('x-ratelimit-remaining', '0');
  return new RateLimitError(refusal, r.resetSeconds);
}

/** Counts one request; synchronous when the counters are in memory. */
function enforce(limiter: FixedWindowLimiter, key: string, name: string, reply: FastifyReply, done: Done): void {
  const r = limiter.take(key);
  if (r instanceof Promise) r.then((x) => done(settle(x, limiter, name, reply, name !== 'login')), done);
  else done(settle(r, limiter, name, reply, name !== 'login'));
}

export function credentialKey(p: Principal | null): string {
  return p?.kind === 'device-key' ? `key:${p.keyId}` : p?.kind === 'user' ? `user:${p.name}` : 'admin-key';
}

/** Readings a telemetry write carries (the schema is checked before: an odd body counts as one). */
function readingCount(body: unknown): number {
  const readings = (body as { readings?: unknown } | null | undefined)?.readings;
  return Array.isArray(readings) ? Math.max(1, readings.length) : 1;
}

export interface RateLimitOptions {
  limits: RateLimiters;
}

export const ipRateLimitPlugin = fp<RateLimitOptions>(
  (app, { limits }, done) => {
    app.addHook('onRequest', (req, reply, next) => {
      const mode = req.routeOptions.config?.rateLimit;
      if (mode === false) return next();
      if (mode === 'readings') enforce(limits.perIpIngest, req.ip, 'ip-ingest', reply, next);
      else enforce(limits.perIp, req.ip, 'ip', reply, next);
    });
    done();
  },
  { name: 'esp-ip-rate-limit', fastify: '5.x' },
);

export const credentialRateLimitPlugin = fp<RateLimitOptions>(
  (app, { limits }, done) => {
    // Needs the principal: registered after (and in the scope of) the auth plugin, whose route hook runs first.
    const perCredential: onRequestHookHandler = (req, reply, next) => {
      if (!req.principal) return next();
      enforce(limits.perCredential, credentialKey(req.principal), 'key', reply, next);
    };
    // Readings per credential, once the body is valid: a batch of n readings counts n (an invalid body is
    // refused before, and limited by the per-address ingest budget).
    const perCredentialReadings: preHandlerHookHandler = (req, reply, next) => {
      if (!req.principal) return next();
      const n = readingCount(req.body);
      const budget = limits.readings;
      const apply = (r: LimitResult) =>
        next(settle(r, budget, 'readings', reply, true, `Rate limit exceeded (readings: ${budget.max} a minute per key, this request has ${n}), retry in ${r.resetSeconds} s`));
      const r = budget.take(credentialKey(req.principal), n);
      if (r instanceof Promise) r.then(apply, next);
      else apply(r);
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.permission === 'public') return; // no credential to count
      if (route.config?.rateLimit === 'readings') addRouteHook(route, 'preHandler', perCredentialReadings);
      else addRouteHook(route, 'onRequest', perCredential);
    });
    done();
  },
  { name: 'esp-credential-rate-limit', fastify: '5.x', dependencies: [AUTH_PLUGIN] },
);

/** Login attempts, per address and per username (the login route calls it with the name tried). */
export function loginLimit(limits: RateLimiters): (req: FastifyRequest, reply: FastifyReply, username: string) => Promise<void> {
  const once = (limiter: FixedWindowLimiter, key: string, reply: FastifyReply) =>
    new Promise<void>((resolve, reject) => enforce(limiter, key, 'login', reply, (err) => (err ? reject(err) : resolve())));
  return async (req, reply, username) => {
    await once(limits.loginIp, req.ip, reply);
    await once(limits.loginUser, username, reply);
  };
}
