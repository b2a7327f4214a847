// The authorisation matrix: every route the app registers × {no credentials, viewer, engineer, admin (user and
// admin key), device key in scope, device key out of scope}. Routes are enumerated from the app itself, so a
// route added without an entry here fails this test instead of escaping it.
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, openTestDatabase, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';
import { createKey, createUser, login, startSecureApp } from './support.js';

type Who = 'none' | 'viewer' | 'device-in' | 'device-out' | 'engineer' | 'admin-key' | 'admin';
/** Admins last: they are allowed to delete, so they go after everyone who should have been refused. */
const WHO: Who[] = ['none', 'viewer', 'device-in', 'device-out', 'engineer', 'admin-key', 'admin'];

type Rule = 'public' | 'any-credential' | 'read' | 'ingest' | 'analyze' | 'manage_wells' | 'ack' | 'admin';

const ALLOWED: Record<Who, Rule[]> = {
  none: ['public'],
  viewer: ['public', 'any-credential', 'read'],
  'device-in': ['public', 'any-credential', 'ingest'],
  'device-out': ['public', 'any-credential', 'ingest'],
  engineer: ['public', 'any-credential', 'read', 'ingest', 'analyze', 'manage_wells', 'ack'],
  'admin-key': ['public', 'any-credential', 'read', 'ingest', 'analyze', 'manage_wells', 'ack', 'admin'],
  admin: ['public', 'any-credential', 'read', 'ingest', 'analyze', 'manage_wells', 'ack', 'admin'],
};

interface Call {
  path: string;
  body?: unknown;
  contentType?: string;
}

interface Entry {
  rule: Rule;
  call: (who: Who) => Call;
  /** Device key out of scope on an ingest route: what it gets instead (default 403). */
  outOfScope?: (status: number, body: any) => boolean;
}

const now = () => new Date().toISOString();
const reading = () => ({ well_id: 'W-IN', timestamp: now(), flow_rate: 1500, pip: 900, motor_current: 40, motor_temp: 80, vibration: 0.5, vsd_frequency: 60 });

// Filled in beforeAll.
const fixtures = {
  alarms: {} as Record<string, number>,
  keys: {} as Record<string, string>,
  refresh: {} as Record<string, string>,
  viewerPassword: 'viewer-password-1',
};

