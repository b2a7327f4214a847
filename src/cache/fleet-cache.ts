// The fleet list (every well with its current diagnosis and latest reading), as served by GET /api/v1/wells,
// kept for a couple of seconds: dashboards polling a fleet of thousands of wells then cost one query per
// period, not one per viewer. With REDIS_URL the copy lives in Redis and is shared by every API process;
// otherwise in memory. A well change in any process bumps a generation number, which retires every copy.
import type { Redis } from 'ioredis';

export interface FleetCache {
  readonly kind: 'memory' | 'redis';
  /** The cached response body for this query, or `load()` it (and keep it). Cache failures fall back to load. */
  read(query: string, load: () => Promise<string>): Promise<string>;
  /** A well was created, changed or deleted: forget every cached list. */
  invalidate(): Promise<void>;
}

export class MemoryFleetCache implements FleetCache {
  readonly kind = 'memory' as const;
  private entries = new Map<string, { body: string; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  async read(query: string, load: () => Promise<string>): Promise<string> {
    const hit = this.entries.get(query);
    if (hit && hit.expires > Date.now()) return hit.body;
    const body = await load();
    if (this.entries.size > 256) this.entries.clear();
    this.entries.set(query, { body, expires: Date.now() + this.ttlMs });
    return body;
  }

  async invalidate(): Promise<void> {
    this.entries.clear();
  }
}

export class RedisFleetCache implements FleetCache {
  readonly kind = 'redis' as const;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly onError: (err: unknown, op: string) => void = () => undefined,
  ) {}

  async read(query: string, load: () => Promise<string>): Promise<string> {
    let key: string | null = null;
    try {
      const gen = (await this.redis.get(`${this.prefix}gen`)) ?? '0';
      key = `${this.prefix}${gen}:${query}`;
      const hit = await this.redis.get(key);
      if (hit !== null) return hit;
    } catch (err) {
      this.onError(err, 'get');
    }
    const body = await load();
    if (key) await this.redis.set(key, body, 'PX', this.ttlMs).catch((err: unknown) => this.onError(err, 'set'));
    return body;
  }

  async invalidate(): Promise<void> {
    await this.redis.incr(`${this.prefix}gen`).catch((err: unknown) => this.onError(err, 'invalidate'));
  }
}
