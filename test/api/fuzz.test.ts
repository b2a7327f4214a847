// 10 000 random malformed bodies: only 4xx, nothing stored, and the server keeps serving. Then every route of
// the server with hostile parameters and bodies: never a 5xx.
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, openTestDatabase, useTestApp, type TestApp, type TestDatabase } from '../helpers.js';
import { startSecureApp } from '../security/support.js';

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHANNELS = ['flow_rate', 'pip', 'motor_current', 'motor_temp', 'vibration', 'vsd_frequency', 'flow_variance', 'torque', 'gor'];

function malformed(r: () => number): { body: string; contentType: string } {
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const weird = () =>
    // Every one is invalid for every channel (null is not: it means "not measured").
    pick<unknown>(['NaN', 'Infinity', '-1', '', true, [], {}, 1e308, -1e308, 'x'.repeat(100), { $gt: 0 }, [1, 2], "'; DROP TABLE telemetry; --", -51]);
  const kind = Math.floor(r() * 12);
  const reading: Record<string, unknown> = { well_id: 'FUZZ-1', flow_rate: 100 };
  switch (kind) {
    case 0: // wrong type for a channel
      reading[pick(CHANNELS)] = weird();
      break;
    case 1: // missing well id
      delete reading.well_id;
      break;
    case 2: // huge numbers written as text in JSON
      return { body: `{"well_id":"FUZZ-1","flow_rate":1e${400 + Math.floor(r() * 1000)}}`, contentType: 'application/json' };
    case 3: // deep nesting
      return { body: '['.repeat(5000 + Math.floor(r() * 50_000)) + ']'.repeat(10), contentType: 'application/json' };
    case 4: // not JSON at all
      return { body: String.fromCharCode(...Array.from({ length: 50 }, () => Math.floor(r() * 256))), contentType: 'application/json' };
    case 5: // bad id
      reading.well_id = pick(['', 'a'.repeat(65), 'white space', 'semi;colon', '../etc', 'ü', 42, null]);
      break;
    case 6: // bad timestamp
      reading.timestamp = pick(['yesterday', '2026-13-45T99:99:99Z', -5, 1.5, '2026-01-01', {}, '9999-01-01T00:00:00Z']);
      break;
    case 7: // unknown field
      reading[`x_${Math.floor(r() * 1000)}`] = 1;
      break;
    case 8: // batch with one bad item among good ones
      return {
        body: JSON.stringify({ readings: [{ well_id: 'FUZZ-1', flow_rate: 1 }, { well_id: 'FUZZ-1', flow_rate: weird() }] }),
        contentType: 'application/json',
      };
    case 9: // batch of wrong shape
      return { body: JSON.stringify(pick<unknown>([{ readings: 'all' }, { readings: [] }, [], { reading: [] }, { readings: [1, 2, 3] }])), contentType: 'application/json' };
    case 10: // wrong content type
      return { body: 'well_id=FUZZ-1&flow_rate=1', contentType: pick(['application/x-www-form-urlencoded', 'text/plain', 'application/xml']) };
    default: // out-of-range value
      reading[pick(CHANNELS.filter((c) => c !== 'torque'))] = pick([-51, 1e9, -50.5]);
  }
  return { body: JSON.stringify(reading), contentType: 'application/json' };
}

