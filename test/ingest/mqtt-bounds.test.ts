// The embedded broker's bounds: packet size before and after authentication, a connection cap, device keys
// confined to their telemetry topics (no retain, nothing forwarded when refused), no client-id takeover
// across keys, and rejections that cannot be stored as sent (NUL, deep nesting, large payloads) recorded
// escaped or cut, without holding back another client's acknowledgement.
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PacketHeaderScanner } from '../../src/ingest/mqtt/guard.js';
import { ADAPTERS, openTestDatabase, startTestApp, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';
import { addTestKeys, DEVICE_KEY_W_IN, faultyRepo, freePort } from './support.js';

const MAX_PACKET = 128 * 1024;
const MAX_CONNECTIONS = 6;
const iso = (ms: number) => new Date(ms).toISOString();

/** Every client a test opened, closed after each test whatever happened. */
const opened: MqttClient[] = [];

async function connectOk(port: number, key = TEST_ADMIN_KEY, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const { client, error } = await tryConnect(port, key, extra);
  if (error) throw error;
  return client;
}

/** Connects and resolves with the CONNACK error (code) or null once connected. */
function tryConnect(port: number, key: string, extra: mqtt.IClientOptions = {}): Promise<{ client: MqttClient; error: (Error & { code?: number }) | null }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, username: 'gw', password: key, reconnectPeriod: 0, connectTimeout: 3_000, ...extra });
    opened.push(client);
    client.once('connect', () => resolve({ client, error: null }));
    client.once('error', (error) => resolve({ client, error }));
    client.once('close', () => resolve({ client, error: Object.assign(new Error('closed'), { code: -1 }) }));
  });
}

/** Resolves true when the socket is closed by the server within `ms`. */
function closedWithin(sock: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (sock.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    sock.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** An MQTT fixed header: type byte, then the remaining length as a variable byte integer. */
function fixedHeader(typeByte: number, remaining: number): Buffer {
  const out = [typeByte];
  do {
    let b = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) b |= 0x80;
    out.push(b);
  } while (remaining > 0);
  return Buffer.from(out);
}

describe('PacketHeaderScanner', () => {
  it('follows packet boundaries across chunks and flags the first header above the limit', () => {
    const s = new PacketHeaderScanner();
    const small = Buffer.concat([fixedHeader(0x30, 300), Buffer.alloc(300)]);
    // Split everywhere, including inside the length bytes.
    const stream = Buffer.concat([small, small, small]);
    for (let i = 0; i < stream.length; i += 7) expect(s.scan(stream.subarray(i, i + 7), 1000)).toBeNull();
    expect(s.scan(fixedHeader(0x30, 5000).subarray(0, 1), 1000)).toBeNull();
    expect(s.scan(fixedHeader(0x30, 5000).subarray(1), 1000)).toMatch(/5003 bytes exceeds the limit of 1000/);
    expect(new PacketHeaderScanner().scan(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff]), 1e9)).toMatch(/malformed/);
  });
});

