// The original platform's documented requests (test/compat/original-requests.json), replayed in order against
// both stores: each answers with the status the original documents and carries every field its clients read,
// with the type (or one of the values) they expect. The only change a client needs is the key.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTestApp } from '../helpers.js';

type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'iso' | (string | number | boolean)[];

interface DocumentedRequest {
  name: string;
  from: string[];
  method: 'GET' | 'POST';
  path: string;
  auth?: boolean;
  body?: unknown;
  status: number;
  reads?: Record<string, FieldType>;
  body_matches?: string;
}

const fixture = JSON.parse(readFileSync(new URL('./original-requests.json', import.meta.url), 'utf8')) as {
  well: string;
  requests: DocumentedRequest[];
};

/** Fills {{well}}, {{now}} and {{now±Nm}} in every string of a request. */
function fill<T>(value: T, well: string, now: number): T {
  const text = JSON.stringify(value).replace(/\{\{(well|now(?:([+-])(\d+)m)?)\}\}/g, (_m, name: string, sign?: string, minutes?: string) => {
    if (name === 'well') return well;
    const offset = sign ? (sign === '+' ? 1 : -1) * Number(minutes) * 60_000 : 0;
    return new Date(now + offset).toISOString();
  });
  return JSON.parse(text) as T;
}

/** Every value at a dotted path; `name[]` steps into each element of an array (an empty array yields none). */
function valuesAt(root: unknown, path: string): { found: boolean; values: unknown[] } {
  let current: unknown[] = [root];
  for (const segment of path.split('.')) {
    const each = segment.endsWith('[]');
    const key = each ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object' || !(key in v)) return { found: false, values: [] };
      const child = (v as Record<string, unknown>)[key];
      if (each) {
        if (!Array.isArray(child)) return { found: false, values: [] };
        next.push(...child);
      } else next.push(child);
    }
    current = next;
  }
  return { found: current.length > 0, values: current };
}

function conforms(v: unknown, type: FieldType): boolean {
  if (Array.isArray(type)) return type.includes(v as string | number | boolean);
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'iso':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && Number.isFinite(Date.parse(v));
    default:
      return typeof v === type;
  }
}

describe.each(ADAPTERS)('the original platform’s documented requests on %s', (kind) => {
  const ctx = useTestApp(kind);
  const now = Date.now();
  const requests = fill(fixture.requests, fixture.well, now);

  it('covers every documented route', () => {
    const paths = new Set(requests.map((r) => `${r.method} ${r.path.split('?')[0].replace(fixture.well, '{id}')}`));
    for (const route of [
      'GET /health', 'GET /health/live', 'GET /health/ready', 'GET /health/startup',
      'POST /api/v1/telemetry/ingest', 'POST /api/v1/telemetry/batch',
      'GET /api/v1/telemetry/wells/{id}/latest', 'GET /api/v1/telemetry/wells/{id}/history', 'GET /api/v1/telemetry/wells/{id}/summary',
      'POST /api/v1/diagnostics/analyze', 'POST /api/v1/diagnostics/wells/{id}/analyze-latest',
      'GET /api/v1/diagnostics/wells/{id}/history', 'GET /api/v1/diagnostics/critical',
      'GET /api/v1/openapi.yaml', 'GET /api/v1/docs', 'GET /api/v1/redoc',
    ]) {
      expect(paths, route).toContain(route);
    }
  });

  it('answers each in order with the documented status and every field its clients read', async () => {
    const failures: string[] = [];
    for (const r of requests) {
      const res = await ctx.t.request(r.path, {
        method: r.method,
        key: r.auth === false ? null : undefined,
        headers: { accept: 'application/json' },
        ...(r.body === undefined ? {} : { json: r.body }),
      });
      const text = await res.text();
      if (res.status !== r.status) {
        failures.push(`${r.name}: ${r.method} ${r.path} answered ${res.status}, documented ${r.status}: ${text.slice(0, 300)}`);
        continue;
      }
      if (r.body_matches && !new RegExp(r.body_matches, 'i').test(text)) {
        failures.push(`${r.name}: body does not match /${r.body_matches}/`);
      }
      if (!r.reads) continue;
      expect(res.headers.get('content-type'), r.name).toMatch(/application\/json/);
      const body = JSON.parse(text) as unknown;
      for (const [path, type] of Object.entries(r.reads)) {
        const { found, values } = valuesAt(body, path);
        if (!found) failures.push(`${r.name}: no ${path}`);
        for (const v of values) if (!conforms(v, type)) failures.push(`${r.name}: ${path} is ${JSON.stringify(v)}, expected ${JSON.stringify(type)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('needs a key on /api/v1 (the one change for the original’s clients), and only there', async () => {
    for (const r of requests) {
      const res = await ctx.t.request(r.path, { method: r.method, key: null, ...(r.body === undefined ? {} : { json: r.body }) });
      if (r.path.startsWith('/api/v1/') && !/\/(docs|openapi\.yaml|redoc)$/.test(r.path)) {
        expect(res.status, `${r.method} ${r.path} without a key`).toBe(401);
      } else {
        expect(res.status, `${r.method} ${r.path} without a key`).toBeLessThan(400);
      }
    }
  });

  it('gives a reading the same telemetry_id each time it is sent, and serves it as the reading’s id', async () => {
    const reading = { well_id: `${fixture.well}-ID`, timestamp: new Date(now - 5 * 60_000).toISOString(), flow_rate: 2400 };
    const first = (await (await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: reading })).json()) as { telemetry_id: number };
    const again = (await (await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: reading })).json()) as { telemetry_id: number };
    expect(again.telemetry_id).toBe(first.telemetry_id);
    const other = (await (
      await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { ...reading, timestamp: new Date(now - 4 * 60_000).toISOString() } })
    ).json()) as { telemetry_id: number };
    expect(other.telemetry_id).not.toBe(first.telemetry_id);
    const history = (await (await ctx.t.request(`/api/v1/telemetry/wells/${reading.well_id}/history?hours=1`)).json()) as {
      telemetry: { id: number; timestamp: string }[];
    };
    const served = history.telemetry.find((t) => t.timestamp === reading.timestamp)!;
    expect(served.id).toBe(first.telemetry_id);
    // A served reading sent back as is (its id and its nulls) is accepted and keeps its id.
    const back = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: served });
    expect(back.status).toBe(201);
    expect(((await back.json()) as { telemetry_id: number }).telemetry_id).toBe(first.telemetry_id);
  });
});
