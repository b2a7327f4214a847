// MQTT ingest through the embedded broker: authentication at connect, PUBACK only after commit, rejections
// recorded and listed, device-key scope, redelivery after a storage failure, idempotency, port conflicts.
import { createServer } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../src/ingest/mqtt/index.js';
import { ADAPTERS, openTestDatabase, startTestApp, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';
import { addTestKeys, DEVICE_KEY_W_IN, faultyRepo, freePort, VIEWER_KEY, type FaultyRepo } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString();

function connectRaw(port: number, password: string | undefined): Promise<{ client: MqttClient; error: (Error & { code?: number }) | null }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 4,
      username: 'gateway',
      password,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    client.once('connect', () => resolve({ client, error: null }));
    client.once('error', (error) => resolve({ client, error }));
  });
}

async function connectOk(port: number, key = TEST_ADMIN_KEY, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4,
    username: 'gateway',
    password: key,
    reconnectPeriod: 0,
    ...extra,
  });
}

describe.each(ADAPTERS)('MQTT ingest (%s)', (adapter) => {
  let db: TestDatabase;
  let faulty: FaultyRepo;
  let t: TestApp;
  let port: number;
  const now = Date.now();

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    faulty = faultyRepo(db.repo);
    port = await freePort();
    t = await startTestApp({ ...db, repo: faulty.repo }, { env: { MQTT_PORT: String(port) } });
    addTestKeys(t.app);
  });

  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('binds the broker and reports it healthy', async () => {
    expect((t.app.mqtt as EmbeddedBroker).port).toBe(port);
    const body = (await (await t.request('/health')).json()) as { dependencies: Record<string, { status: string }> };
    expect(body.dependencies.mqtt.status).toBe('healthy');
  });

  it('refuses a connection without a valid key, or with a key that may not ingest (CONNACK 5)', async () => {
    for (const password of [undefined, 'wrong-key-0123456789', VIEWER_KEY]) {
      const { client, error } = await connectRaw(port, password);
      expect(error, `password ${password}`).not.toBeNull();
      expect(error!.code).toBe(5);
      client.end(true);
    }
  });

  it('acknowledges a QoS 1 publish only once the reading is stored (single and array, well from the topic)', async () => {
    const c = await connectOk(port);
    await c.publishAsync('esp/MQ-1/telemetry', JSON.stringify({ timestamp: iso(now - 60_000), flow_rate: 1500, pip: 900 }), { qos: 1 });
    // PUBACK received: the reading must already be readable.
    expect(await db.repo.countReadings('MQ-1')).toBe(1);
    await c.publishAsync(
      'esp/MQ-1/telemetry',
      JSON.stringify([
        { timestamp: iso(now - 50_000), flow_rate: 1510 },
        { well_id: 'MQ-1', timestamp: now - 40_000, flow_rate: 1520 },
      ]),
      { qos: 1 },
    );
    expect(await db.repo.countReadings('MQ-1')).toBe(3);
    const latest = await db.repo.latestReading('MQ-1');
    expect(latest?.flow_rate).toBe(1520);
    await c.endAsync();
  });

  it('records invalid payloads as rejected, with the reason, and lists them over HTTP', async () => {
    const c = await connectOk(port);
    const before = t.app.ctx.ingestMetrics!.transports.mqtt.rejected;
    await c.publishAsync('esp/MQ-2/telemetry', 'this is not json', { qos: 1 });
    await c.publishAsync('esp/MQ-2/telemetry', JSON.stringify({ timestamp: iso(now), flow_rate: -3 }), { qos: 1 });
    await c.publishAsync('esp/MQ-2/telemetry', JSON.stringify({ well_id: 'OTHER', flow_rate: 3 }), { qos: 1 });
    await c.publishAsync('esp/bad well/telemetry', JSON.stringify({ flow_rate: 3 }), { qos: 1 });
    await c.publishAsync(
      'esp/MQ-2/telemetry',
      JSON.stringify([{ timestamp: iso(now - 1000), flow_rate: 10 }, { timestamp: iso(now - 500), vibration: 'high' }]),
      { qos: 1 },
    );
    expect(await db.repo.countReadings('MQ-2')).toBe(1);
    expect(await db.repo.countReadings('OTHER')).toBe(0);
    const res = await t.request('/api/v1/ingest/rejected?limit=10');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rejected: { reason: string; source: string; transport: string; payload: string }[] };
    const reasons = body.rejected.map((r) => r.reason).join('\n');
    expect(reasons).toMatch(/not valid JSON/);
    expect(reasons).toMatch(/flow_rate must be >= 0/);
    expect(reasons).toMatch(/differs from the topic/);
    expect(reasons).toMatch(/does not name a valid well id/);
    expect(reasons).toMatch(/\[1\] vibration must be number/);
    expect(body.rejected.every((r) => r.transport === 'mqtt')).toBe(true);
    expect(t.app.ctx.ingestMetrics!.transports.mqtt.rejected - before).toBe(5);
    // A viewer may read the list; the endpoint needs credentials.
    expect((await t.request('/api/v1/ingest/rejected', { key: VIEWER_KEY })).status).toBe(200);
    expect((await t.request('/api/v1/ingest/rejected', { key: null })).status).toBe(401);
    await c.endAsync();
  });

  it('refuses publishes of a scoped device key for wells outside its scope (stored as rejected)', async () => {
    const c = await connectOk(port, DEVICE_KEY_W_IN);
    await c.publishAsync('esp/W-IN/telemetry', JSON.stringify({ timestamp: iso(now - 10_000), flow_rate: 5 }), { qos: 1 });
    await c.publishAsync('esp/W-OUT/telemetry', JSON.stringify({ timestamp: iso(now - 10_000), flow_rate: 5 }), { qos: 1 });
    expect(await db.repo.countReadings('W-IN')).toBe(1);
    expect(await db.repo.countReadings('W-OUT')).toBe(0);
    const rejected = await db.repo.listRejected(5);
    expect(rejected.some((r) => r.source === 'esp/W-OUT/telemetry' && /may not write well W-OUT/.test(r.reason))).toBe(true);
    await c.endAsync();
  });

  it('stores a redelivered reading once, and keeps the newest by timestamp as latest', async () => {
    const c = await connectOk(port);
    const newer = { timestamp: iso(now - 1_000), flow_rate: 2000 };
    const older = { timestamp: iso(now - 100_000), flow_rate: 1000 };
    await c.publishAsync('esp/MQ-3/telemetry', JSON.stringify(newer), { qos: 1 });
    await c.publishAsync('esp/MQ-3/telemetry', JSON.stringify(newer), { qos: 1 });
    await c.publishAsync('esp/MQ-3/telemetry', JSON.stringify(older), { qos: 1 });
    expect(await db.repo.countReadings('MQ-3')).toBe(2);
    expect((await db.repo.latestReading('MQ-3'))?.flow_rate).toBe(2000);
    await c.endAsync();
  });

  it('withholds the PUBACK while storage is down and stores the resent message after recovery', async () => {
    const c = await connectOk(port, TEST_ADMIN_KEY, { reconnectPeriod: 300, clean: true });
    const unackedBefore = t.app.ctx.ingestMetrics!.mqtt.unacknowledged;
    faulty.failing = true;
    let acked = false;
    const pub = c.publishAsync('esp/MQ-4/telemetry', JSON.stringify({ timestamp: iso(now - 5_000), flow_rate: 42 }), { qos: 1 }).then(() => {
      acked = true;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(acked).toBe(false);
    expect(t.app.ctx.ingestMetrics!.mqtt.unacknowledged).toBeGreaterThan(unackedBefore);
    const ready = await t.request('/health/ready');
    expect(ready.status).toBe(503);
    faulty.failing = false;
    // mqtt.js resends unacknowledged QoS 1 messages when it reconnects.
    await pub;
    expect(acked).toBe(true);
    expect(await db.repo.countReadings('MQ-4')).toBe(1);
    await c.endAsync();
  });

  it('keeps serving HTTP when the MQTT port is taken, and reports the broker unhealthy but not required', async () => {
    const blocker = createServer();
    const busy = await freePort();
    await new Promise<void>((r) => blocker.listen(busy, '0.0.0.0', r));
    const lines: string[] = [];
    const logStream = new (await import('node:stream')).Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const t2 = await startTestApp({ ...db, close: async () => undefined }, { env: { MQTT_PORT: String(busy), HOST: '0.0.0.0' }, logStream });
    try {
      expect(lines.join('')).toMatch(/already in use/);
      const ready = await t2.request('/health/ready');
      expect(ready.status).toBe(200);
      const health = (await (await t2.request('/health')).json()) as { dependencies: Record<string, { status: string; required: boolean }> };
      expect(health.dependencies.mqtt).toMatchObject({ status: 'unhealthy', required: false });
      const ing = await t2.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'HTTP-1', flow_rate: 1 } });
      expect(ing.status).toBe(201);
    } finally {
      await t2.close();
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
