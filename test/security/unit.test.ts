// The security building blocks without a server: password hashing, opaque secrets, audit sanitising, caches.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { MemoryLatestCache, RedisLatestCache, newestPerWell } from '../../src/cache/latest-cache.js';
import { loadConfig } from '../../src/config.js';
import type { Reading } from '../../src/domain/reading.js';
import { actionFor, sanitize } from '../../src/security/audit.js';
import { DEVICE_KEY_PREFIX, REFRESH_TOKEN_PREFIX, hashPassword, newOpaqueSecret, parseOpaqueSecret, verifyPassword } from '../../src/security/crypto.js';
import { checkUsername } from '../../src/security/service.js';

const r = (well_id: string, ts: number, flow_rate: number): Reading =>
  ({ well_id, ts, flow_rate, pip: null, motor_current: null, motor_temp: null, vibration: null, vsd_frequency: null, flow_variance: null, torque: null, gor: null }) as Reading;

describe('password hashing', () => {
  it('uses scrypt with a per-user salt and verifies in constant time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b); // different salts
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
    // Unknown user: still false, still does the work.
    const started = performance.now();
    expect(await verifyPassword('correct horse battery', null)).toBe(false);
    expect(performance.now() - started).toBeGreaterThan(1);
    // A damaged hash never verifies.
    const parts = a.split('$');
    parts[5] = Buffer.from('x'.repeat(64)).toString('base64');
    expect(await verifyPassword('correct horse battery', parts.join('$'))).toBe(false);
    expect(await verifyPassword('correct horse battery', 'plain-text')).toBe(false);
  });
});

describe('opaque secrets', () => {
  it('carry a public id and are stored only as a hash', () => {
    const s = newOpaqueSecret(DEVICE_KEY_PREFIX);
    expect(s.value).toMatch(/^espk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseOpaqueSecret(DEVICE_KEY_PREFIX, s.value)).toBe(s.id);
    expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
    // The secret part is base64url and may itself contain '_', so take it by position.
    const secretPart = s.value.slice('espk_'.length + 16 + 1);
    expect(secretPart).toHaveLength(43);
    expect(s.hash).not.toContain(secretPart);
    expect(parseOpaqueSecret(REFRESH_TOKEN_PREFIX, s.value)).toBeNull();
    expect(parseOpaqueSecret(DEVICE_KEY_PREFIX, s.value + 'x')).toBeNull();
    expect(parseOpaqueSecret(DEVICE_KEY_PREFIX, "espk_0123456789abcdef_' OR 1=1 --")).toBeNull();
    expect(newOpaqueSecret(DEVICE_KEY_PREFIX).value).not.toBe(s.value);
  });
});

describe('usernames', () => {
  it('allow unicode and punctuation, refuse control characters, separators and reserved names', () => {
    for (const ok of ["o'brien", 'ünïcødé 用户', 'a;b--c', 'x"y']) expect(() => checkUsername(ok), ok).not.toThrow();
    for (const bad of ['', 'a/b', 'a:b', 'a\\b', 'tab\there', ' padded', 'admin-key', 'api-key:gw', 'x'.repeat(65)]) {
      expect(() => checkUsername(bad), JSON.stringify(bad)).toThrow();
    }
  });
});

describe('audit helpers', () => {
  it('strips secret-looking fields and names actions', () => {
    expect(sanitize({ username: 'u', password: 'p', nested: { refresh_token: 't', api_key: 'k', note: 'n' }, list: [{ secret: 's' }] })).toEqual({
      username: 'u',
      password: '[REDACTED]',
      nested: { refresh_token: '[REDACTED]', api_key: '[REDACTED]', note: 'n' },
      list: [{ secret: '[REDACTED]' }],
    });
    expect(actionFor('POST', '/api/v1/alarms/:id/ack')).toBe('alarm.ack');
    expect(actionFor('POST', '/api/v1/something/new')).toBe('post /api/v1/something/new');
  });
});

describe('configuration', () => {
  it('trusts no X-Forwarded-For by default, and the proxies configured', () => {
    expect(loadConfig({}).security.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'none' }).security.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).security.trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: 'true' }).security.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).security.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).security.trustProxy).toBe(2);
    expect(() => loadConfig({ SECRET_KEY: 'short' })).toThrow(/SECRET_KEY/);
  });
});

describe('latest cache', () => {
  it('keeps the newest reading per well by timestamp, not by arrival', async () => {
    expect([...newestPerWell([r('A', 3, 3), r('A', 1, 1), r('B', 2, 2)]).values()].map((x) => x.ts)).toEqual([3, 2]);
    const c = new MemoryLatestCache();
    await c.put([r('A', 20, 20)]);
    await c.put([r('A', 10, 10)]);
    expect((await c.get('A'))?.flow_rate).toBe(20);
    await c.put([r('A', 30, 30)]);
    expect((await c.get('A'))?.flow_rate).toBe(30);
    await c.delete('A');
    expect(await c.get('A')).toBeNull();
    let loads = 0;
    const load = async () => (loads++, r('A', 5, 5));
    expect((await c.read('A', load))?.flow_rate).toBe(5);
    expect((await c.read('A', load))?.flow_rate).toBe(5);
    expect(loads).toBe(1);
  });

  it('expires entries when other processes may write (PostgreSQL without Redis)', async () => {
    const c = new MemoryLatestCache(20);
    await c.put([r('A', 20, 20)]);
    expect(await c.get('A')).not.toBeNull();
    await new Promise((res) => setTimeout(res, 40));
    expect(await c.get('A')).toBeNull();
  });

  it('in Redis: compare-and-set on the timestamp; failures fall back to storage', async (ctx) => {
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } catch {
      if (process.env.REQUIRE_REDIS === '1') throw new Error('Redis not reachable');
      ctx.skip();
      return;
    }
    const prefix = `esp:test:${process.pid}:${Math.random().toString(36).slice(2)}:`;
    const errors: string[] = [];
    const c = new RedisLatestCache(redis, prefix, 60_000, (_e, op) => errors.push(op));
    try {
      await c.put([r('A', 20, 20), r('A', 25, 25), r('B', 1, 1)]);
      await c.put([r('A', 10, 10)]);
      expect((await c.get('A'))?.flow_rate).toBe(25);
      expect((await c.get('B'))?.flow_rate).toBe(1);
      await Promise.all([c.put([r('C', 5, 5)]), c.put([r('C', 9, 9)]), c.put([r('C', 7, 7)])]);
      expect((await c.get('C'))?.ts).toBe(9);
      expect(await redis.pttl(prefix + 'A')).toBeGreaterThan(0);
      await c.delete('A');
      expect(await c.get('A')).toBeNull();
    } finally {
      await redis.del(prefix + 'B', prefix + 'C');
      redis.disconnect();
    }
    // Redis gone: reads come from storage.
    expect((await c.read('B', async () => r('B', 2, 2)))?.ts).toBe(2);
    expect(errors).toContain('get');
  });
});
