// Client addresses and rate limits: X-Forwarded-For is ignored unless TRUST_PROXY names the proxy, so a client
// cannot pick its own address for the per-IP limits or the audit log; ingest is limited in readings per key,
// by default high enough for a 1 000-well gateway reporting every second, while reads and logins stay tight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ADAPTERS, openTestDatabase, type TestApp, type TestDatabase } from '../helpers.js';
import { createKey, json, startSecureApp } from './support.js';

async function lastAuditIp(t: TestApp, action: string): Promise<string | null> {
  const body = await json<{ entries: { action: string; ip: string | null }[] }>(await t.request(`/api/v1/audit?action=${action}&limit=1`));
  return body.entries[0]?.ip ?? null;
}

async function failLogin(t: TestApp, forwardedFor: string): Promise<number> {
  const res = await t.request('/api/v1/auth/login', {
    method: 'POST',
    key: null,
    json: { username: 'nobody', password: 'wrong-password' },
    headers: { 'x-forwarded-for': forwardedFor },
  });
  return res.status;
}

describe('defaults', () => {
  it('trusts no proxy and limits ingest in readings, at least 1 000 readings/s per key', () => {
    const c = loadConfig({});
    expect(c.security.trustProxy).toBe(false);
    expect(c.security.ingestRateLimitPerMinute).toBeGreaterThanOrEqual(60_000 * 1.5);
    expect(c.security.rateLimitPerMinute).toBeLessThan(c.security.ingestRateLimitPerMinute);
  });
});

describe.each(ADAPTERS)('X-Forwarded-For and rate limits on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('by default ignores a forged X-Forwarded-For: same rate-limit bucket, real address in the audit log', async () => {
    const t = await startSecureApp(db, { env: { RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      expect(await failLogin(t, '203.0.113.77')).toBe(401);
      expect(await lastAuditIp(t, 'auth.login_failed')).toBe('127.0.0.1');
      // Two requests of this address are counted already: three more, whatever address they claim.
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.request('/api/v1/wells', { key: null, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await t.close();
    }
  });

  it('with TRUST_PROXY naming the proxy, believes it: one bucket per client, the client address audited', async () => {
    const t = await startSecureApp(db, { env: { RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '127.0.0.1' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await t.request('/api/v1/wells', { key: null, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual(Array(7).fill(401));
      expect(await failLogin(t, '203.0.113.78')).toBe(401);
      expect(await lastAuditIp(t, 'auth.login_failed')).toBe('203.0.113.78');
    } finally {
      await t.close();
    }
  });

  it('counts ingest in readings per key: a batch counts its readings, a refused batch uses none of the budget', async () => {
    const t = await startSecureApp(db, { env: { INGEST_RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_PER_MINUTE: '1000' } });
    try {
      const { key } = await createKey(t, { name: 'budget-gw', wells: ['RL-1'] });
      const base = Date.now() - 600_000;
      const readings = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ well_id: 'RL-1', timestamp: base + (from + i) * 1000, flow_rate: i }));
      const post = (n: number, from: number) => t.request('/api/v1/telemetry/batch', { method: 'POST', key, json: { readings: readings(n, from) } });
      const a = await post(60, 0);
      expect(a.status).toBe(201);
      expect(a.headers.get('x-ratelimit-remaining')).toBe('40');
      const b = await post(50, 100);
      expect(b.status).toBe(429);
      expect(await json(b)).toMatchObject({ error_code: 'RATE_LIMIT_EXCEEDED', message: expect.stringMatching(/readings/) });
      expect(Number(b.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await post(40, 200)).status).toBe(201);
      const single = await t.request('/api/v1/telemetry/ingest', { method: 'POST', key, json: { well_id: 'RL-1', flow_rate: 1 } });
      expect(single.status).toBe(429);
      expect(await db.repo.countReadings('RL-1')).toBe(100);
      // Another key has its own budget; reads of the limited key are not counted against readings.
      const { key: other } = await createKey(t, { name: 'budget-gw-2', wells: ['RL-2'] });
      expect((await t.request('/api/v1/telemetry/ingest', { method: 'POST', key: other, json: { well_id: 'RL-2', flow_rate: 1 } })).status).toBe(201);
      expect((await t.request('/api/v1/wells/RL-1', { key })).status).not.toBe(429);
    } finally {
      await t.close();
    }
  });

  it('lets one gateway key send 1 500 single readings in a burst under the default limits', async () => {
    const t = await startSecureApp(db);
    try {
      const { key } = await createKey(t, { name: 'gw-1000', wells: ['GW-0', 'GW-1', 'GW-2'] });
      const base = Date.now() - 3_000_000;
      const statuses = new Map<number, number>();
      let next = 0;
      const worker = async () => {
        while (next < 1500) {
          const i = next++;
          const res = await t.request('/api/v1/telemetry/ingest', { method: 'POST', key, json: { well_id: `GW-${i % 3}`, timestamp: base + i * 1000, flow_rate: i } });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      expect(Object.fromEntries(statuses)).toEqual({ 201: 1500 });
    } finally {
      await t.close();
    }
  }, 120_000);
});
