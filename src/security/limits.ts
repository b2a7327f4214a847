// Fixed one-minute-style windows per key, in Redis when configured (so processes share them) or in memory.
// Used for every limit: requests per address, per credential, login attempts, and ingest counted in readings
// (a gateway sending one batch of 1 000 readings and one sending 1 000 single readings use the same budget).
// A Redis failure lets the request through. In memory the answer is synchronous: no promise on the hot path.
import type { Redis } from 'ioredis';

export interface LimitResult {
  allowed: boolean;
  /** Units left in this window (0 once exceeded). */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Adds ARGV[1] units unless that would pass ARGV[3]; returns {used (with them when allowed), ttl ms}. */
const TAKE = `
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); t = tonumber(ARGV[2]) end
if c > tonumber(ARGV[3]) then redis.call('DECRBY', KEYS[1], ARGV[1]) end
return {c, t}`;

export interface LimiterOptions {
  max: number;
  windowMs: number;
  /** Shared counters; null (or not connected) counts in this process. */
  redis?: Redis | null;
  /** Redis key prefix. */
  prefix?: string;
  onRedisError?: (err: unknown) => void;
}

export class FixedWindowLimiter {
  readonly max: number;
  private readonly windowMs: number;
  private readonly redis: Redis | null;
  private readonly prefix: string;
  private readonly onRedisError?: (err: unknown) => void;
  private readonly windows = new Map<string, { used: number; resetAt: number }>();
  private lastSweep = 0;

  constructor(opts: LimiterOptions) {
    this.max = opts.max;
    this.windowMs = opts.windowMs;
    this.redis = opts.redis ?? null;
    this.prefix = opts.prefix ?? '';
    this.onRedisError = opts.onRedisError;
  }

  /**
   * Counts `n` units against `key`; a request that would go over the budget is refused whole and uses none of
   * it. Synchronous unless the counters are in Redis.
   */
  take(key: string, n = 1): LimitResult | Promise<LimitResult> {
    if (this.redis && this.redis.status === 'ready') return this.takeShared(this.redis, key, n);
    const now = Date.now();
    if (now - this.lastSweep >= this.windowMs) this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) this.windows.set(key, (w = { used: 0, resetAt: now + this.windowMs }));
    const used = w.used + n;
    if (used <= this.max) w.used = used;
    return this.result(used, w.resetAt - now);
  }

  private async takeShared(redis: Redis, key: string, n: number): Promise<LimitResult> {
    try {
      const [used, ttl] = (await redis.eval(TAKE, 1, this.prefix + key, n, this.windowMs, this.max)) as [number, number];
      return this.result(Number(used), Number(ttl));
    } catch (err) {
      this.onRedisError?.(err);
      return { allowed: true, remaining: this.max, resetSeconds: Math.ceil(this.windowMs / 1000) };
    }
  }

  private result(used: number, ttlMs: number): LimitResult {
    const allowed = used <= this.max;
    return { allowed, remaining: allowed ? this.max - used : 0, resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}
