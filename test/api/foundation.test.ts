// Cross-cutting behaviour: authentication baseline, probes, OpenAPI, error shape, unknown routes.
import { describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, useTestApp } from '../helpers.js';

describe('foundation (embedded store)', () => {
  const ctx = useTestApp('pglite');

  it('requires a key on /api/v1 routes: Bearer or X-API-Key', async () => {
    const none = await ctx.t.request('/api/v1/wells', { key: null });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error_code: 'AUTHENTICATION_ERROR', error: 'AuthenticationError' });
    expect((await ctx.t.request('/api/v1/wells', { key: 'wrong-key-wrong-key-wrong-key-00' })).status).toBe(401);
    expect((await ctx.t.request('/api/v1/wells', { key: null, headers: { 'x-api-key': TEST_ADMIN_KEY } })).status).toBe(200);
    expect((await ctx.t.request('/api/v1/wells')).status).toBe(200);
  });

  it('keeps health, docs and the spec open', async () => {
    for (const p of ['/health/live', '/health/startup', '/health/ready', '/health', '/api/v1/openapi.json']) {
      const res = await ctx.t.request(p, { key: null });
      expect(res.status, p).toBe(200);
    }
    const docs = await ctx.t.request('/api/v1/docs', { key: null, redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('reports health in the original shape, with dependencies', async () => {
    const h = (await (await ctx.t.request('/health', { key: null })).json()) as Record<string, unknown>;
    expect(h).toMatchObject({ status: 'ready', health: 'healthy', service: 'esp-iot-platform', version: 'test' });
    expect(typeof h.timestamp).toBe('string');
    expect((h.dependencies as Record<string, { status: string }>).database.status).toBe('healthy');
    const ready = (await (await ctx.t.request('/health/ready', { key: null })).json()) as Record<string, unknown>;
    expect(ready.status).toBe('ready');
  });

  it('generates the OpenAPI spec from the route schemas', async () => {
    const spec = (await (await ctx.t.request('/api/v1/openapi.json', { key: null })).json()) as {
      openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    for (const p of ['/api/v1/telemetry/ingest', '/api/v1/telemetry/batch', '/api/v1/wells/{id}', '/api/v1/alarms', '/api/v1/diagnostics/analyze']) {
      expect(spec.paths[p], p).toBeDefined();
    }
    const ingest = spec.paths['/api/v1/telemetry/ingest'].post.requestBody!.content['application/json'].schema;
    expect(Object.keys(ingest.properties)).toEqual(expect.arrayContaining(['well_id', 'timestamp', 'flow_rate', 'gor']));
  });

  it('answers unknown routes with a JSON 404 and never leaks a stack', async () => {
    const res = await ctx.t.request('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error_code: 'NOT_FOUND', error: 'NotFoundError' });
    expect(Object.keys(body).sort()).toEqual(['details', 'error', 'error_code', 'message']);
    const bad = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', body: '{"well_id": ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('gives every response a request id, honouring a sane incoming one', async () => {
    const res = await ctx.t.request('/health/live', { headers: { 'x-request-id': 'gw-42.abc' } });
    expect(res.headers.get('x-request-id')).toBe('gw-42.abc');
    const gen = await ctx.t.request('/health/live', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(gen.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers / with JSON describing the service for API clients', async () => {
    const res = await ctx.t.request('/', { key: null, headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; version: string; endpoints: Record<string, unknown> };
    expect(body.name).toBe('ESP IoT Platform');
    expect(body.endpoints.docs).toBe('/api/v1/docs');
  });
});