describe.each(ADAPTERS)('MQTT broker bounds (%s)', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;
  let port: number;
  const now = Date.now();
  const counters = () => t.app.ctx.ingestMetrics!.mqtt;

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    port = await freePort();
    t = await startTestApp(db, {
      env: { MQTT_PORT: String(port), MQTT_MAX_PACKET_BYTES: String(MAX_PACKET), MQTT_MAX_CONNECTIONS: String(MAX_CONNECTIONS) },
    });
    addTestKeys(t.app);
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  });

  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('acknowledges and records rejections that cannot be stored as sent, without holding back another client', async () => {
    const bad = await connectOk(port);
    const good = await connectOk(port);
    const nested = '['.repeat(5_000) + ']'.repeat(5_000);
    const nestedObject = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const withNul = '{"flow_rate": 1, "note": "a\u0000b"}';
    const nulNotJson = 'abc\u0000def';
    const large = 'x'.repeat(100_000); // under the packet limit, over what a rejection keeps
    const results = await Promise.all([
      bad.publishAsync('esp/NUL-1/telemetry', withNul, { qos: 1 }),
      bad.publishAsync('esp/NUL-1/telemetry', nulNotJson, { qos: 1 }),
      bad.publishAsync('esp/NEST-1/telemetry', nested, { qos: 1 }),
      bad.publishAsync('esp/NEST-1/telemetry', nestedObject, { qos: 1 }),
      bad.publishAsync('esp/BIG-1/telemetry', large, { qos: 1 }),
      bad.publishAsync('esp/bad\u0000well/telemetry', '{}', { qos: 1 }),
      good.publishAsync('esp/GOOD-1/telemetry', JSON.stringify({ timestamp: iso(now - 1_000), flow_rate: 1234 }), { qos: 1 }),
    ]);
    expect(results).toHaveLength(7); // every PUBACK arrived
    expect(bad.connected && good.connected).toBe(true);
    expect(await db.repo.countReadings('GOOD-1')).toBe(1);
    const rows = await db.repo.listRejected(50);
    const nul = rows.find((r) => r.payload === 'abc\\u0000def');
    expect(nul?.reason).toMatch(/not valid JSON/);
    expect(rows.some((r) => r.source === 'esp/bad\\u0000well/telemetry' && /does not name a valid well/.test(r.reason))).toBe(true);
    const big = rows.find((r) => r.source === 'esp/BIG-1/telemetry');
    expect(big?.payload?.length).toBe(64 * 1024);
    expect(big?.reason).toMatch(/cut to 65536/);
    const deep = rows.filter((r) => r.source === 'esp/NEST-1/telemetry');
    expect(deep).toHaveLength(2);
    expect(deep.every((r) => /deeper than 32 levels/.test(r.reason))).toBe(true);
    expect(rows.some((r) => r.source === 'esp/NUL-1/telemetry' && r.payload?.includes('\\u0000'))).toBe(true);
    await bad.endAsync();
    await good.endAsync();
  });

  it('cuts an unauthenticated client at a CONNECT header declaring 200 MiB, before buffering it', async () => {
    const before = counters().oversizedPackets;
    const sock = tcpConnect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.on('error', () => undefined);
    sock.write(fixedHeader(0x10, 200 * 1024 * 1024));
    expect(await closedWithin(sock, 5_000)).toBe(true);
    expect(counters().oversizedPackets).toBe(before + 1);
    // A CONNECT under the post-auth limit but over the pre-auth one is cut too.
    const sock2 = tcpConnect(port, '127.0.0.1');
    await new Promise<void>((r) => sock2.once('connect', () => r()));
    sock2.on('error', () => undefined);
    sock2.write(Buffer.concat([fixedHeader(0x10, 100 * 1024), Buffer.alloc(1024)]));
    expect(await closedWithin(sock2, 5_000)).toBe(true);
    expect(counters().oversizedPackets).toBe(before + 2);
  });

  it('enforces MQTT_MAX_PACKET_BYTES after authentication: a larger PUBLISH closes the connection unacknowledged', async () => {
    const c = await connectOk(port);
    await c.publishAsync('esp/SIZE-1/telemetry', JSON.stringify({ timestamp: iso(now - 2_000), flow_rate: 7, pad: 'p'.repeat(60_000) }), { qos: 1 });
    const before = counters().oversizedPackets;
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    let acked = false;
    c.publish('esp/SIZE-1/telemetry', 'y'.repeat(MAX_PACKET + 10), { qos: 1 }, (err) => (acked = !err));
    await closed;
    expect(acked).toBe(false);
    expect(counters().oversizedPackets).toBe(before + 1);
    c.end(true);
  });

  it('confines a device key to its telemetry topics: other topics refused (recorded, acknowledged, not forwarded), retain dropped', async () => {
    const watcher = await connectOk(port);
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync('esp/#', { qos: 1 });
    const dev = await connectOk(port, DEVICE_KEY_W_IN);
    await dev.publishAsync('esp/W-IN/status', 'hello', { qos: 1 });
    await dev.publishAsync('other/anything', 'x', { qos: 1 });
    await dev.publishAsync('esp/W-OUT/telemetry', JSON.stringify({ timestamp: iso(now - 3_000), flow_rate: 1 }), { qos: 1 });
    await dev.publishAsync('esp/W-IN/telemetry', JSON.stringify({ timestamp: iso(now - 3_000), flow_rate: 9 }), { qos: 1, retain: true });
    // A device key may not subscribe (granted 128, which mqtt.js reports as an error).
    await expect(dev.subscribeAsync('esp/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(await db.repo.countReadings('W-IN')).toBe(1);
    expect(await db.repo.countReadings('W-OUT')).toBe(0);
    const rows = await db.repo.listRejected(20);
    expect(rows.some((r) => r.source === 'esp/W-IN/status' && /may only publish to esp\/<well_id>\/telemetry/.test(r.reason))).toBe(true);
    expect(rows.some((r) => r.source === 'other/anything')).toBe(true);
    // The accepted reading is forwarded, nothing refused is.
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(['esp/W-IN/telemetry']);
    // The retain flag was dropped: a new subscriber gets no retained message.
    const late = await connectOk(port);
    const retained: string[] = [];
    late.on('message', (topic, _p, packet) => packet.retain && retained.push(topic));
    await late.subscribeAsync('esp/W-IN/telemetry', { qos: 1 });
    // The admin key may still retain elsewhere: its retained message arrives, proving the check would see one.
    await watcher.publishAsync('esp/admin/notice', 'kept', { qos: 1, retain: true });
    await late.subscribeAsync('esp/admin/notice', { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(retained).toEqual(['esp/admin/notice']);
    await watcher.publishAsync('esp/admin/notice', '', { qos: 1, retain: true });
    await Promise.all([watcher.endAsync(), dev.endAsync(), late.endAsync()]);
  });

  it('refuses a client id held by another key (no takeover), lets the same key reconnect under it', async () => {
    const owner = await connectOk(port, TEST_ADMIN_KEY, { clientId: 'gateway-7' });
    const intruder = await tryConnect(port, DEVICE_KEY_W_IN, { clientId: 'gateway-7' });
    expect(intruder.error?.code).toBe(2);
    intruder.client.end(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(owner.connected).toBe(true);
    await owner.publishAsync('esp/TK-1/telemetry', JSON.stringify({ timestamp: iso(now - 4_000), flow_rate: 1 }), { qos: 1 });
    // A persistent session keeps the claim after disconnecting.
    const persistent = await connectOk(port, TEST_ADMIN_KEY, { clientId: 'gateway-8', clean: false });
    await persistent.endAsync();
    expect((await tryConnect(port, DEVICE_KEY_W_IN, { clientId: 'gateway-8', clean: false })).error?.code).toBe(2);
    const again = await connectOk(port, TEST_ADMIN_KEY, { clientId: 'gateway-8', clean: false });
    await again.endAsync();
    // Same key, same id: the newer connection wins (a gateway reconnecting over a half-open link).
    const second = await connectOk(port, TEST_ADMIN_KEY, { clientId: 'gateway-7' });
    await new Promise((r) => setTimeout(r, 200));
    expect(owner.connected).toBe(false);
    await second.endAsync();
    owner.end(true);
  });

  it('closes connections beyond MQTT_MAX_CONNECTIONS at once, and accepts again when one leaves', async () => {
    await new Promise((r) => setTimeout(r, 200)); // connections of earlier tests are closed
    const open: MqttClient[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) open.push(await connectOk(port));
    const before = counters().droppedConnections;
    const extra = await tryConnect(port, TEST_ADMIN_KEY);
    expect(extra.error).not.toBeNull();
    extra.client.end(true);
    expect(counters().droppedConnections).toBeGreaterThan(before);
    await open.pop()!.endAsync();
    await new Promise((r) => setTimeout(r, 100));
    const replacement = await connectOk(port);
    await Promise.all([...open, replacement].map((c) => c.endAsync()));
  });
});

describe.each(ADAPTERS)('MQTT and a full ingest queue (%s)', (adapter) => {
  let db: TestDatabase;
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    const slow = faultyRepo(db.repo);
    slow.delayMs = 50; // every commit takes a while: the 100-reading queue fills
    port = await freePort();
    t = await startTestApp({ ...db, repo: slow.repo }, { env: { MQTT_PORT: String(port), INGEST_QUEUE_MAX: '100' } });
  });

  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('holds messages until the queue has room instead of leaving them unacknowledged (no disconnect, nothing lost)', async () => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, username: 'gw', password: TEST_ADMIN_KEY, reconnectPeriod: 0 });
    const base = Date.now() - 3_600_000;
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        c.publishAsync(`esp/QF-${i % 3}/telemetry`, JSON.stringify({ timestamp: iso(base + i * 1000), flow_rate: i }), { qos: 1 }),
      ),
    );
    expect(c.connected).toBe(true);
    const m = t.app.ctx.ingestMetrics!.mqtt;
    expect(m.queueWaits).toBeGreaterThan(0);
    expect(m.unacknowledged).toBe(0);
    let stored = 0;
    for (let w = 0; w < 3; w++) stored += await db.repo.countReadings(`QF-${w}`);
    expect(stored).toBe(600);
    await c.endAsync();
  });
});
