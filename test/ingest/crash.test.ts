// Crash safety with a real server process: load over HTTP and MQTT (QoS 1), every acknowledgement recorded,
// the server killed with SIGKILL mid-load and restarted on the same data: every acknowledged reading is there.
// Then SIGTERM: the server drains and exits 0.
import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTERS, openTestDatabase, tempDir, TEST_ADMIN_KEY, type TestDatabase } from '../helpers.js';
import { freePort, startChildServer, type ChildServer } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString();

interface Acked {
  [well: string]: Set<number>;
}

function ack(acked: Acked, well: string, ts: number): void {
  (acked[well] ??= new Set()).add(ts);
}

/** Runs HTTP and MQTT load until stop() and records what was acknowledged. */
function startLoad(baseUrl: string, mqttPort: number, base: number) {
  const acked: Acked = {};
  let running = true;
  const loops: Promise<void>[] = [];
  for (let k = 0; k < 12; k++) {
    loops.push(
      (async () => {
        const well = `CR-H-${k}`;
        for (let seq = 0; running; seq++) {
          const ts = base + seq * 1000;
          try {
            const r = await fetch(`${baseUrl}/api/v1/telemetry/ingest`, {
              method: 'POST',
              headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify({ well_id: well, timestamp: iso(ts), flow_rate: 1000 + seq, pip: 900 }),
            });
            if (r.status === 201) ack(acked, well, ts);
            else await r.arrayBuffer();
          } catch {
            return; // the server is gone
          }
        }
      })(),
    );
  }
  const clients: mqtt.MqttClient[] = [];
  for (let k = 0; k < 2; k++) {
    const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
      protocolVersion: 4,
      username: 'gw',
      password: TEST_ADMIN_KEY,
      reconnectPeriod: 0,
      clientId: `crash-gw-${k}-${process.pid}`,
    });
    client.on('error', () => undefined);
    clients.push(client);
    loops.push(
      new Promise<void>((resolve) => {
        client.once('connect', () => {
          let seq = 0;
          let inFlight = 0;
          const pump = () => {
            while (running && client.connected && inFlight < 64) {
              const s = seq++;
              const well = `CR-M-${k}-${s % 4}`;
              const n = s % 3 === 0 ? 5 : 1; // arrays and single readings
              const items = Array.from({ length: n }, (_, j) => ({ timestamp: iso(base + (Math.floor(s / 4) * 5 + j) * 1000), flow_rate: s }));
              inFlight++;
              client.publish(`esp/${well}/telemetry`, JSON.stringify(n === 1 ? items[0] : items), { qos: 1 }, (err) => {
                inFlight--;
                if (!err) for (const it of items) ack(acked, well, Date.parse(it.timestamp));
                if (running && client.connected) setImmediate(pump);
              });
            }
          };
          pump();
          client.once('close', () => resolve());
        });
        client.once('close', () => resolve());
      }),
    );
  }
  return {
    acked,
    async stop() {
      running = false;
      for (const c of clients) c.end(true);
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 5_000))]);
    },
  };
}

async function storedTimestamps(baseUrl: string, well: string, from: number): Promise<Set<number>> {
  const r = await fetch(
    `${baseUrl}/api/v1/telemetry/wells/${well}/history?from=${iso(from - 1000)}&to=${iso(Date.now() + 60_000)}&limit=1000000`,
    { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } },
  );
  if (r.status === 404) return new Set();
  const body = (await r.json()) as { telemetry: { timestamp: string }[] };
  return new Set(body.telemetry.map((x) => Date.parse(x.timestamp)));
}

describe.each(ADAPTERS)('crash safety with a real server process (%s)', (adapter) => {
  let db: TestDatabase | undefined;
  const dirs: string[] = [];
  const children: ChildServer[] = [];

  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await db?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged reading across SIGKILL, and drains on SIGTERM', async () => {
    const dataDir = tempDir('esp-crash-');
    dirs.push(dataDir);
    const env: Record<string, string> = {
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      ESP_ADMIN_KEY: TEST_ADMIN_KEY,
      ...(process.env.ESP_TEST_VERBOSE ? { LOG_LEVEL: 'info' } : {}),
    };
    if (adapter === 'postgres') {
      db = await openTestDatabase('postgres');
      env.DATABASE_URL = db.url!;
    }
    const first = await startChildServer(env);
    children.push(first);
    const base = Date.now() - 3 * 3_600_000;
    const load = startLoad(first.baseUrl, Number(env.MQTT_PORT), base);
    // Let the load run, then kill the server without warning.
    const until = Date.now() + 20_000;
    const count = () => Object.values(load.acked).reduce((n, s) => n + s.size, 0);
    while (Date.now() < until && (count() < 1500 || Object.keys(load.acked).filter((w) => w.startsWith('CR-M')).length < 4)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    first.proc.kill('SIGKILL');
    await first.exited;
    await load.stop();
    const ackedTotal = count();
    if (process.env.ESP_TEST_VERBOSE) console.log(`acknowledged before SIGKILL: ${ackedTotal}`, Object.fromEntries(Object.entries(load.acked).map(([w, s]) => [w, s.size])));
    expect(ackedTotal).toBeGreaterThan(1000);
    expect(Object.keys(load.acked).some((w) => w.startsWith('CR-M'))).toBe(true);

    const second = await startChildServer(env);
    children.push(second);
    const missing: string[] = [];
    for (const [well, tss] of Object.entries(load.acked)) {
      const stored = await storedTimestamps(second.baseUrl, well, base);
      for (const ts of tss) if (!stored.has(ts)) missing.push(`${well}@${iso(ts)}`);
    }
    expect(missing.slice(0, 20), `${missing.length} of ${ackedTotal} acknowledged readings lost`).toEqual([]);
    // The hourly roll-up (merged off the write path, from a log the killed process left behind) counts every
    // stored reading exactly once.
    for (const well of Object.keys(load.acked)) {
      const raw = (await storedTimestamps(second.baseUrl, well, base)).size;
      const r = await fetch(
        `${second.baseUrl}/api/v1/telemetry/wells/${well}/history?from=${iso(base - 3_600_000)}&to=${iso(Date.now() + 3_600_000)}&interval=1h`,
        { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } },
      );
      const rolled = ((await r.json()) as { telemetry: { samples: number }[] }).telemetry.reduce((n, b) => n + b.samples, 0);
      expect(rolled, `roll-up of ${well}`).toBe(raw);
    }

    // SIGTERM: readings accepted just before it are stored, and the process exits cleanly.
    const lastWell = 'CR-TERM';
    const posts = Array.from({ length: 50 }, (_, i) =>
      fetch(`${second.baseUrl}/api/v1/telemetry/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ well_id: lastWell, timestamp: iso(base + i * 1000), flow_rate: i }),
      }).then((r) => r.status, () => 0),
    );
    await new Promise((r) => setTimeout(r, 20));
    second.proc.kill('SIGTERM');
    const statuses = await Promise.all(posts);
    expect(await second.exited, second.output().slice(-3000)).toBe(0);
    const okTs = statuses.flatMap((s, i) => (s === 201 ? [base + i * 1000] : []));
    const third = await startChildServer(env);
    children.push(third);
    const stored = await storedTimestamps(third.baseUrl, lastWell, base);
    for (const ts of okTs) expect(stored.has(ts)).toBe(true);
    third.proc.kill('SIGTERM');
    expect(await third.exited, third.output().slice(-3000)).toBe(0);
  }, 120_000);
});