const TABLE: Record<string, Entry> = {
  'POST /api/v1/telemetry/ingest': { rule: 'ingest', call: () => ({ path: '/api/v1/telemetry/ingest', body: reading() }) },
  'POST /api/v1/telemetry/batch': { rule: 'ingest', call: () => ({ path: '/api/v1/telemetry/batch', body: { readings: [reading()] } }) },
  'POST /api/v1/telemetry/import': {
    rule: 'ingest',
    call: () => ({ path: '/api/v1/telemetry/import', contentType: 'text/csv', body: `well_id,timestamp,flow_rate\nW-IN,${now()},1400\n` }),
    // The import skips (and reports) rows for wells outside the key's scope.
    outOfScope: (status, body) => status === 200 && body.accepted === 0 && body.rejected === 1,
  },
  'GET /api/v1/telemetry/wells/:id/latest': { rule: 'read', call: () => ({ path: '/api/v1/telemetry/wells/W-IN/latest' }) },
  'GET /api/v1/telemetry/wells/:id/history': { rule: 'read', call: () => ({ path: '/api/v1/telemetry/wells/W-IN/history' }) },
  'GET /api/v1/telemetry/wells/:id/summary': { rule: 'read', call: () => ({ path: '/api/v1/telemetry/wells/W-IN/summary' }) },
  'POST /api/v1/wells': { rule: 'manage_wells', call: (w) => ({ path: '/api/v1/wells', body: { well_id: `NEW-${w}`, name: 'new', field: 'North' } }) },
  'GET /api/v1/wells': { rule: 'read', call: () => ({ path: '/api/v1/wells' }) },
  'GET /api/v1/fleet/sparklines': { rule: 'read', call: () => ({ path: '/api/v1/fleet/sparklines' }) },
  'GET /api/v1/wells/:id': { rule: 'read', call: () => ({ path: '/api/v1/wells/W-IN' }) },
  'PUT /api/v1/wells/:id': { rule: 'manage_wells', call: (w) => ({ path: `/api/v1/wells/PUT-${w}`, body: { name: 'put', field: 'North' } }) },
  'DELETE /api/v1/wells/:id': { rule: 'manage_wells', call: (w) => ({ path: `/api/v1/wells/DEL-${w}` }) },
  'GET /api/v1/wells/:id/reference': { rule: 'read', call: () => ({ path: '/api/v1/wells/W-IN/reference' }) },
  'PUT /api/v1/wells/:id/reference': {
    rule: 'manage_wells',
    call: () => ({ path: '/api/v1/wells/W-IN/reference', body: { from: new Date(Date.now() - 20 * 60_000).toISOString(), to: new Date(Date.now() - 5 * 60_000).toISOString() } }),
  },
  'DELETE /api/v1/wells/:id/reference': { rule: 'manage_wells', call: () => ({ path: '/api/v1/wells/W-IN/reference' }) },
  'POST /api/v1/wells/:id/events': { rule: 'manage_wells', call: (w) => ({ path: '/api/v1/wells/W-IN/events', body: { type: 'trip', at: now(), reason: `by ${w}` } }) },
  'GET /api/v1/wells/:id/events': { rule: 'read', call: () => ({ path: '/api/v1/wells/W-IN/events' }) },
  'GET /api/v1/wells/:id/forecast': { rule: 'read', call: () => ({ path: '/api/v1/wells/W-IN/forecast' }) },
  'GET /api/v1/reliability': { rule: 'read', call: () => ({ path: '/api/v1/reliability' }) },
  'POST /api/v1/diagnostics/analyze': {
    rule: 'analyze',
    call: () => ({ path: '/api/v1/diagnostics/analyze', body: { well_id: 'W-IN', telemetry: { flow_rate: 1500, pip: 900, motor_current: 40, motor_temp: 80, vibration: 0.5, vsd_frequency: 60 } } }),
  },
  'POST /api/v1/diagnostics/wells/:id/analyze-latest': { rule: 'analyze', call: () => ({ path: '/api/v1/diagnostics/wells/W-IN/analyze-latest?store_result=false' }) },
  'GET /api/v1/diagnostics/wells/:id/history': { rule: 'read', call: () => ({ path: '/api/v1/diagnostics/wells/W-IN/history' }) },
  'GET /api/v1/diagnostics/critical': { rule: 'read', call: () => ({ path: '/api/v1/diagnostics/critical' }) },
  'GET /api/v1/alarms': { rule: 'read', call: () => ({ path: '/api/v1/alarms' }) },
  'GET /api/v1/alarms/:id': { rule: 'read', call: () => ({ path: `/api/v1/alarms/${fixtures.alarms.admin}` }) },
  'POST /api/v1/alarms/:id/ack': { rule: 'ack', call: (w) => ({ path: `/api/v1/alarms/${fixtures.alarms[w] ?? fixtures.alarms.admin}/ack`, body: { note: `ack by ${w}` } }) },
  'GET /api/v1/events': { rule: 'read', call: () => ({ path: '/api/v1/events' }) },
  'GET /api/v1/ingest/rejected': { rule: 'read', call: () => ({ path: '/api/v1/ingest/rejected' }) },
  'GET /api/v1/ingest/stats': { rule: 'read', call: () => ({ path: '/api/v1/ingest/stats' }) },
  'POST /api/v1/auth/login': { rule: 'public', call: () => ({ path: '/api/v1/auth/login', body: { username: 'm-viewer', password: fixtures.viewerPassword } }) },
  'POST /api/v1/auth/refresh': { rule: 'public', call: (w) => ({ path: '/api/v1/auth/refresh', body: { refresh_token: fixtures.refresh[w] } }) },
  'POST /api/v1/auth/logout': { rule: 'public', call: () => ({ path: '/api/v1/auth/logout', body: { refresh_token: `esprt_0123456789abcdef_${'A'.repeat(43)}` } }) },
  'GET /api/v1/auth/me': { rule: 'any-credential', call: () => ({ path: '/api/v1/auth/me' }) },
  'POST /api/v1/users': { rule: 'admin', call: (w) => ({ path: '/api/v1/users', body: { username: `new-${w}`, password: 'new-password-1', role: 'viewer' } }) },
  'GET /api/v1/users': { rule: 'admin', call: () => ({ path: '/api/v1/users' }) },
  'DELETE /api/v1/users/:username': { rule: 'admin', call: (w) => ({ path: `/api/v1/users/victim-${w}` }) },
  'POST /api/v1/keys': { rule: 'admin', call: (w) => ({ path: '/api/v1/keys', body: { name: `key-${w}`, wells: ['W-IN'] } }) },
  'GET /api/v1/keys': { rule: 'admin', call: () => ({ path: '/api/v1/keys' }) },
  'DELETE /api/v1/keys/:id': { rule: 'admin', call: (w) => ({ path: `/api/v1/keys/${fixtures.keys[w]}` }) },
  'GET /api/v1/audit': { rule: 'admin', call: () => ({ path: '/api/v1/audit' }) },
  'GET /api/v1/openapi.json': { rule: 'public', call: () => ({ path: '/api/v1/openapi.json' }) },
  'GET /api/v1/openapi.yaml': { rule: 'public', call: () => ({ path: '/api/v1/openapi.yaml' }) },
  'GET /api/v1/redoc': { rule: 'public', call: () => ({ path: '/api/v1/redoc' }) },
};

