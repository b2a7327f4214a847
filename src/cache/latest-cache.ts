// The newest reading of each well (by timestamp, never by arrival), kept from the pipeline's commits and
// served to GET /telemetry/wells/{id}/latest. With REDIS_URL it lives in Redis, shared by every API process;
// otherwise in memory. Storage stays the truth: a miss or a cache failure reads the database.
import type { Redis } from 'ioredis';
import type { Reading } from '../domain/reading.js';

export interface LatestCache {
  readonly kind: 'memory' | 'redis';
  /** The cached reading, or null when not cached. */
  get(wellId: string): Promise<Reading | null>;
  /** Keeps, per well, the reading with the highest timestamp of the cached one and these. */
  put(readings: readonly Reading[]): Promise<void>;
  delete(wellId: string): Promise<void>;
  /** Cached value, else `load()` from storage (and cache it); cache failures fall back to storage. */
  read(wellId: string, load: () => Promise<Reading | null>): Promise<Reading | null>;
}

/** Per well, the reading with the highest timestamp. */
export function newestPerWell(readings: readonly Reading[]): Map<string, Reading> {
  const out = new Map<string, Reading>();
  for (const r of readings) {
    const cur = out.get(r.well_id);
    if (!cur || r.ts >= cur.ts) out.set(r.well_id, r);
  }
  return out;
}

abstract class BaseCache implements LatestCache {
  abstract readonly kind: 'memory' | 'redis';
  abstract get(wellId: string): Promise<Reading | null>;
  abstract put(readings: readonly Reading[]): Promise<void>;
  abstract delete(wellId: string): Promise<void>;
  protected onError: (err: unknown, op: string) => void = () => undefined;

  async read(wellId: string, load: () => Promise<Reading | null>): Promise<Reading | null> {
    try {
      const hit = await this.get(wellId);
      if (hit) return hit;
    } catch (err) {
      this.onError(err, 'get');
      return load();
    }
    const r = await load();
    if (r) await this.put([r]).catch((err) => this.onError(err, 'put'));
    return r;
  }
}

export class MemoryLatestCache extends BaseCache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, { reading: Reading; at: number }>();

  /**
   * @param ttlMs how long an entry is trusted: unbounded for the embedded store (one process owns it),
   *   short for PostgreSQL, where other processes may write without this one seeing it.
   */
  constructor(private readonly ttlMs = Number.POSITIVE_INFINITY, private readonly maxEntries = 1_000_000) {
    super();
  }

  async get(wellId: string): Promise<Reading | null> {
    const e = this.entries.get(wellId);
    if (!e) return null;
    if (Date.now() - e.at > this.ttlMs) {
      this.entries.delete(wellId);
      return null;
    }
    return e.reading;
  }

  async put(readings: readonly Reading[]): Promise<void> {
    const now = Date.now();
    for (const [id, r] of newestPerWell(readings)) {
      const cur = this.entries.get(id);
      if (cur && cur.reading.ts > r.ts && now - cur.at <= this.ttlMs) continue;
      this.entries.set(id, { reading: r, at: now });
    }
    if (this.entries.size > this.maxEntries) this.entries.clear();
  }

  async delete(wellId: string): Promise<void> {
    this.entries.delete(wellId);
  }
}

// Sets the key only when the stored reading is older (compare-and-set on the timestamp, atomic in Redis).
const PUT_NEWEST = `
local cur = redis.call('HGET', KEYS[1], 'ts')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'r', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

export class RedisLatestCache extends BaseCache {
  readonly kind = 'redis' as const;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'esp:latest:',
    /** Entries expire so that a write missed during a Redis outage heals by itself. */
    private readonly ttlMs = 300_000,
    onError?: (err: unknown, op: string) => void,
  ) {
    super();
    if (onError) this.onError = onError;
    if (!(redis as unknown as { espPutNewest?: unknown }).espPutNewest) {
      redis.defineCommand('espPutNewest', { numberOfKeys: 1, lua: PUT_NEWEST });
    }
  }

  async get(wellId: string): Promise<Reading | null> {
    const raw = await this.redis.hget(this.prefix + wellId, 'r');
    return raw ? (JSON.parse(raw) as Reading) : null;
  }

  async put(readings: readonly Reading[]): Promise<void> {
    const newest = newestPerWell(readings);
    if (!newest.size) return;
    const p = this.redis.pipeline();
    for (const [id, r] of newest) {
      (p as unknown as { espPutNewest(k: string, ts: number, r: string, ttl: number): void }).espPutNewest(
        this.prefix + id,
        r.ts,
        JSON.stringify(r),
        this.ttlMs,
      );
    }
    const results = await p.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async delete(wellId: string): Promise<void> {
    await this.redis.del(this.prefix + wellId);
  }
}