describe('malformed input (embedded store)', () => {
  const ctx = useTestApp('pglite');

  it('answers 10 000 malformed bodies with 4xx only and keeps serving', async () => {
    const r = rng(20261126);
    const statuses = new Map<number, number>();
    const paths = ['/api/v1/telemetry/ingest', '/api/v1/telemetry/batch'];
    const N = 10_000;
    const concurrency = 32;
    let next = 0;
    async function worker() {
      while (next < N) {
        const i = next++;
        const { body, contentType } = malformed(r);
        const path = body.includes('"readings"') || i % 7 === 0 ? paths[1] : paths[0];
        const res = await ctx.t.request(path, { method: 'POST', body, headers: { 'content-type': contentType } });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
    const codes = [...statuses.keys()];
    expect(codes.every((c) => c >= 400 && c < 500), JSON.stringify(Object.fromEntries(statuses))).toBe(true);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(N);
    expect(await ctx.db.repo.countReadings()).toBe(0);
    expect((await ctx.t.request('/health/live')).status).toBe(200);
    expect((await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'FUZZ-1', flow_rate: 1 } })).status).toBe(201);
  }, 300_000);

  it('refuses a 10 MB body with 413 and keeps serving', async () => {
    const big = JSON.stringify({ readings: Array.from({ length: 60_000 }, (_, i) => ({ well_id: 'BIG-WELL-0001', timestamp: 1_700_000_000_000 + i, flow_rate: 1234.5, pip: 1234.5, motor_current: 55.25, motor_temp: 101.5, vibration: 0.55, vsd_frequency: 58.5 })) });
    expect(big.length).toBeGreaterThan(8 * 1024 * 1024);
    const res = await ctx.t.request('/api/v1/telemetry/batch', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE' });
    const single = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', body: 'x'.repeat(10 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
    expect(single.status).toBe(413);
    expect((await ctx.t.request('/health/live')).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Every route the running server registers (taken from its route table, so a new route is covered without
// touching this file): each query parameter, path parameter and body field gets hostile values, as admin.
// Nothing may answer 5xx.

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maxLength?: number;
};

const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  'FUZZ-1\u0000',
  '\u0001\u0002\u001b[31m\u007f\u0085',
  '\r\n\t',
  '\ud800', // lone surrogate
  '',
  ' ',
  '-1',
  '0',
  '99999999999999999999',
  '-99999999999999999999',
  '1e308',
  'NaN',
  'Infinity',
  '8640000000000000',
  '-8640000000000001',
  '-271821-04-20T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '1969-12-31T23:59:59Z',
  '2026-02-30T25:61:61Z',
  "'; DROP TABLE telemetry; --",
  '../../../../etc/passwd',
  '%00',
  '{}',
  '[]',
  'x'.repeat(5_000),
];
/** Body-only values: other JSON types and sizes a query string cannot carry. */
const HOSTILE_BODY_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  'x'.repeat(200_000),
  1e308,
  -1e308,
  2 ** 53 + 1,
  -1,
  0.5,
  -0,
  8_640_000_000_000_001,
  true,
  null,
  {},
  [],
  ['\u0000'],
  { '\u0000': 1 },
];

/** A plausible value of a schema, so a body reaches its handler and one field at a time can be made hostile. */
function sample(schema: JsonSchema | undefined, name = ''): unknown {
  if (!schema) return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.length) return sample(schema.anyOf[0], name);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key], key);
      return out;
    }
    case 'array':
      return [sample(schema.items, name)];
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return true;
    default:
      if (schema.pattern === '^[0-9a-f]{16}$') return '0123456789abcdef';
      if (/password/.test(name)) return 'fuzz-password-123';
      if (/well_id|^id$/.test(name)) return 'FUZZ-1';
      if (/role/.test(name)) return 'viewer';
      return 'fuzz';
  }
}

/** Percent-encodes for a URL; a lone surrogate (not encodable) goes as the invalid UTF-8 it would be. */
function enc(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80%FF';
  }
}

interface FuzzRoute {
  method: string;
  url: string;
  schema: { querystring?: JsonSchema; params?: JsonSchema; body?: JsonSchema };
}

/** Paths inside an object schema to the leaves (strings, numbers, …), e.g. ['readings', 0, 'well_id']. */
function leafPaths(schema: JsonSchema | undefined, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (!schema || depth > 4) return [prefix];
  if (schema.properties) {
    const out: (string | number)[][] = [];
    for (const [k, s] of Object.entries(schema.properties)) out.push(...leafPaths(s, [...prefix, k], depth + 1));
    return out;
  }
  if (schema.items) return [prefix, ...leafPaths(schema.items, [...prefix, 0], depth + 1)];
  return [prefix];
}

function withValue(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value;
  const copy: Record<string | number, unknown> = Array.isArray(base) ? [...base] : { ...((base as object) ?? {}) };
  const [head, ...rest] = path;
  const inner = copy[head] ?? (typeof rest[0] === 'number' ? [] : {});
  copy[head] = withValue(inner, rest, value);
  return copy;
}

