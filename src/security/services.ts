// The security and operations services, built once by the composition root and handed to the HTTP plugins
// that use them: the optional Redis connection, the latest-reading and fleet caches, users/tokens/device keys
// (with the access-token signer), the audit log and the rate limiters. Plain objects: nothing here knows about HTTP.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DependencyCheck } from '../domain/lifecycle.js';
import { MemoryFleetCache, RedisFleetCache, type FleetCache } from '../cache/fleet-cache.js';
import { MemoryLatestCache, RedisLatestCache, type LatestCache } from '../cache/latest-cache.js';
import { closeRedis, openRedis } from '../cache/redis.js';
import type { Repository } from '../storage/repository.js';
import { AuditLog } from './audit.js';
import { FixedWindowLimiter } from './limits.js';
import { resolveSecretKey } from './secret-key.js';
import { SecurityService } from './service.js';
import { hs256Signer } from './tokens.js';

/** How long a fleet list may be served from the cache (live changes reach dashboards over SSE meanwhile). */
const FLEET_TTL_MS = 2_000;
const MINUTE = 60_000;

export interface RateLimiters {
  /** Requests per client address (before authentication: floods of bad credentials count). */
  perIp: FixedWindowLimiter;
  /** Reading writes per client address: a gateway posting single readings sends one request per reading. */
  perIpIngest: FixedWindowLimiter;
  /** Requests per credential, so one key cannot starve others behind the same address. */
  perCredential: FixedWindowLimiter;
  /** Readings per credential (a batch of n counts n). */
  readings: FixedWindowLimiter;
  /** Login attempts per address and per username. */
  loginIp: FixedWindowLimiter;
  loginUser: FixedWindowLimiter;
}

export interface SecurityServicesOptions {
  config: Config;
  log: Logger;
  repo: Repository;
  /** An audit entry could not be stored (the metrics count it). */
  onAuditWriteFailed?: () => void;
}

export class SecurityServices {
  private constructor(
    readonly service: SecurityService,
    readonly audit: AuditLog,
    readonly redis: Redis | null,
    readonly latest: LatestCache,
    readonly fleet: FleetCache,
    readonly limits: RateLimiters,
  ) {}

  static async open({ config, log, repo, onAuditWriteFailed }: SecurityServicesOptions): Promise<SecurityServices> {
    const sec = config.security;
    const store = repo.security;
    const redis = sec.redisUrl ? await openRedis(sec.redisUrl, log) : null;
    const cacheError = (err: unknown, op: string) => log.warn({ err: (err as Error).message, op }, 'latest cache failed; served from storage');
    const latest: LatestCache = redis
      ? new RedisLatestCache(redis, `${sec.redisPrefix}latest:`, 300_000, cacheError)
      : new MemoryLatestCache(repo.kind === 'pglite' ? Number.POSITIVE_INFINITY : 2_000);
    const fleet: FleetCache = redis
      ? new RedisFleetCache(redis, `${sec.redisPrefix}fleet:`, FLEET_TTL_MS, cacheError)
      : new MemoryFleetCache(FLEET_TTL_MS);
    const service = new SecurityService(store, {
      accessTokenTtlSeconds: sec.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: sec.refreshTokenTtlSeconds,
      signer: hs256Signer(resolveSecretKey(config).key, sec.accessTokenTtlSeconds),
    });
    const limiter = (name: string, max: number) =>
      new FixedWindowLimiter({
        max,
        windowMs: MINUTE,
        redis,
        prefix: `${sec.redisPrefix}rl:${name}:`,
        onRedisError: (err) => log.warn({ err: (err as Error).message, limit: name }, 'rate limit not checked (redis)'),
      });
    const loginMax = Math.max(5, Math.min(30, sec.rateLimitPerMinute));
    return new SecurityServices(service, new AuditLog(store, log, onAuditWriteFailed), redis, latest, fleet, {
      perIp: limiter('ip', sec.rateLimitPerMinute),
      perIpIngest: limiter('ip-ingest', sec.ingestRateLimitPerMinute),
      perCredential: limiter('key', sec.rateLimitPerMinute),
      readings: limiter('readings', sec.ingestRateLimitPerMinute),
      loginIp: limiter('login-ip', loginMax),
      loginUser: limiter('login-user', loginMax),
    });
  }

  /** Health check of the cache connection, when there is one (not required: everything falls back). */
  get dependency(): DependencyCheck | null {
    const redis = this.redis;
    if (!redis) return null;
    return {
      name: 'cache',
      required: false,
      check: async () => {
        await redis.ping();
        return { type: 'redis' };
      },
    };
  }

  /** Every minute: expired refresh tokens go. */
  purge(): Promise<void> {
    return this.service.purge();
  }

  async close(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }
}