describe.each(ADAPTERS)('authorisation matrix (%s)', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;
  const routes: RouteOptions[] = [];
  const creds: Partial<Record<Who, string>> = {};

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    t = await startSecureApp(db, { routes });
    await createUser(t, 'm-viewer', fixtures.viewerPassword, 'viewer');
    await createUser(t, 'm-engineer', 'engineer-password-1', 'engineer');
    await createUser(t, 'm-admin', 'admin-password-1', 'admin');
    creds.viewer = (await login(t, 'm-viewer', fixtures.viewerPassword)).access_token;
    creds.engineer = (await login(t, 'm-engineer', 'engineer-password-1')).access_token;
    creds.admin = (await login(t, 'm-admin', 'admin-password-1')).access_token;
    creds['admin-key'] = TEST_ADMIN_KEY;
    creds['device-in'] = (await createKey(t, { name: 'gw-in', wells: ['W-IN'] })).key;
    creds['device-out'] = (await createKey(t, { name: 'gw-out', wells: ['W-OTHER'] })).key;
    for (const w of WHO) {
      fixtures.refresh[w] = (await login(t, 'm-viewer', fixtures.viewerPassword)).refresh_token;
      fixtures.keys[w] = (await createKey(t, { name: `victim-key-${w}`, field: 'Nowhere' })).id;
      await createUser(t, `victim-${w}`, 'victim-password-1', 'viewer');
      expect((await t.request(`/api/v1/wells/DEL-${w}`, { method: 'PUT', json: { name: 'to delete' } })).status).toBe(201);
      const alarm = await db.repo.raiseAlarm({ well_id: `ALM-${w}`, code: 'GAS_LOCK', severity: 'high', message: 'test', evidence: [], reading_ts: Date.now() });
      fixtures.alarms[w] = alarm!.id;
    }
    expect((await t.request('/api/v1/wells', { method: 'POST', json: { well_id: 'W-IN', name: 'in', field: 'North' } })).status).toBe(201);
    const seed = Array.from({ length: 30 }, (_, i) => ({ ...reading(), timestamp: new Date(Date.now() - (30 - i) * 60_000).toISOString() }));
    expect((await t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings: seed } })).status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('enumerates the app’s routes and every /api/v1 route has an entry', () => {
    const api = routes.filter((r) => r.url.startsWith('/api/v1/') && !r.url.startsWith('/api/v1/docs'));
    expect(api.length).toBeGreaterThan(20);
    const missing = api
      .flatMap((r) => [r.method].flat().map((m) => `${m} ${r.url}`))
      .filter((k) => !k.startsWith('HEAD ') && !k.startsWith('OPTIONS ') && !TABLE[k]);
    expect(missing, 'routes without an authorisation rule in the matrix').toEqual([]);
    // And every entry's declared permission agrees with what the route itself declares.
    for (const r of api) {
      for (const m of [r.method].flat()) {
        const e = TABLE[`${m === 'HEAD' ? 'GET' : m} ${r.url}`];
        if (!e) continue;
        const declared = r.config?.permission ?? 'read';
        const expected = e.rule === 'any-credential' ? 'public' : e.rule;
        expect(declared, `${m} ${r.url}`).toBe(expected);
      }
    }
  });

  it('gives every principal exactly the access its role and scope allow, on every route', async () => {
    const failures: string[] = [];
    const seen = new Set<string>();
    const all = routes.flatMap((r) => [r.method].flat().map((m) => ({ method: m, url: r.url })));
    for (const who of WHO) {
      for (const { method, url } of all) {
        if (method === 'OPTIONS') continue;
        const key = `${method} ${url}`;
        const api = url.startsWith('/api/v1/') && !url.startsWith('/api/v1/docs');
        const entry: Entry | undefined = api ? TABLE[`${method === 'HEAD' ? 'GET' : method} ${url}`] : undefined;
        if (api && !entry) continue; // reported by the test above
        // Outside /api/v1 (health, metrics, dashboard files): public by design.
        const call: Call = entry ? entry.call(who) : { path: url.replace(/\*$/, '') };
        const rule: Rule = entry?.rule ?? 'public';
        seen.add(key);
        const headers: Record<string, string> = {};
        let body: string | undefined;
        if (call.body !== undefined && method !== 'GET' && method !== 'HEAD') {
          headers['content-type'] = call.contentType ?? 'application/json';
          body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
        }
        const cred = creds[who as Exclude<Who, 'none'>];
        if (cred) headers.authorization = `Bearer ${cred}`;
        const ac = new AbortController();
        if (process.env.MATRIX_DEBUG) console.log(who, method, call.path);
        // GET on the event stream stays open (the stream is hijacked): a time-out there means the stream was
        // opened, i.e. allowed. HEAD answers at once.
        const timer = url === '/api/v1/events' ? setTimeout(() => ac.abort(), 500) : null;
        const res = await fetch(t.baseUrl + call.path, { method, headers, body, signal: ac.signal }).catch((err: Error) => {
          if (timer && ac.signal.aborted) return new Response(null, { status: 299 });
          throw err;
        });
        if (timer) clearTimeout(timer);
        const status = res.status;
        let parsed: any = null;
        if (url === '/api/v1/events' && (status === 200 || status === 299)) ac.abort();
        else parsed = await res.json().catch(() => null);

        const allowed = ALLOWED[who].includes(rule);
        let ok: boolean;
        let expected: string;
        if (!allowed) {
          expected = who === 'none' ? '401' : '403';
          ok = status === Number(expected);
        } else if (who === 'device-out' && rule === 'ingest') {
          expected = entry?.outOfScope ? 'scope refusal' : '403';
          ok = entry?.outOfScope ? entry.outOfScope(status, parsed) : status === 403;
        } else {
          expected = '2xx/3xx';
          ok = status >= 200 && status < 400;
        }
        if (!ok) failures.push(`${who.padEnd(10)} ${method} ${call.path} → ${status} (expected ${expected}) ${parsed ? JSON.stringify(parsed).slice(0, 160) : ''}`);
      }
    }
    expect(failures).toEqual([]);
    expect(seen.size).toBeGreaterThan(40);
  });

  it('keeps the API docs public', async () => {
    const docs = await t.request('/api/v1/docs/', { key: null });
    expect(docs.status).toBe(200);
    expect((await t.request('/api/v1/openapi.json', { key: null })).status).toBe(200);
  });
});
