// Ingest is limited in readings, not requests: a gateway sending one batch of 1 000 readings and one sending
// 1 000 single readings use the same budget. A fixed one-minute window per key, in Redis when configured (so
// processes share it) or in memory; a Redis failure lets the readings through, as the request limits do.
import type { Redis } from 'ioredis';

export interface BudgetResult {
  allowed: boolean;
  /** Readings left in this window (0 once exceeded). */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Adds ARGV[1] readings unless that would pass ARGV[3]; returns {used (with them when allowed), ttl ms}. */
const TAKE = `
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); t = tonumber(ARGV[2]) end
if c > tonumber(ARGV[3]) then redis.call('DECRBY', KEYS[1], ARGV[1]) end
return {c, t}`;

export class ReadingBudget {
  private readonly windows = new Map<string, { used: number; resetAt: number }>();
  private lastSweep = 0;

  constructor(
    readonly max: number,
    private readonly windowMs: number,
    private readonly redis: Redis | null,
    private readonly prefix: string,
    private readonly onRedisError?: (err: unknown) => void,
  ) {}

  /** Counts `n` readings against `key`; a request that would go over the budget is refused whole. */
  async take(key: string, n: number): Promise<BudgetResult> {
    if (this.redis && this.redis.status === 'ready') {
      try {
        const [used, ttl] = (await this.redis.eval(TAKE, 1, this.prefix + key, n, this.windowMs, this.max)) as [number, number];
        return this.result(Number(used), Number(ttl));
      } catch (err) {
        this.onRedisError?.(err);
        return { allowed: true, remaining: this.max, resetSeconds: Math.ceil(this.windowMs / 1000) };
      }
    }
    const now = Date.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) this.windows.set(key, (w = { used: 0, resetAt: now + this.windowMs }));
    const used = w.used + n;
    // Refused readings are not written, so they do not use up the budget: a smaller request may still pass.
    if (used <= this.max) w.used = used;
    return this.result(used, w.resetAt - now);
  }

  private result(used: number, ttlMs: number): BudgetResult {
    const allowed = used <= this.max;
    return { allowed, remaining: allowed ? this.max - used : 0, resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}
