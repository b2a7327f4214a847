// Hostile input: SQL metacharacters and unicode stored and returned verbatim, oversized bodies (413), floods
// (429, per IP, per key, on login), and secrets that never reach the logs or later API responses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, openTestDatabase, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';
import { createKey, createUser, json, LogCapture, login, startSecureApp } from './support.js';

const EVIL = `Robert'); DROP TABLE wells; -- "x" \\ % _ $1 ; SELECT pg_sleep(10)`;
const UNICODE = 'Ghawar ‘北区’ — ünïcødé 🚀 العربية';
const EVIL_USER = `o'brien"; DROP TABLE users;--`;
const UNICODE_USER = 'ünïcødé 用户 🚀';

describe.each(ADAPTERS)('hostile input (%s)', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;
  /** Small limits: 30 requests a minute, 64 KiB ingest bodies, at most 100 readings a batch. */
  let tight: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    t = await startSecureApp(db, { logStream: logs.stream });
    tight = await startSecureApp(db, {
      env: { RATE_LIMIT_PER_MINUTE: '30', INGEST_RATE_LIMIT_PER_MINUTE: '30', TRUST_PROXY: 'loopback', TELEMETRY_MAX_BODY_BYTES: String(64 * 1024), TELEMETRY_MAX_BATCH: '100' },
    });
  });
  afterAll(async () => {
    await tight?.close();
    await t?.close();
    await db?.close();
  });

  it('stores SQL metacharacters and unicode in well names and fields verbatim', async () => {
    const res = await t.request('/api/v1/wells', { method: 'POST', json: { well_id: 'SQL-1', name: EVIL, field: UNICODE } });
    expect(res.status).toBe(201);
    const got = (await json(await t.request('/api/v1/wells/SQL-1'))).well;
    expect(got).toMatchObject({ name: EVIL, field: UNICODE });
    const byField = await json(await t.request(`/api/v1/wells?field=${encodeURIComponent(UNICODE)}`));
    expect(byField.wells.map((w: any) => w.well_id)).toEqual(['SQL-1']);
    const put = await t.request('/api/v1/wells/SQL-1', { method: 'PUT', json: { name: UNICODE, field: EVIL } });
    expect(put.status).toBe(200);
    expect((await json(await t.request('/api/v1/wells/SQL-1'))).well).toMatchObject({ name: UNICODE, field: EVIL });
    // Ids are restricted: metacharacters there are refused, not executed.
    for (const id of ["x';DROP TABLE wells;--", 'a b', 'ünï', '../../etc/passwd']) {
      const r = await t.request(`/api/v1/wells/${encodeURIComponent(id)}`);
      expect([400, 404], id).toContain(r.status);
      const p = await t.request('/api/v1/wells', { method: 'POST', json: { well_id: id } });
      expect(p.status, id).toBe(400);
    }
    expect((await t.request('/api/v1/wells')).status).toBe(200); // the table is still there
  });

  it('keeps alarm notes, usernames and key names verbatim', async () => {
    const alarm = await db.repo.raiseAlarm({ well_id: 'SQL-1', code: 'GAS_LOCK', severity: 'high', message: 'm', evidence: [], reading_ts: Date.now() });
    const note = `${EVIL}\n${UNICODE}`;
    const ack = await json(await t.request(`/api/v1/alarms/${alarm!.id}/ack`, { method: 'POST', json: { note } }));
    expect(ack.alarm.ack_note).toBe(note);
    expect((await json(await t.request(`/api/v1/alarms/${alarm!.id}`))).alarm.ack_note).toBe(note);

    for (const username of [EVIL_USER, UNICODE_USER]) {
      await createUser(t, username, 'hostile-password', 'viewer');
      const tok = await login(t, username, 'hostile-password');
      expect(tok.user.username).toBe(username);
      expect((await json(await t.request('/api/v1/auth/me', { key: tok.access_token }))).user.username).toBe(username);
      const audit = await json(await t.request(`/api/v1/audit?actor=${encodeURIComponent(username)}&action=auth.login`));
      expect(audit.entries[0].actor).toBe(username);
    }
    const users = (await json(await t.request('/api/v1/users'))).users.map((u: any) => u.username);
    expect(users).toEqual(expect.arrayContaining([EVIL_USER, UNICODE_USER]));
    // An injection attempt in the password or username of a login is just a wrong login.
    const inj = await t.request('/api/v1/auth/login', { method: 'POST', key: null, json: { username: "' OR '1'='1", password: "' OR '1'='1" } });
    expect(inj.status).toBe(401);
    expect((await t.request(`/api/v1/users/${encodeURIComponent(EVIL_USER)}`, { method: 'DELETE' })).status).toBe(200);
    expect((await json(await t.request('/api/v1/users'))).users.map((u: any) => u.username)).not.toContain(EVIL_USER);
    expect(users.length).toBeGreaterThan(1); // the users table survived

    const key = await createKey(t, { name: EVIL, field: UNICODE });
    const listed = (await json(await t.request('/api/v1/keys'))).keys.find((k: any) => k.id === key.id);
    expect(listed).toMatchObject({ name: EVIL, field: UNICODE });
    expect((await json(await t.request('/api/v1/auth/me', { key: key.key }))).user.username).toBe(`api-key:${EVIL}`);
    expect((await t.request('/api/v1/telemetry/ingest', { method: 'POST', key: key.key, json: { well_id: 'SQL-1', flow_rate: 10 } })).status).toBe(403);
  });

  it('refuses oversized bodies with 413 and keeps serving', async () => {
    const reading = (i: number) => ({ well_id: 'BIG-1', timestamp: new Date(Date.now() - i * 1000).toISOString(), flow_rate: 1000 + i, pip: 800, motor_current: 40 });
    const big = { readings: Array.from({ length: 1500 }, (_, i) => reading(i)) }; // ~130 KB > 64 KiB
    const r = await tight.request('/api/v1/telemetry/batch', { method: 'POST', json: big });
    expect(r.status).toBe(413);
    expect(await json(r)).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE', error: 'PayloadTooLargeError' });
    // Other routes keep the 1 MiB default.
    const huge = 'x'.repeat(1_100_000);
    for (const path of ['/api/v1/wells', '/api/v1/auth/login', '/api/v1/users']) {
      const res = await tight.request(path, { method: 'POST', json: { well_id: 'H', username: huge, password: huge, name: huge } });
      expect(res.status, path).toBe(413);
    }
    // More readings than TELEMETRY_MAX_BATCH in a body under the byte limit: refused whole, nothing stored.
    const many = await tight.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings: Array.from({ length: 101 }, (_, i) => ({ well_id: 'BIG-1', flow_rate: i })) } });
    expect([400, 413]).toContain(many.status);
    expect(await db.repo.countReadings('BIG-1')).toBe(0);
    expect((await tight.request('/health/live', { key: null })).status).toBe(200);
    const ok = await tight.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings: [reading(0)] } });
    expect(ok.status).toBe(201);
  });

  it('answers floods with 429, Retry-After and the standard error body, per IP, per key and on login', async () => {
    const fromIp = (ip: string, init: RequestInit & { json?: unknown; key?: string | null } = {}) =>
      ({ ...init, headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': ip } });
    // Per IP: unauthenticated garbage counts too.
    let limited: Response | null = null;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await tight.request('/api/v1/wells', fromIp('198.51.100.7', { key: `garbage-${i}` }));
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(401);
    }
    expect(limited, 'no 429 after 40 requests').not.toBeNull();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = await json(limited!);
    expect(body).toMatchObject({ error: 'RateLimitError', error_code: 'RATE_LIMIT_EXCEEDED' });
    expect(typeof body.message).toBe('string');
    expect(body.details).toMatchObject({ retry_after_seconds: expect.any(Number) });
    // Other clients, probes and scrapes are unaffected.
    expect((await tight.request('/api/v1/wells', fromIp('198.51.100.8'))).status).toBe(200);
    expect((await tight.request('/health/ready', fromIp('198.51.100.7', { key: null }))).status).toBe(200);
    expect((await tight.request('/metrics', fromIp('198.51.100.7', { key: null }))).status).toBe(200);

    // Per key: one device key spread over many addresses is still limited.
    const { key } = await createKey(tight, { name: 'flooder', wells: ['FLOOD-1'] });
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      const res = await tight.request('/api/v1/telemetry/ingest', fromIp(`203.0.113.${i + 1}`, { method: 'POST', key, json: { well_id: 'FLOOD-1', flow_rate: i } }));
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(30)).toContain(429);

    // Login guesses: limited per address and per username.
    await createUser(tight, 'target', 'target-password', 'viewer');
    const logins: number[] = [];
    for (let i = 0; i < 35; i++) {
      const res = await tight.request('/api/v1/auth/login', fromIp(`192.0.2.${i + 1}`, { method: 'POST', key: null, json: { username: 'target', password: `guess-${i}` } }));
      logins.push(res.status);
    }
    expect(logins).toContain(429);
    expect(logins.filter((s) => s === 401).length).toBeLessThanOrEqual(30);
    // The server keeps serving everyone else.
    expect((await tight.request('/api/v1/wells', fromIp('198.51.100.99'))).status).toBe(200);
  });

  it('never writes passwords, tokens or keys to the logs or to later responses', async () => {
    const password = 'very-secret-password-4711';
    await createUser(t, 'logged', password, 'engineer');
    const tok = await login(t, 'logged', password);
    const refreshed = await json(await t.request('/api/v1/auth/refresh', { method: 'POST', key: null, json: { refresh_token: tok.refresh_token } }));
    const device = await createKey(t, { name: 'log-gw', wells: ['LOG-1'] });
    await t.request('/api/v1/telemetry/ingest', { method: 'POST', key: null, headers: { 'x-api-key': device.key }, json: { well_id: 'LOG-1', flow_rate: 5 } });
    await t.request('/api/v1/auth/login', { method: 'POST', key: null, json: { username: 'logged', password: `${password}-wrong` } });
    // EventSource style: the token in the query string.
    const ac = new AbortController();
    const sse = await fetch(`${t.baseUrl}/api/v1/events?access_token=${encodeURIComponent(refreshed.access_token)}`, { signal: ac.signal });
    expect(sse.status).toBe(200);
    ac.abort();
    await t.request(`/api/v1/wells?api_key=${device.key}`, { key: tok.access_token });
    await t.request('/api/v1/wells', { key: 'espk_0123456789abcdef_' + 'Z'.repeat(43) });
    await new Promise((r) => setTimeout(r, 200));

    const secrets = [password, tok.access_token, tok.refresh_token, refreshed.access_token, refreshed.refresh_token, device.key, TEST_ADMIN_KEY];
    const text = logs.text;
    expect(text.length).toBeGreaterThan(1000); // the app did log (requests, logins)
    expect(text).toContain('/api/v1/auth/login');
    expect(text).toContain('access_token=[REDACTED]'); // the SSE request was logged, without its token
    for (const s of secrets) {
      expect(text.includes(s), `secret in logs: ${s.slice(0, 12)}…`).toBe(false);
      // Nor a recognisable part of it (the signature of a JWT, the random half of a key).
      expect(text.includes(s.slice(-24)), `secret tail in logs: ${s.slice(0, 12)}…`).toBe(false);
    }
    // After creation, no API response carries them.
    const later = await Promise.all(['/api/v1/users', '/api/v1/keys', '/api/v1/audit?limit=1000', '/api/v1/auth/me'].map(async (p) => (await t.request(p)).text()));
    for (const s of [password, tok.refresh_token, refreshed.refresh_token, device.key, tok.access_token]) {
      for (const body of later) expect(body.includes(s)).toBe(false);
    }
    expect(later.join('')).not.toMatch(/scrypt\$|key_hash|token_hash|password_hash/);
  });
});
