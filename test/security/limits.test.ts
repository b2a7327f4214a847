// The in-process side of the rate limits and the HTTP request metrics: what the plugins rely on.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpRequestMetrics } from '../../src/http/metrics.js';
import { FixedWindowLimiter, type LimitResult } from '../../src/security/limits.js';

describe('FixedWindowLimiter in memory', () => {
  it('answers synchronously, refuses a request that would pass the budget whole, and keys apart', () => {
    const limiter = new FixedWindowLimiter({ max: 10, windowMs: 60_000 });
    const take = (key: string, n: number) => {
      const r = limiter.take(key, n);
      expect(r).not.toBeInstanceOf(Promise);
      return r as LimitResult;
    };
    expect(take('a', 6)).toMatchObject({ allowed: true, remaining: 4 });
    expect(take('a', 5)).toMatchObject({ allowed: false, remaining: 0 });
    // The refused request used none of the budget: a smaller one still fits.
    expect(take('a', 4)).toMatchObject({ allowed: true, remaining: 0 });
    expect(take('a', 1).allowed).toBe(false);
    expect(take('b', 10)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = take('a', 1);
    expect(refused.resetSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.resetSeconds).toBeLessThanOrEqual(60);
  });

  it('starts a new window once the old one is over', async () => {
    const limiter = new FixedWindowLimiter({ max: 1, windowMs: 30 });
    expect((limiter.take('k') as LimitResult).allowed).toBe(true);
    expect((limiter.take('k') as LimitResult).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 40));
    expect((limiter.take('k') as LimitResult).allowed).toBe(true);
  });
});

describe('HttpRequestMetrics', () => {
  it('exposes a counter and a cumulative histogram per method, route and status', async () => {
    const registry = new Registry();
    const m = new HttpRequestMetrics();
    m.register(registry);
    m.record('GET', '/api/v1/wells/:id', 200, 0.003);
    m.record('GET', '/api/v1/wells/:id', 200, 0.2);
    m.record('GET', '/api/v1/wells/:id', 404, 0.001);
    m.record('POST', '/api/v1/telemetry/ingest', 201, 20);
    const text = await registry.metrics();
    const labels = 'method="GET",route="/api/v1/wells/:id",status="200"';
    expect(text).toContain(`esp_http_requests_total{${labels}} 2`);
    expect(text).toContain('esp_http_requests_total{method="GET",route="/api/v1/wells/:id",status="404"} 1');
    expect(text).toContain(`esp_http_request_duration_seconds_bucket{le="0.0025",${labels}} 0`);
    expect(text).toContain(`esp_http_request_duration_seconds_bucket{le="0.005",${labels}} 1`);
    expect(text).toContain(`esp_http_request_duration_seconds_bucket{le="0.25",${labels}} 2`);
    expect(text).toContain(`esp_http_request_duration_seconds_bucket{le="+Inf",${labels}} 2`);
    expect(text).toContain(`esp_http_request_duration_seconds_sum{${labels}} 0.203`);
    expect(text).toContain(`esp_http_request_duration_seconds_count{${labels}} 2`);
    // Slower than the largest bucket: only in +Inf.
    expect(text).toContain('esp_http_request_duration_seconds_bucket{le="10",method="POST",route="/api/v1/telemetry/ingest",status="201"} 0');
    expect(text).toContain('esp_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/api/v1/telemetry/ingest",status="201"} 1');
  });
});
