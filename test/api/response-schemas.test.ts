// Every /api/v1 route declares what it answers, and answers that: each route of the running server (taken from
// the server itself, so a new route without a request here fails) is called, and each answer is checked with
// Ajv against the schema the OpenAPI document declares for that route and status. The body the handler gave
// is compared with the body sent, so a response schema that drops or reshapes a field fails too.
import type { preSerializationHookHandler, RouteOptions } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/domain/reading.js';
import { FleetSimulator } from '../../src/simulator/index.js';
import { ADAPTERS, openTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../helpers.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type JsonSchema = Record<string, unknown>;
interface OpenApiResponse {
  content?: Record<string, { schema?: JsonSchema }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>;
}

/** One request of the walk: which route it exercises, and the status it must get. */
interface Call {
  route: string;
  path: string | (() => string);
  method?: string;
  json?: unknown | (() => unknown);
  body?: string;
  contentType?: string;
  key?: string | null;
  status: number;
  /** Keep the parsed body for later calls. */
  save?: (body: Record<string, any>) => void;
}

/** Routes outside the contract: the documents themselves. */
const isDocumentRoute = (r: RouteOptions) =>
  (r.schema as { hide?: boolean } | undefined)?.hide === true || r.url.startsWith('/api/v1/docs');

const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/**
 * The schema as a closed contract: an object that does not say `additionalProperties` may have no field it does
 * not list (so a field the route sends without declaring it fails, even where the route sends JSON text itself).
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v);
  if (out.type === 'object' && out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/** The declared response for a status: the exact code, then its class (`4XX`), then `default`. */
function declared(doc: OpenApiDocument, route: string, status: number): OpenApiResponse | undefined {
  const [method, url] = route.split(' ');
  const responses = doc.paths[toOpenApiPath(url)]?.[method.toLowerCase()]?.responses ?? {};
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
}

function wire(r: Reading): Record<string, unknown> {
  const { ts, ...rest } = r;
  return { ...rest, timestamp: new Date(ts).toISOString() };
}

describe.each(ADAPTERS)('response schemas on %s', (kind) => {
  const routes: RouteOptions[] = [];
  /** What each handler handed to the serialiser, by request id. */
  const handed = new Map<string, unknown>();
  /** Collects the route table and, on every route, what the handler handed to the serialiser. */
  const capture = (r: RouteOptions): void => {
    routes.push(r);
    const keep: preSerializationHookHandler = (req, _reply, payload, done) => {
      handed.set(req.id, payload);
      done(null, payload);
    };
    r.preSerialization = [...[r.preSerialization ?? []].flat(), keep] as RouteOptions['preSerialization'];
  };
  let db: TestDatabase;
  let t: TestApp;
  let doc: OpenApiDocument;
  const now = Date.now();
  const wellId = 'RS-1';
  const saved: Record<string, any> = {};

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    t = await startTestApp(db, {
      env: { TELEMETRY_MAX_FUTURE_SKEW_S: String(4 * 3600) },
      security: true,
      onRoute: capture,
    });
    doc = (await (await t.request('/api/v1/openapi.json')).json()) as OpenApiDocument;

    // A well with a day of history and a fault an hour ago: readings, diagnoses, an alarm.
    const sim = new FleetSimulator({ wells: 1, seed: 7, startTs: now - 30 * HOUR, missingFraction: 0 });
    const { well_id: simWell, ...nameplate } = sim.wells()[0];
    expect((await t.request(`/api/v1/wells/${wellId}`, { method: 'PUT', json: nameplate })).status).toBe(201);
    const post = async (from: number, to: number) => {
      const readings: Reading[] = [];
      for (let ts = from; ts < to; ts += MIN) readings.push(...sim.next(ts).map((r) => ({ ...r, well_id: wellId })));
      for (let i = 0; i < readings.length; i += 1000) {
        const res = await t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings: readings.slice(i, i + 1000).map(wire) } });
        expect(res.status, await res.clone().text()).toBe(201);
      }
    };
    await post(now - 30 * HOUR, now - 90 * MIN);
    sim.injectFault(simWell, 'CLOSED_VALVE', now - 90 * MIN);
    await post(now - 90 * MIN, now);
    await t.app.ctx.diagnosis.flush();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  const wells = (id = wellId) => `/api/v1/wells/${id}`;
  const calls: Call[] = [
    // ---- telemetry
    { route: 'POST /api/v1/telemetry/ingest', path: '/api/v1/telemetry/ingest', json: { well_id: wellId, flow_rate: 1500, pip: null }, status: 201 },
    { route: 'POST /api/v1/telemetry/ingest', path: '/api/v1/telemetry/ingest', json: { well_id: wellId, flow_rate: -5 }, status: 400 },
    {
      route: 'POST /api/v1/telemetry/batch',
      path: '/api/v1/telemetry/batch',
      json: { readings: [{ well_id: 'RS-2', timestamp: new Date(now - 2 * MIN).toISOString(), flow_rate: 1200, motor_temp: 90 }] },
      status: 201,
    },
    {
      route: 'POST /api/v1/telemetry/import',
      path: '/api/v1/telemetry/import',
      body: `well_id,timestamp,flow_rate,pip\nRS-2,${new Date(now - 3 * MIN).toISOString()},1100,800\nRS-2,not-a-time,1,1\n`,
      contentType: 'text/csv',
      status: 200,
    },
    { route: 'GET /api/v1/telemetry/wells/:id/latest', path: '/api/v1/telemetry/wells/RS-1/latest', status: 200 },
    { route: 'GET /api/v1/telemetry/wells/:id/latest', path: '/api/v1/telemetry/wells/NOPE/latest', status: 404 },
    { route: 'GET /api/v1/telemetry/wells/:id/history', path: '/api/v1/telemetry/wells/RS-1/history?hours=2&limit=50', status: 200 },
    { route: 'GET /api/v1/telemetry/wells/:id/history', path: '/api/v1/telemetry/wells/RS-1/history?hours=30&interval=1h', status: 200 },
    { route: 'GET /api/v1/telemetry/wells/:id/history', path: '/api/v1/telemetry/wells/RS-1/history?hours=30&interval=1h&agg=max', status: 200 },
    { route: 'GET /api/v1/telemetry/wells/:id/history', path: '/api/v1/telemetry/wells/RS-1/history?hours=1&format=csv', status: 200 },
    { route: 'GET /api/v1/telemetry/wells/:id/history', path: '/api/v1/telemetry/wells/RS-1/history?interval=1x', status: 400 },
    { route: 'GET /api/v1/telemetry/wells/:id/summary', path: '/api/v1/telemetry/wells/RS-1/summary?hours=48', status: 200 },
    { route: 'GET /api/v1/telemetry/wells/:id/summary', path: '/api/v1/telemetry/wells/NONE/summary', status: 404 },
    { route: 'GET /api/v1/ingest/rejected', path: '/api/v1/ingest/rejected?limit=5', status: 200 },
    { route: 'GET /api/v1/ingest/stats', path: '/api/v1/ingest/stats', status: 200 },
    // ---- wells and fleet
    { route: 'POST /api/v1/wells', path: '/api/v1/wells', json: { well_id: 'RS-DEL', name: 'To delete', rated_flow_bpd: 900 }, status: 201 },
    { route: 'POST /api/v1/wells', path: '/api/v1/wells', json: { well_id: 'RS-DEL' }, status: 409 },
    { route: 'GET /api/v1/wells', path: '/api/v1/wells', status: 200 },
    { route: 'GET /api/v1/wells', path: '/api/v1/wells?include=sparkline&sort=time_to_limit&limit=5', status: 200 },
    { route: 'GET /api/v1/fleet/sparklines', path: '/api/v1/fleet/sparklines?hours=6', status: 200 },
    { route: 'GET /api/v1/wells/:id', path: wells(), status: 200 },
    { route: 'GET /api/v1/wells/:id', path: wells('NOPE'), status: 404 },
    { route: 'PUT /api/v1/wells/:id', path: wells('RS-3'), method: 'PUT', json: { name: 'Three', field: 'North' }, status: 201 },
    { route: 'PUT /api/v1/wells/:id', path: wells('RS-3'), method: 'PUT', json: { name: 'Three again' }, status: 200 },
    { route: 'PUT /api/v1/wells/:id', path: wells('RS-3'), method: 'PUT', json: { unknown_field: 1 }, status: 400 },
    { route: 'DELETE /api/v1/wells/:id', path: wells('RS-DEL'), method: 'DELETE', status: 200 },
    { route: 'DELETE /api/v1/wells/:id', path: wells('RS-DEL'), method: 'DELETE', status: 404 },
    // ---- early warning and run life
    { route: 'GET /api/v1/wells/:id/reference', path: `${wells()}/reference`, status: 200 },
    {
      route: 'PUT /api/v1/wells/:id/reference',
      path: `${wells()}/reference`,
      method: 'PUT',
      json: { from: new Date(now - 28 * HOUR).toISOString(), to: new Date(now - 20 * HOUR).toISOString() },
      status: 200,
    },
    { route: 'DELETE /api/v1/wells/:id/reference', path: `${wells()}/reference`, method: 'DELETE', status: 200 },
    {
      route: 'POST /api/v1/wells/:id/events',
      path: `${wells()}/events`,
      json: { type: 'install', at: new Date(now - 400 * DAY).toISOString(), pump_model: 'P-100' },
      status: 201,
    },
    {
      route: 'POST /api/v1/wells/:id/events',
      path: `${wells()}/events`,
      json: { type: 'failure', at: new Date(now - 40 * DAY).toISOString(), reason: 'shaft' },
      status: 201,
    },
    { route: 'POST /api/v1/wells/:id/events', path: `${wells()}/events`, json: { type: 'explode', at: new Date(now).toISOString() }, status: 400 },
    { route: 'GET /api/v1/wells/:id/events', path: `${wells()}/events`, status: 200 },
    { route: 'GET /api/v1/wells/:id/forecast', path: `${wells()}/forecast?horizon_days=30`, status: 200 },
    { route: 'GET /api/v1/reliability', path: '/api/v1/reliability', status: 200 },
    { route: 'GET /api/v1/reliability', path: '/api/v1/reliability?group_by=field', status: 200 },
    // ---- diagnostics
    {
      route: 'POST /api/v1/diagnostics/analyze',
      path: '/api/v1/diagnostics/analyze',
      json: { well_id: wellId, telemetry: { flow_rate: 1480, pip: 1100, motor_current: 62, motor_temp: 120, vibration: 0.4, vsd_frequency: 60 } },
      status: 200,
    },
    {
      route: 'POST /api/v1/diagnostics/analyze',
      path: '/api/v1/diagnostics/analyze',
      json: { well_id: wellId, telemetry: { flow_rate: 1480 }, store_result: false },
      status: 200,
    },
    { route: 'POST /api/v1/diagnostics/wells/:id/analyze-latest', path: '/api/v1/diagnostics/wells/RS-1/analyze-latest', method: 'POST', status: 200 },
    { route: 'POST /api/v1/diagnostics/wells/:id/analyze-latest', path: '/api/v1/diagnostics/wells/NOPE/analyze-latest', method: 'POST', status: 404 },
    { route: 'GET /api/v1/diagnostics/wells/:id/history', path: '/api/v1/diagnostics/wells/RS-1/history?limit=20', status: 200 },
    { route: 'GET /api/v1/diagnostics/critical', path: '/api/v1/diagnostics/critical', status: 200 },
    // ---- alarms
    { route: 'GET /api/v1/alarms', path: `/api/v1/alarms?well_id=${wellId}`, status: 200, save: (b) => (saved.alarmId = b.alarms[0]?.id) },
    { route: 'GET /api/v1/alarms/:id', path: () => `/api/v1/alarms/${saved.alarmId}`, status: 200 },
    { route: 'GET /api/v1/alarms/:id', path: '/api/v1/alarms/999999', status: 404 },
    { route: 'POST /api/v1/alarms/:id/ack', path: () => `/api/v1/alarms/${saved.alarmId}/ack`, json: { note: 'seen' }, status: 200 },
    { route: 'POST /api/v1/alarms/:id/ack', path: () => `/api/v1/alarms/${saved.alarmId}/ack`, json: {}, status: 409 },
    // ---- live stream
    { route: 'GET /api/v1/events', path: '/api/v1/events?types=alarm', status: 200 },
    // ---- users, sign-in, device keys, audit
    { route: 'POST /api/v1/users', path: '/api/v1/users', json: { username: 'rs-eng', password: 'rs-password-1', role: 'engineer' }, status: 201 },
    { route: 'POST /api/v1/users', path: '/api/v1/users', json: { username: 'rs-eng', password: 'short', role: 'engineer' }, status: 400 },
    { route: 'GET /api/v1/users', path: '/api/v1/users', status: 200 },
    {
      route: 'POST /api/v1/auth/login',
      path: '/api/v1/auth/login',
      key: null,
      json: { username: 'rs-eng', password: 'rs-password-1' },
      status: 200,
      save: (b) => (saved.tokens = b),
    },
    { route: 'POST /api/v1/auth/login', path: '/api/v1/auth/login', key: null, json: { username: 'rs-eng', password: 'wrong-password' }, status: 401 },
    {
      route: 'POST /api/v1/auth/refresh',
      path: '/api/v1/auth/refresh',
      key: null,
      json: () => ({ refresh_token: saved.tokens.refresh_token }),
      status: 200,
      save: (b) => (saved.tokens = b),
    },
    { route: 'GET /api/v1/auth/me', path: '/api/v1/auth/me', status: 200 },
    { route: 'POST /api/v1/auth/logout', path: '/api/v1/auth/logout', key: null, json: () => ({ refresh_token: saved.tokens.refresh_token }), status: 200 },
    { route: 'DELETE /api/v1/users/:username', path: '/api/v1/users/rs-eng', method: 'DELETE', status: 200 },
    { route: 'DELETE /api/v1/users/:username', path: '/api/v1/users/rs-eng', method: 'DELETE', status: 404 },
    { route: 'POST /api/v1/keys', path: '/api/v1/keys', json: { name: 'rs-gateway', wells: [wellId] }, status: 201, save: (b) => (saved.keyId = b.id) },
    { route: 'POST /api/v1/keys', path: '/api/v1/keys', json: { name: 'rs-field', field: 'North' }, status: 201 },
    { route: 'GET /api/v1/keys', path: '/api/v1/keys', status: 200 },
    { route: 'DELETE /api/v1/keys/:id', path: () => `/api/v1/keys/${saved.keyId}`, method: 'DELETE', status: 200 },
    { route: 'GET /api/v1/audit', path: '/api/v1/audit?limit=50', status: 200 },
  ];

  it('covers every /api/v1 route of the server, and each declares its success and error responses', () => {
    const served = new Set<string>();
    for (const r of routes) {
      if (!r.url.startsWith('/api/v1/') || isDocumentRoute(r)) continue;
      for (const method of [r.method].flat()) if (method !== 'HEAD') served.add(`${method} ${r.url}`);
    }
    expect(served.size).toBeGreaterThan(30);
    const called = new Set(calls.map((c) => c.route));
    expect([...served].filter((r) => !called.has(r)), 'routes without a request in this test').toEqual([]);
    expect([...called].filter((r) => !served.has(r)), 'requests for routes the server does not have').toEqual([]);
    const undeclared: string[] = [];
    for (const route of served) {
      for (const status of [200, 400, 500]) {
        const success = status === 200 ? calls.find((c) => c.route === route && c.status < 300)?.status : status;
        if (success === undefined || !declared(doc, route, success)?.content) undeclared.push(`${route} ${success ?? 'no 2xx call'}`);
      }
    }
    expect(undeclared, 'routes or statuses without a declared response schema').toEqual([]);
  });

  it('answers every route as its declared schema says, and sends what the handler gave', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const compiled = new Map<JsonSchema, ValidateFunction>();
    const validatorOf = (schema: JsonSchema) => {
      let v = compiled.get(schema);
      if (!v) compiled.set(schema, (v = ajv.compile(closed(schema) as JsonSchema)));
      return v;
    };
    const failures: string[] = [];
    let checked = 0;
    let n = 0;
    const check = async (call: Call, res: Response, requestId: string, label: string) => {
      const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
      const response = declared(doc, call.route, res.status);
      const schema = response?.content?.[type]?.schema;
      if (!schema) {
        failures.push(`${label}: no schema declared for ${res.status} ${type}`);
        await res.body?.cancel();
        return;
      }
      if (type === 'text/event-stream') {
        // The stream never ends: its first frame is enough to know it is one.
        const reader = res.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        await reader.cancel();
        if (!first.startsWith('retry:')) failures.push(`${label}: the stream starts with ${JSON.stringify(first.slice(0, 40))}`);
        checked++;
        return;
      }
      const text = await res.text();
      const body: unknown = type === 'application/json' ? JSON.parse(text) : text;
      const validate = validatorOf(schema);
      if (!validate(body)) failures.push(`${label}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`);
      if (handed.has(requestId)) {
        const given = JSON.parse(JSON.stringify(handed.get(requestId))) as unknown;
        try {
          expect(body).toEqual(given);
        } catch {
          failures.push(`${label}: the serialiser changed the body\n  given ${JSON.stringify(given).slice(0, 600)}\n  sent  ${text.slice(0, 600)}`);
        }
      }
      checked++;
    };
    const send = (call: Call, key: string | null | undefined, requestId: string) => {
      const path = typeof call.path === 'function' ? call.path() : call.path;
      const json = typeof call.json === 'function' ? (call.json as () => unknown)() : call.json;
      const method = call.method ?? (json !== undefined || call.body !== undefined ? 'POST' : 'GET');
      const headers: Record<string, string> = { 'x-request-id': requestId };
      if (call.contentType) headers['content-type'] = call.contentType;
      return { path, method, res: t.request(path, { method, key, json, body: call.body, headers }) };
    };

    for (const call of calls) {
      const requestId = `rs-${kind}-${++n}`;
      const { path, method, res: pending } = send(call, call.key, requestId);
      const res = await pending;
      const label = `${call.route} (${method} ${path})`;
      if (res.status !== call.status) {
        failures.push(`${label}: answered ${res.status}, expected ${call.status}: ${(await res.text()).slice(0, 300)}`);
        continue;
      }
      if (call.save) call.save((await res.clone().json()) as Record<string, any>);
      await check(call, res, requestId, label);
    }

    // Every route refuses a request without credentials (or, when public, a bad body) in the error contract.
    const seen = new Set<string>();
    for (const call of calls) {
      if (seen.has(call.route)) continue;
      seen.add(call.route);
      const requestId = `rs-${kind}-${++n}`;
      const publicRoute = call.key === null || call.route === 'GET /api/v1/auth/me';
      const refused: Call = publicRoute && call.route !== 'GET /api/v1/auth/me' ? { ...call, json: { nonsense: true }, status: 400 } : { ...call, status: 401 };
      const { path, method, res: pending } = send(refused, null, requestId);
      const res = await pending;
      const label = `${call.route} (${method} ${path}, refused)`;
      if (res.status !== refused.status) {
        failures.push(`${label}: answered ${res.status}, expected ${refused.status}`);
        await res.body?.cancel();
        continue;
      }
      await check(refused, res, requestId, label);
    }
    console.info(`[response-schemas] ${kind}: ${checked} answers checked against the OpenAPI document`);
    expect(failures).toEqual([]);
  }, 120_000);
});
