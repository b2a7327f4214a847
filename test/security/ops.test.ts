// Operations: Prometheus metrics (checked by promtool), security headers and CORS, HSTS in production, and
// the latest-reading cache and rate limits shared through Redis by several processes.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDistDir } from '../../src/http/routes/root.js';
import { CHROMIUM_PATH, launchChromium } from '../e2e/browser.js';
import { ADAPTERS, openTestDatabase, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';
import { createKey, json, startSecureApp } from './support.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function promtool(): string | null {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'promtool' : null;
}

async function redisReachable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

describe.each(ADAPTERS)('operations (%s)', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    t = await startSecureApp(db, { env: { ALLOWED_ORIGINS: 'https://ops.example.com,https://other.example.com' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('serves Prometheus metrics that promtool accepts, with the platform’s series', async () => {
    // Some traffic first: ingest, a rejection, a route with a parameter, a diagnosis, an alarm.
    const now = Date.now();
    const readings = Array.from({ length: 20 }, (_, i) => ({ well_id: 'MET-1', timestamp: new Date(now - (20 - i) * 10_000).toISOString(), flow_rate: 1500, pip: 900, motor_current: 40, motor_temp: 80, vibration: 0.4, vsd_frequency: 60 }));
    expect((await t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings } })).status).toBe(201);
    expect((await t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'MET-1', flow_rate: -5 } })).status).toBe(400);
    expect((await t.request('/api/v1/telemetry/wells/MET-1/latest')).status).toBe(200);
    await db.repo.raiseAlarm({ well_id: 'MET-1', code: 'GAS_LOCK', severity: 'high', message: 'm', evidence: [], reading_ts: now });
    await t.app.ctx.pipeline.drain(false);

    const res = await t.request('/metrics', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      'esp_http_requests_total',
      'esp_http_request_duration_seconds_bucket',
      'esp_readings_ingested_total',
      'esp_readings_rejected_total',
      'esp_ingest_queue_depth',
      'esp_derived_backlog_batches',
      'esp_ingest_commit_duration_seconds_bucket',
      'esp_diagnoses_total',
      'esp_active_alarms',
      'esp_storage_errors_total',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text, name).toContain(name);
    }
    // Route patterns, never raw URLs (bounded label values).
    expect(text).toMatch(/esp_http_requests_total\{method="GET",route="\/api\/v1\/telemetry\/wells\/:id\/latest",status="200"\} [1-9]/);
    expect(text).not.toContain('route="/api/v1/telemetry/wells/MET-1/latest"');
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('esp_readings_ingested_total{transport="http"}')).toBeGreaterThanOrEqual(20);
    expect(text).toMatch(/esp_readings_rejected_total\{transport="http"\} [1-9]/);
    expect(text).toMatch(/esp_active_alarms\{severity="high"\} [1-9]/);
    expect(text).toMatch(/esp_ingest_commit_duration_seconds_count [1-9]/);

    const tool = promtool();
    if (!tool) {
      if (process.env.CI === 'true') throw new Error('promtool is required in CI (apt-get install -y prometheus)');
      console.warn('[esp] promtool not installed: metrics format check SKIPPED');
      return;
    }
    const r = spawnSync(tool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.status, `promtool: ${r.stdout}${r.stderr}`).toBe(0);
    // And it really checks: malformed or misnamed series fail.
    expect(spawnSync(tool, ['check', 'metrics'], { input: 'esp_broken{ 1\n', encoding: 'utf8' }).status).not.toBe(0);
    expect(spawnSync(tool, ['check', 'metrics'], { input: '# HELP x_total x\n# TYPE x_total gauge\nx_total 1\n', encoding: 'utf8' }).status).not.toBe(0);
  });

  it('sets security headers; the docs and the dashboard still load under the CSP', async () => {
    const api = await t.request('/api/v1/wells');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(api.headers.get('strict-transport-security')).toBeNull(); // not in development
    const csp = api.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("frame-ancestors 'none'");

    // Swagger UI: every script it loads is a same-origin file, and each one is served.
    const docs = await t.request('/api/v1/docs/', { key: null });
    expect(docs.status).toBe(200);
    const html = await docs.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(inline.trim(), 'inline script would be blocked by the CSP').toBe('');
      const src = /src="([^"]+)"/.exec(attrs)![1];
      expect(src).not.toMatch(/^https?:/);
      const res = await t.request(new URL(src, `${t.baseUrl}/api/v1/docs/`).pathname, { key: null });
      expect(res.status, src).toBe(200);
    }
    for (const [, href] of html.matchAll(/<link[^>]*href="([^"]+)"/g)) expect(href).not.toMatch(/^https?:/);

    // The dashboard (when built): same-origin module scripts and styles only.
    if (webDistDir()) {
      const page = await t.request('/', { key: null, headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const body = await page.text();
      expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
      for (const [, src] of body.matchAll(/<script[^>]*src="([^"]+)"/g)) {
        expect(src.startsWith('/')).toBe(true);
        expect((await t.request(src, { key: null })).status, src).toBe(200);
      }
    }
  });

  it('in a real browser, neither the Swagger UI nor the dashboard trips the CSP', async (testCtx) => {
    if (!existsSync(CHROMIUM_PATH)) {
      if (process.env.CI === 'true') throw new Error(`Chromium is required in CI (${CHROMIUM_PATH})`);
      console.warn('[esp] Chromium not installed: CSP browser check SKIPPED');
      testCtx.skip();
      return;
    }
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      page.on('pageerror', (e) => violations.push(String(e)));
      await page.goto(`${t.baseUrl}/api/v1/docs/`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
      expect(await page.textContent('.swagger-ui .info .title')).toContain('ESP IoT Platform API');
      await page.waitForSelector('.opblock-tag', { timeout: 15_000 });
      if (webDistDir()) {
        await page.goto(`${t.baseUrl}/`);
        await page.waitForSelector('#app > *', { timeout: 15_000 });
        await page.getByTestId('login-form').waitFor();
        await page.getByTestId('login-mode-apikey').check();
        await page.getByTestId('login-apikey').fill(TEST_ADMIN_KEY);
        await page.getByTestId('login-submit').click();
        await page.getByTestId('well-row').first().waitFor({ timeout: 15_000 });
      }
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('allows CORS only for the configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.baseUrl}/api/v1/wells`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const ok = await preflight('https://ops.example.com');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const bad = await preflight('https://evil.example.net');
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await t.request('/api/v1/wells', { headers: { origin: 'https://evil.example.net' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await t.request('/api/v1/wells', { headers: { origin: 'https://other.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://other.example.com');
  });

  it('in production: HSTS, no wildcard origin, a required SECRET_KEY; in development the key is kept 0600', async () => {
    const prod = await startSecureApp(db, {
      env: { ENVIRONMENT: 'production', SECRET_KEY: 'p'.repeat(40), ALLOWED_ORIGINS: 'https://ops.example.com', LOG_FORMAT: 'json' },
    });
    try {
      const res = await prod.request('/api/v1/wells');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000; includeSubDomains/);
      expect(res.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    } finally {
      await prod.close();
    }
    await expect(startSecureApp(db, { env: { ENVIRONMENT: 'production', SECRET_KEY: 'p'.repeat(40), ALLOWED_ORIGINS: '*' } })).rejects.toThrow(/ALLOWED_ORIGINS/);
    await expect(startSecureApp(db, { env: { ENVIRONMENT: 'production' } })).rejects.toThrow(/SECRET_KEY/);
    // Development: generated once, mode 0600, reused on restart.
    const mode = statSync(join(t.config.app.dataDir, 'secret.key')).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('serves the latest reading from the cache, newest by timestamp, and forgets deleted wells', async () => {
    expect(t.app.ctx.latest?.kind).toBe('memory');
    const base = Math.floor(Date.now() / 1000) * 1000 - 120_000;
    const at = (s: number) => new Date(base + s * 1000).toISOString();
    const post = (ts: string, flow: number) => t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'CACHE-1', timestamp: ts, flow_rate: flow } });
    expect((await post(at(30), 300)).status).toBe(201);
    expect((await post(at(10), 100)).status).toBe(201); // late arrival, older
    const latest = await json(await t.request('/api/v1/telemetry/wells/CACHE-1/latest'));
    expect(latest.telemetry).toMatchObject({ timestamp: at(30), flow_rate: 300 });
    expect((await t.app.ctx.latest!.get('CACHE-1'))?.flow_rate).toBe(300);
    expect((await t.request('/api/v1/wells/CACHE-1', { method: 'DELETE' })).status).toBe(200);
    expect(await t.app.ctx.latest!.get('CACHE-1')).toBeNull();
    expect((await t.request('/api/v1/telemetry/wells/CACHE-1/latest')).status).toBe(404);
  });

  it('with REDIS_URL: the cache and the rate limits are shared by several processes', async (testCtx) => {
    if (!(await redisReachable())) {
      if (process.env.REQUIRE_REDIS === '1') throw new Error(`Redis not reachable at ${REDIS_URL}`);
      console.warn(`[esp] Redis not reachable at ${REDIS_URL}: shared cache/limit test SKIPPED`);
      testCtx.skip();
      return;
    }
    const prefix = `esp-test:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
    const env = { REDIS_URL, RATE_LIMIT_PER_MINUTE: '10', REDIS_PREFIX: prefix, TRUST_PROXY: 'loopback' };
    const a = await startSecureApp(db, { env });
    const b = await startSecureApp(db, { env });
    const redis = new Redis(REDIS_URL);
    const well = `REDIS-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      expect(a.app.ctx.latest?.kind).toBe('redis');
      const health = await json(await a.request('/health', { key: null }));
      expect(health.dependencies.cache).toMatchObject({ status: 'healthy', type: 'redis' });
      const { key } = await createKey(a, { name: 'redis-gw', wells: [well] });
      const ts = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
      expect((await a.request('/api/v1/telemetry/ingest', { method: 'POST', key, json: { well_id: well, timestamp: ts(20), flow_rate: 2000 } })).status).toBe(201);
      expect((await b.request('/api/v1/telemetry/ingest', { method: 'POST', key, json: { well_id: well, timestamp: ts(5), flow_rate: 500 } })).status).toBe(201);
      // Written to Redis by the processes that committed; the newest by timestamp wins whoever wrote last.
      const cached = JSON.parse((await redis.hget(`${prefix}latest:${well}`, 'r'))!);
      expect(cached).toMatchObject({ well_id: well, flow_rate: 2000 });
      // Served from Redis: change the cached value behind the database's back and the API shows it.
      await redis.hset(`${prefix}latest:${well}`, 'r', JSON.stringify({ ...cached, flow_rate: 4242 }));
      expect((await json(await b.request(`/api/v1/telemetry/wells/${well}/latest`))).telemetry.flow_rate).toBe(4242);
      await redis.del(`${prefix}latest:${well}`);
      expect((await json(await b.request(`/api/v1/telemetry/wells/${well}/latest`))).telemetry.flow_rate).toBe(2000); // miss → storage

      // Limits: 10 a minute per address, counted across both processes.
      const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const app = i % 2 ? a : b;
        statuses.push((await app.request('/api/v1/wells', { key: null, headers: { 'x-forwarded-for': ip } })).status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await b.close();
      await a.close();
    }
  });
});
