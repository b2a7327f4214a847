// The optional Redis connection shared by the caches and the rate limits (REDIS_URL). It never blocks start-up:
// when Redis is not reachable the caches read storage and the limits count in this process.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export async function openRedis(url: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000 });
  let lastWarn = 0;
  redis.on('error', (err: Error) => {
    if (Date.now() - lastWarn > 30_000) {
      lastWarn = Date.now();
      log.warn({ err: err.message }, 'redis error');
    }
  });
  await redis.connect().catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable at start; limits and cache fall back'));
  return redis;
}

export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
