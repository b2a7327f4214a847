// Users, login, refresh rotation, device keys, the audit log, the CLI, and attacks on access tokens.
import { createHmac } from 'node:crypto';
import { PassThrough } from 'node:stream';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUser } from '../../src/cli/user.js';
import { ADAPTERS, openTestDatabase, TEST_ADMIN_KEY, tempDir, type TestApp, type TestDatabase } from '../helpers.js';
import { freePort } from '../ingest/support.js';
import { createKey, createUser, json, login, startSecureApp } from './support.js';

const SECRET = 'test-secret-key-for-signing-tokens-0123456789';
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret = SECRET): string {
  const data = `${b64u(header)}.${b64u(payload)}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}
const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, any>;

function cliIo(env: Record<string, string | undefined>, stdinText = '') {
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const out: string[] = [];
  const err: string[] = [];
  const sink = (arr: string[]) => ({ write: (s: string) => (arr.push(String(s)), true) }) as unknown as NodeJS.WritableStream;
  return { io: { stdin, stdout: sink(out), stderr: sink(err), env }, out, err };
}

describe.each(ADAPTERS)('users, tokens and keys (%s)', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;
  let mqttPort: number;

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    mqttPort = await freePort();
    t = await startSecureApp(db, { env: { SECRET_KEY: SECRET, ACCESS_TOKEN_TTL_SECONDS: '600', MQTT_PORT: String(mqttPort) } });
    await createUser(t, 'alice', 'alice-password', 'engineer');
    await createUser(t, 'victor', 'victor-password', 'viewer');
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('logs in with a short-lived HS256 token and says who the caller is', async () => {
    const tok = await login(t, 'alice', 'alice-password');
    expect(tok).toMatchObject({ token_type: 'Bearer', expires_in: 600, user: { username: 'alice', role: 'engineer' } });
    expect(JSON.parse(Buffer.from(tok.access_token.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    const claims = decode(tok.access_token);
    expect(claims.exp - claims.iat).toBe(600);
    expect(tok.refresh_token).toMatch(/^esprt_[0-9a-f]{16}_/);
    const me = await json(await t.request('/api/v1/auth/me', { key: tok.access_token }));
    expect(me).toEqual({ success: true, user: { username: 'alice', role: 'engineer' } });
    expect((await json(await t.request('/api/v1/auth/me'))).user).toEqual({ username: 'admin-key', role: 'admin' });
    const { key } = await createKey(t, { name: 'gw-me', wells: ['ME-1'] });
    expect((await json(await t.request('/api/v1/auth/me', { key: null, headers: { 'x-api-key': key } }))).user).toEqual({ username: 'api-key:gw-me', role: 'device' });
    expect((await t.request('/api/v1/auth/me', { key: null })).status).toBe(401);
    // Engineers work on wells but do not manage users.
    expect((await t.request('/api/v1/wells', { key: tok.access_token })).status).toBe(200);
    expect((await t.request('/api/v1/users', { key: tok.access_token })).status).toBe(403);
  });

  it('refuses bad logins alike and audits both outcomes with the address', async () => {
    const wrong = await t.request('/api/v1/auth/login', { method: 'POST', key: null, json: { username: 'alice', password: 'not-her-password' } });
    const unknown = await t.request('/api/v1/auth/login', { method: 'POST', key: null, json: { username: 'nobody', password: 'whatever-pw' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((await json(wrong)).message).toBe((await json(unknown)).message);
    const failed = await json(await t.request('/api/v1/audit?action=auth.login_failed'));
    expect(failed.entries.map((e: any) => e.actor)).toEqual(expect.arrayContaining(['alice', 'nobody']));
    expect(failed.entries[0]).toMatchObject({ ip: '127.0.0.1', status: 401, method: 'POST', path: '/api/v1/auth/login' });
    const ok = await json(await t.request('/api/v1/audit?action=auth.login&actor=alice'));
    expect(ok.count).toBeGreaterThan(0);
    expect(ok.entries[0]).toMatchObject({ actor: 'alice', role: 'engineer', action: 'auth.login' });
    // The audit log is for admins only.
    const tok = await login(t, 'alice', 'alice-password');
    expect((await t.request('/api/v1/audit', { key: tok.access_token })).status).toBe(403);
  });

  it('rotates refresh tokens; reusing a rotated one revokes the family; logout revokes', async () => {
    const first = await login(t, 'victor', 'victor-password');
    const refresh = (token: string) => t.request('/api/v1/auth/refresh', { method: 'POST', key: null, json: { refresh_token: token } });
    const r1 = await refresh(first.refresh_token);
    expect(r1.status).toBe(200);
    const second = await json(r1);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.user).toEqual({ username: 'victor', role: 'viewer' });
    expect((await t.request('/api/v1/auth/me', { key: second.access_token })).status).toBe(200);
    // The old token again: refused, and the live descendant dies with it.
    expect((await refresh(first.refresh_token)).status).toBe(401);
    expect((await refresh(second.refresh_token)).status).toBe(401);
    const reuse = await json(await t.request('/api/v1/audit?action=auth.refresh_reuse'));
    expect(reuse.entries[0]).toMatchObject({ actor: 'victor' });
    // Tampered, malformed, unknown tokens.
    const other = await login(t, 'victor', 'victor-password');
    const tampered = other.refresh_token.slice(0, -2) + (other.refresh_token.endsWith('AA') ? 'BB' : 'AA');
    expect((await refresh(tampered)).status).toBe(401);
    expect((await refresh('not-a-token')).status).toBe(401);
    // A guess at someone's id with a wrong secret must not revoke their family.
    expect((await refresh(other.refresh_token)).status).toBe(200);
    const third = await login(t, 'victor', 'victor-password');
    const out = await json(await t.request('/api/v1/auth/logout', { method: 'POST', key: null, json: { refresh_token: third.refresh_token } }));
    expect(out).toEqual({ success: true, revoked: true });
    expect((await refresh(third.refresh_token)).status).toBe(401);
  });

  it('rejects alg none, a wrong signature, an expired token and a tampered role', async () => {
    const tok = await login(t, 'victor', 'victor-password');
    const claims = decode(tok.access_token);
    const now = Math.floor(Date.now() / 1000);
    const asAdmin = { ...claims, role: 'admin' };
    const cases: Record<string, string> = {
      'alg none': `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u(asAdmin)}.`,
      'alg none with a signature': `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u(asAdmin)}.${tok.access_token.split('.')[2]}`,
      'wrong signature': forge({ alg: 'HS256', typ: 'JWT' }, claims, 'some-other-secret-that-is-long-enough-000'),
      'HS512 with the right secret': (() => {
        const data = `${b64u({ alg: 'HS512', typ: 'JWT' })}.${b64u(claims)}`;
        return `${data}.${createHmac('sha512', SECRET).update(data).digest('base64url')}`;
      })(),
      expired: forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }),
      'no expiry': forge({ alg: 'HS256', typ: 'JWT' }, (({ exp: _e, ...c }) => c)(claims)),
      'role edited, signature kept': (() => {
        const [h, , s] = tok.access_token.split('.');
        return `${h}.${b64u(asAdmin)}.${s}`;
      })(),
      'unknown user id': forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, uid: 'ffffffffffffffffffffffff' }),
    };
    for (const [name, jwt] of Object.entries(cases)) {
      const res = await t.request('/api/v1/wells', { key: jwt });
      expect(res.status, name).toBe(401);
      expect((await json(res)).error_code, name).toBe('AUTHENTICATION_ERROR');
    }
    // Correctly signed but claiming a role the user does not have: the role comes from storage.
    const claimsAdmin = forge({ alg: 'HS256', typ: 'JWT' }, asAdmin);
    expect((await t.request('/api/v1/users', { key: claimsAdmin })).status).toBe(403);
    expect((await json(await t.request('/api/v1/auth/me', { key: claimsAdmin }))).user.role).toBe('viewer');
    expect((await t.request('/api/v1/wells', { key: tok.access_token })).status).toBe(200);
  });

  it('stops a deleted user’s tokens at once, and a re-created namesake does not revive them', async () => {
    await createUser(t, 'dora', 'dora-password', 'engineer');
    const tok = await login(t, 'dora', 'dora-password');
    expect((await t.request('/api/v1/wells', { key: tok.access_token })).status).toBe(200);
    const del = await t.request('/api/v1/users/dora', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await t.request('/api/v1/wells', { key: tok.access_token })).status).toBe(401);
    expect((await t.request('/api/v1/auth/refresh', { method: 'POST', key: null, json: { refresh_token: tok.refresh_token } })).status).toBe(401);
    await createUser(t, 'dora', 'dora-password-2', 'viewer');
    expect((await t.request('/api/v1/wells', { key: tok.access_token })).status).toBe(401);
    expect((await t.request('/api/v1/users/dora', { method: 'DELETE' })).status).toBe(200);
    expect((await t.request('/api/v1/users/dora', { method: 'DELETE' })).status).toBe(404);
    const audit = await json(await t.request('/api/v1/audit?action=user.delete'));
    expect(audit.entries[0]).toMatchObject({ actor: 'admin-key', role: 'admin', target: 'dora', status: 200, ip: '127.0.0.1' });
  });

  it('validates users and never returns password hashes', async () => {
    const post = (body: unknown) => t.request('/api/v1/users', { method: 'POST', json: body });
    expect((await post({ username: 'x1', password: 'short', role: 'viewer' })).status).toBe(400);
    expect((await post({ username: 'x2', password: 'long-enough-pw', role: 'root' })).status).toBe(400);
    expect((await post({ username: 'admin-key', password: 'long-enough-pw', role: 'viewer' })).status).toBe(400);
    expect((await post({ username: 'a/b', password: 'long-enough-pw', role: 'viewer' })).status).toBe(400);
    expect((await post({ username: 'alice', password: 'long-enough-pw', role: 'viewer' })).status).toBe(409);
    const list = await t.request('/api/v1/users');
    const text = await list.clone().text();
    expect(text).not.toMatch(/scrypt|password/);
    const users = (await json(list)).users as { username: string; role: string }[];
    expect(users.find((u) => u.username === 'alice')).toMatchObject({ role: 'engineer' });
  });

  it('device keys: shown once, never listed, scoped, ingest only, revocable at once', async () => {
    expect((await t.request('/api/v1/keys', { method: 'POST', json: { name: 'neither' } })).status).toBe(400);
    expect((await t.request('/api/v1/keys', { method: 'POST', json: { name: 'both', wells: ['A'], field: 'F' } })).status).toBe(400);
    const created = await createKey(t, { name: 'gw-list', wells: ['K-1', 'K-2'] });
    expect(created).toMatchObject({ success: true, name: 'gw-list', wells: ['K-1', 'K-2'], field: null });
    expect(created.key).toMatch(/^espk_[0-9a-f]{16}_/);
    const listed = await t.request('/api/v1/keys');
    const text = await listed.clone().text();
    expect(text).not.toContain(created.key);
    // The secret is the last 43 characters (base64url, which may itself contain '_').
    expect(created.key.slice(-43)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(text).not.toContain(created.key.slice(-43));
    expect(text).not.toMatch(/key_hash/);
    expect((await json(listed)).keys.find((k: any) => k.id === created.id)).toMatchObject({ name: 'gw-list', revoked_at: null });

    const ingest = (key: string, well: string) =>
      t.request('/api/v1/telemetry/ingest', { method: 'POST', key, json: { well_id: well, flow_rate: 1000 } });
    expect((await ingest(created.key, 'K-1')).status).toBe(201);
    expect((await ingest(created.key, 'K-3')).status).toBe(403);
    const batch = await t.request('/api/v1/telemetry/batch', {
      method: 'POST',
      key: created.key,
      json: { readings: [{ well_id: 'K-1', flow_rate: 1 }, { well_id: 'K-9', flow_rate: 1 }] },
    });
    expect(batch.status).toBe(403);
    // Nothing but ingest.
    expect((await t.request('/api/v1/wells', { key: created.key })).status).toBe(403);
    expect((await t.request('/api/v1/telemetry/wells/K-1/latest', { key: created.key })).status).toBe(403);
    expect((await t.request('/api/v1/keys', { key: created.key })).status).toBe(403);
    // A key that looks right but is not: refused.
    const forged = created.key.slice(0, -4) + (created.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await ingest(forged, 'K-1')).status).toBe(401);

    const revoke = await t.request(`/api/v1/keys/${created.id}`, { method: 'DELETE' });
    expect(revoke.status).toBe(200);
    expect(await revoke.clone().text()).not.toContain(created.key);
    expect((await ingest(created.key, 'K-1')).status).toBe(401);
    expect((await t.request(`/api/v1/keys/${created.id}`, { method: 'DELETE' })).status).toBe(404);
    const audit = await json(await t.request('/api/v1/audit?action=key.revoke'));
    expect(audit.entries[0]).toMatchObject({ target: created.id, actor: 'admin-key' });
    const createdAudit = await json(await t.request('/api/v1/audit?action=key.create'));
    expect(JSON.stringify(createdAudit)).not.toContain(created.key);
  });

  it('device keys (and only keys with ingest rights) log in to MQTT and stay in scope', async () => {
    const { key } = await createKey(t, { name: 'gw-mqtt', wells: ['MQ-IN'] });
    const connect = (password: string) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { protocolVersion: 4, username: 'gw', password, reconnectPeriod: 0, connectTimeout: 3000 });
    const client = await connect(key);
    try {
      const ts = new Date().toISOString();
      await client.publishAsync('esp/MQ-IN/telemetry', JSON.stringify({ timestamp: ts, flow_rate: 1234 }), { qos: 1 });
      await client.publishAsync('esp/MQ-OUT/telemetry', JSON.stringify({ timestamp: ts, flow_rate: 1234 }), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    expect(await db.repo.countReadings('MQ-IN')).toBe(1);
    expect(await db.repo.countReadings('MQ-OUT')).toBe(0);
    const viewer = await login(t, 'victor', 'victor-password');
    await expect(connect(viewer.access_token)).rejects.toThrow();
    await expect(connect(key.slice(0, -3) + 'xyz')).rejects.toThrow();
  });

  it('a revoked device key is cut off from MQTT within seconds, and cannot log in again', async () => {
    const created = await createKey(t, { name: 'gw-revoke', wells: ['MQ-REV'] });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      protocolVersion: 4,
      username: 'gw',
      password: created.key,
      reconnectPeriod: 0,
      connectTimeout: 3000,
    });
    const send = (n: number) =>
      client.publishAsync('esp/MQ-REV/telemetry', JSON.stringify({ timestamp: new Date(Date.now() - n * 1000).toISOString(), flow_rate: n }), { qos: 1 });
    await send(10);
    expect(await db.repo.countReadings('MQ-REV')).toBe(1);
    expect((await t.request(`/api/v1/keys/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5_500));
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    void send(9).catch(() => undefined);
    await closed;
    client.end(true);
    expect(await db.repo.countReadings('MQ-REV')).toBe(1);
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { protocolVersion: 4, username: 'gw', password: created.key, reconnectPeriod: 0, connectTimeout: 3000 }),
    ).rejects.toThrow();
  });

  it('a field-scoped key follows wells registered and moved after start', async () => {
    const { key } = await createKey(t, { name: 'gw-field', field: 'Ghawar' });
    const ingest = (well: string) => t.request('/api/v1/telemetry/ingest', { method: 'POST', key, json: { well_id: well, flow_rate: 900 } });
    expect((await ingest('F-NEW')).status).toBe(403); // not registered yet
    expect((await t.request('/api/v1/wells', { method: 'POST', json: { well_id: 'F-NEW', field: 'Ghawar' } })).status).toBe(201);
    expect((await ingest('F-NEW')).status).toBe(201);
    // Registered behind this process's back (another API process): still judged from storage.
    await db.repo.createWell('F-SIDE', { field: 'Ghawar' });
    expect((await ingest('F-SIDE')).status).toBe(201);
    await db.repo.createWell('F-ELSE', { field: 'Safaniya' });
    expect((await ingest('F-ELSE')).status).toBe(403);
    // Moved to another field: refused from then on.
    expect((await t.request('/api/v1/wells/F-NEW', { method: 'PUT', json: { field: 'Safaniya' } })).status).toBe(200);
    expect((await ingest('F-NEW')).status).toBe(403);
    expect(t.app.ctx.fieldOf('F-NEW')).toBe('Safaniya');
  });

  it('audits well changes and alarm acknowledgements with who, what and where', async () => {
    const eng = await login(t, 'alice', 'alice-password');
    expect((await t.request('/api/v1/wells', { method: 'POST', key: eng.access_token, json: { well_id: 'AUD-1', name: 'Audited', field: 'North' } })).status).toBe(201);
    const alarm = await db.repo.raiseAlarm({ well_id: 'AUD-1', code: 'GAS_LOCK', severity: 'high', message: 'm', evidence: [], reading_ts: Date.now() });
    expect((await t.request(`/api/v1/alarms/${alarm!.id}/ack`, { method: 'POST', key: eng.access_token, json: { note: 'on it' } })).status).toBe(200);
    // Ingest is not audited (it would flood the log).
    expect((await t.request('/api/v1/telemetry/ingest', { method: 'POST', key: eng.access_token, json: { well_id: 'AUD-1', flow_rate: 1 } })).status).toBe(201);
    const entries = (await json(await t.request('/api/v1/audit?actor=alice&limit=50'))).entries as any[];
    const well = entries.find((e) => e.action === 'well.create');
    expect(well).toMatchObject({ actor: 'alice', role: 'engineer', target: 'AUD-1', method: 'POST', path: '/api/v1/wells', status: 201, ip: '127.0.0.1' });
    expect(well.details.body).toMatchObject({ well_id: 'AUD-1', name: 'Audited', field: 'North' });
    expect(typeof well.request_id).toBe('string');
    expect(Date.parse(well.ts)).toBeGreaterThan(Date.now() - 60_000);
    const ack = entries.find((e) => e.action === 'alarm.ack');
    expect(ack).toMatchObject({ target: String(alarm!.id), details: { body: { note: 'on it' } } });
    expect(entries.some((e) => String(e.path).startsWith('/api/v1/telemetry/'))).toBe(false);
    // A refused write is recorded too.
    const viewer = await login(t, 'victor', 'victor-password');
    expect((await t.request('/api/v1/wells/AUD-1', { method: 'DELETE', key: viewer.access_token })).status).toBe(403);
    const refused = (await json(await t.request('/api/v1/audit?actor=victor&action=well.delete'))).entries;
    expect(refused[0]).toMatchObject({ status: 403, target: 'AUD-1' });
  });

  it('esp user add works straight against the configured storage', async () => {
    const dataDir = tempDir();
    const env: Record<string, string | undefined> = { DATA_DIR: dataDir, ESP_ADMIN_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'silent' };
    if (adapter === 'postgres') env.DATABASE_URL = db.url;
    const bad = cliIo(env);
    expect(await runUser(['add', '--role', 'superuser', 'cli-x'], bad.io)).toBe(2);
    const add = cliIo(env, 'cli-password-1\n');
    expect(await runUser(['add', '--role', 'engineer', 'cli-eng'], add.io)).toBe(0);
    expect(add.out.join('')).toContain('created user cli-eng (engineer)');
    expect(add.out.join('') + add.err.join('')).not.toContain('cli-password-1');
    const again = cliIo(env);
    expect(await runUser(['add', '--role', 'viewer', '--password', 'cli-password-2', 'cli-eng'], again.io)).toBe(1);
    expect(again.err.join('')).toMatch(/already exists/);
    if (adapter === 'postgres') {
      // Same database as the running server: the new user can log in.
      const tok = await login(t, 'cli-eng', 'cli-password-1');
      expect(tok.user).toEqual({ username: 'cli-eng', role: 'engineer' });
    } else {
      const list = cliIo(env);
      expect(await runUser(['list'], list.io)).toBe(0);
      expect(list.out.join('')).toMatch(/^cli-eng\tengineer\t/m);
    }
  });
});