describe.each(ADAPTERS)('every route with hostile parameters on %s', (kind) => {
  const routes: RouteOptions[] = [];
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    t = await startSecureApp(db, {
      routes,
      env: { RATE_LIMIT_PER_MINUTE: '10000000', INGEST_RATE_LIMIT_PER_MINUTE: '10000000' },
    });
    const res = await t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'FUZZ-1', flow_rate: 1500, pip: 900 } });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('refuses NUL in a search, a field, a well name, a key name, an ack note and a login username with 400 naming the field', async () => {
    const cases: [string, RequestInit & { json?: unknown; key?: string | null }, string][] = [
      ['/api/v1/wells?q=a%00b', {}, 'q'],
      ['/api/v1/wells?field=a%00b', {}, 'field'],
      ['/api/v1/wells', { method: 'POST', json: { well_id: 'FUZZ-NUL', name: 'a\u0000b' } }, 'name'],
      ['/api/v1/keys', { method: 'POST', json: { name: 'k\u0000', role: 'device' } }, 'name'],
      ['/api/v1/alarms/1/ack', { method: 'POST', json: { note: 'seen\u0000' } }, 'note'],
      ['/api/v1/auth/login', { method: 'POST', key: null, json: { username: 'ad\u0000min', password: 'whatever-123' } }, 'username'],
    ];
    for (const [path, init, field] of cases) {
      const res = await t.request(path, init);
      const body = (await res.json()) as { error_code: string; details: { errors: { field: string; reason: string }[] } };
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(body.error_code).toBe('VALIDATION_ERROR');
      expect(body.details.errors[0]).toMatchObject({ field, reason: expect.stringMatching(/NUL/) });
    }
    for (const q of ['offset=99999999999999999999', 'to=8640000000000000', 'from=-271821-04-20T00:00:00Z']) {
      const path = q.startsWith('offset') ? `/api/v1/wells?${q}` : `/api/v1/telemetry/wells/FUZZ-1/history?${q}`;
      const res = await t.request(path);
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(400);
    }
  });

  it('answers every route, with every parameter and body field hostile, without a 5xx', async () => {
    const table: FuzzRoute[] = [];
    for (const r of routes) {
      for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        table.push({ method, url: r.url, schema: (r.schema ?? {}) as FuzzRoute['schema'] });
      }
    }
    // The table really is the server's: the core, security and ingest routes are all there.
    const urls = new Set(table.map((r) => `${r.method} ${r.url}`));
    for (const known of ['POST /api/v1/telemetry/batch', 'GET /api/v1/wells', 'POST /api/v1/auth/login', 'POST /api/v1/telemetry/import', 'GET /api/v1/events']) {
      expect(urls.has(known), known).toBe(true);
    }

    const failures: string[] = [];
    let sent = 0;
    const send = async (method: string, path: string, body: unknown, contentType = 'application/json') => {
      const init: RequestInit = { method };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const headers: Record<string, string> = body !== undefined ? { 'content-type': contentType } : {};
      const res = await t.request(path, { ...init, headers });
      sent++;
      await res.body?.cancel(); // live streams never end by themselves
      if (res.status >= 500) failures.push(`${res.status} ${method} ${path} ${body === undefined ? '' : String(init.body).slice(0, 120)}`);
    };
    const fill = (url: string, params: JsonSchema | undefined, override?: [string, string]) =>
      url.replace(/:(\w+)/g, (_m, name: string) =>
        enc(override && override[0] === name ? override[1] : String(sample(params?.properties?.[name], name))),
      );

    for (const route of table) {
      const { method, url, schema } = route;
      const baseBody = schema.body ? sample(schema.body) : method === 'POST' || method === 'PUT' ? {} : undefined;
      const queue: [string, unknown][] = [];
      // Path parameters.
      for (const name of Object.keys(schema.params?.properties ?? {})) {
        for (const v of HOSTILE_STRINGS) queue.push([fill(url, schema.params, [name, v]), baseBody]);
      }
      const path = fill(url, schema.params);
      // Query parameters, one at a time, and all at once.
      const queryNames = Object.keys(schema.querystring?.properties ?? {});
      for (const name of queryNames) {
        for (const v of HOSTILE_STRINGS) queue.push([`${path}?${name}=${enc(v)}`, baseBody]);
        queue.push([`${path}?${name}=a&${name}=b`, baseBody]); // repeated parameter
      }
      for (const v of ['\u0000', '99999999999999999999', '-271821-04-20T00:00:00Z']) {
        if (queryNames.length) queue.push([`${path}?${queryNames.map((n) => `${n}=${enc(v)}`).join('&')}`, baseBody]);
      }
      // Body fields (leaves and containers), one at a time; and hostile whole bodies.
      if (method !== 'GET' && method !== 'DELETE') {
        for (const leaf of leafPaths(schema.body)) {
          for (const v of HOSTILE_BODY_VALUES) queue.push([path, withValue(baseBody, leaf, v)]);
        }
        for (const whole of [null, [], 'x', 1, { '\u0000': '\u0000' }, '[' .repeat(10_000)]) queue.push([path, whole]);
      }
      if (!queue.length) queue.push([path, baseBody]);
      for (const [p, body] of queue) await send(method, p, body);
      // A streamed body with hostile rows (the import), and plain text where JSON is expected.
      if (method === 'POST') {
        await send(method, path, 'well_id,timestamp,flow_rate\nFUZZ-1\u0000,2026-01-01T00:00:00Z,1\nFUZZ-1,\u0000,1\n', 'text/csv');
        await send(method, path, '{"well_id":"FUZZ-1\\u0000","flow_rate":1}\n{"well_id":"FUZZ-1","timestamp":-8640000000000001}\n', 'application/x-ndjson');
      }
    }
    console.info(`[fuzz] ${table.length} routes, ${sent} requests, ${failures.length} answered 5xx`);
    expect(failures).toEqual([]);
    expect((await t.request('/health/live')).status).toBe(200);
  }, 600_000);
});
