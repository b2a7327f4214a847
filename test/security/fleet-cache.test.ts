// The fleet-list cache: shared through Redis by several processes, retired by any well change.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryFleetCache, RedisFleetCache } from '../../src/cache/fleet-cache.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<Redis | null> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  try {
    await r.connect();
    return r;
  } catch {
    r.disconnect();
    return null;
  }
}

describe('fleet cache', () => {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it('in memory: serves a copy until it expires or is invalidated', async () => {
    const cache = new MemoryFleetCache(60_000);
    let loads = 0;
    const load = async () => `{"n":${++loads}}`;
    expect(await cache.read('q', load)).toBe('{"n":1}');
    expect(await cache.read('q', load)).toBe('{"n":1}');
    expect(await cache.read('other', load)).toBe('{"n":2}');
    await cache.invalidate();
    expect(await cache.read('q', load)).toBe('{"n":3}');
    const short = new MemoryFleetCache(1);
    await short.read('q', load);
    await new Promise((r) => setTimeout(r, 5));
    expect(await short.read('q', load)).toBe('{"n":5}');
  });

  it('in Redis: two processes share one copy; a change in either retires it', async (t) => {
    const a = await reachable();
    if (!a) {
      if (process.env.REQUIRE_REDIS === '1') throw new Error(`Redis not reachable at ${REDIS_URL}`);
      console.warn(`[esp] Redis not reachable at ${REDIS_URL}: shared fleet cache test SKIPPED`);
      t.skip();
      return;
    }
    const b = (await reachable())!;
    clients.push(a, b);
    const prefix = `esp-test:${process.pid}:${Math.random().toString(36).slice(2)}:fleet:`;
    const cacheA = new RedisFleetCache(a, prefix, 60_000);
    const cacheB = new RedisFleetCache(b, prefix, 60_000);
    let loadsA = 0;
    let loadsB = 0;
    expect(await cacheA.read('all', async () => `A${++loadsA}`)).toBe('A1');
    expect(await cacheB.read('all', async () => `B${++loadsB}`)).toBe('A1');
    expect(loadsB).toBe(0);
    await cacheB.invalidate();
    expect(await cacheA.read('all', async () => `A${++loadsA}`)).toBe('A2');
    const keys = await a.keys(`${prefix}*`);
    await a.del(...keys);
  });
});
