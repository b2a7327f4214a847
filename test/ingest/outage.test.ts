// A 10-second database outage in the middle of a load (PostgreSQL only, through a TCP proxy that is cut and
// restored, so the machine's PostgreSQL is never stopped): nothing acknowledged is lost, HTTP answers 503,
// readiness fails, MQTT withholds PUBACKs, and the service recovers by itself when the database returns.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlRepository } from '../../src/storage/sql-repository.js';
import { PostgresExecutor } from '../../src/storage/postgres.js';
import { openTestDatabase, startTestApp, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';
import { freePort, TcpProxy } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!process.env.TEST_DATABASE_URL)('database outage (postgres)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let mqttPort: number;

  beforeAll(async () => {
    db = await openTestDatabase('postgres');
    const target = new URL(db.url!);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(db.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const repo = new SqlRepository(
      new PostgresExecutor({ url: viaProxy.toString(), poolMax: 8, statementTimeoutMs: 10_000, retries: 2 }),
    );
    mqttPort = await freePort();
    t = await startTestApp({ repo, close: () => repo.close() }, { env: { MQTT_PORT: String(mqttPort) } });
  });

  afterAll(async () => {
    await t?.close();
    await t?.app.ctx.repo.close().catch(() => undefined);
    await proxy?.cut();
    await db?.close();
  });

  it('loses nothing acknowledged through a 10 s outage and recovers without a restart', async () => {
    // Three hours back: at ~150 MQTT readings a second, one a second of reading time, the series stays in the past.
    const base = Date.now() - 3 * 3_600_000;
    const acked = new Map<string, Set<number>>();
    const ack = (w: string, ts: number) => (acked.get(w) ?? acked.set(w, new Set()).get(w)!).add(ts);
    const statuses = new Map<number, number>();
    let running = true;

    const httpLoops = Array.from({ length: 6 }, (_, k) =>
      (async () => {
        for (let seq = 0; running; seq++) {
          const ts = base + seq * 1000;
          try {
            const r = await t.request('/api/v1/telemetry/ingest', {
              method: 'POST',
              json: { well_id: `OUT-H-${k}`, timestamp: iso(ts), flow_rate: seq },
            });
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status === 201) ack(`OUT-H-${k}`, ts);
            else {
              await r.arrayBuffer();
              await sleep(100);
            }
          } catch {
            await sleep(100);
          }
        }
      })(),
    );

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      protocolVersion: 4,
      username: 'gw',
      password: TEST_ADMIN_KEY,
      reconnectPeriod: 500,
      clientId: `outage-${process.pid}`,
      clean: false,
    });
    let mseq = 0;
    let inFlight = 0;
    const pump = () => {
      while (running && inFlight < 32) {
        const s = mseq++;
        const ts = base + s * 1000;
        inFlight++;
        client.publish('esp/OUT-M/telemetry', JSON.stringify({ timestamp: iso(ts), flow_rate: s }), { qos: 1 }, (err) => {
          inFlight--;
          if (!err) ack('OUT-M', ts);
          setTimeout(pump, 5);
        });
      }
    };
    pump();

    await sleep(2_000);
    const before = [...acked.values()].reduce((n, s) => n + s.size, 0);
    expect(before).toBeGreaterThan(100);
    await proxy.cut();
    await sleep(4_000);
    const ready = await t.request('/health/ready');
    expect(ready.status).toBe(503);
    const during = await t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'OUT-X', timestamp: iso(base), flow_rate: 1 } });
    expect(during.status).toBe(503);
    expect(t.app.ctx.ingestMetrics!.mqtt.unacknowledged).toBeGreaterThan(0);
    await sleep(6_000);
    await proxy.restore();

    // Recovery by itself: readiness and ingest come back without a restart.
    const deadline = Date.now() + 20_000;
    while ((await t.request('/health/ready')).status !== 200 && Date.now() < deadline) await sleep(250);
    expect((await t.request('/health/ready')).status).toBe(200);
    const afterCount = () => [...acked.values()].reduce((n, s) => n + s.size, 0);
    const mark = afterCount();
    while (afterCount() < mark + 200 && Date.now() < deadline) await sleep(100);
    // On failure, say where ingest stood (writers busy, queued readings, failed batches, MQTT refusals).
    const where = () => JSON.stringify({ pipeline: t.app.ctx.pipeline.stats, depth: t.app.ctx.pipeline.depth, mqtt: t.app.ctx.ingestMetrics!.mqtt, statuses: Object.fromEntries(statuses) });
    expect(afterCount(), `no acknowledgements after recovery: ${where()}`).toBeGreaterThan(mark + 200);
    running = false;
    await Promise.all(httpLoops);
    const waitAcks = Date.now() + 10_000;
    while (inFlight > 0 && Date.now() < waitAcks) await sleep(50);
    await client.endAsync();
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);

    for (const [well, tss] of acked) {
      const rows = await db.repo.history(well, { from: base - 1, to: Date.now() + 3_600_000 }, 10_000_000);
      const stored = new Set(rows.map((r) => r.ts));
      const missing = [...tss].filter((ts) => !stored.has(ts));
      const rejected = missing.length ? (await db.repo.listRejected(5)).map((r) => r.reason) : [];
      const span = missing.length ? `${(Math.min(...missing) - base) / 1000}..${(Math.max(...missing) - base) / 1000} s after base` : '';
      expect(missing.length, `${well}: ${missing.length} of ${tss.size} acknowledged readings missing (${span}; rejected: ${JSON.stringify(rejected)})`).toBe(0);
    }
  }, 60_000);
});
