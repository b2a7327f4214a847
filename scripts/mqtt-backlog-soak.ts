// Soak: a large backlog at an external Mosquitto (the repository's production configuration) drains into a
// real `esp serve` with bounded memory, no reconnect storm and nothing lost.
//
//   npx tsx scripts/mqtt-backlog-soak.ts [messages=300000]
//   SOAK_DATABASE_URL=postgres://… to drain into PostgreSQL instead of the embedded store;
//   MQTT_RECEIVE_MAXIMUM=… to try another in-flight window.
//
// Steps: start a private mosquitto; start the server once so its persistent session and shared subscription
// exist; stop it; publish N QoS 1 readings (one per message, all distinct); start the server again and sample
// its RSS, the readings stored and its MQTT counters every 500 ms until all N are in. Prints a JSON summary;
// exits 1 on loss, on a reconnect, or when the drain does not finish.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_USER, publishReadings, startPrivateMosquitto } from './mosquitto-private.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const N = Number(process.argv[2] ?? 300_000);
const ADMIN_KEY = 'soak-admin-key-0123456789abcdef0123';
const DRAIN_TIMEOUT_MS = Number(process.env.SOAK_DRAIN_TIMEOUT_MS ?? 20 * 60_000);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function get(base: string, path: string): Promise<Response> {
  return fetch(base + path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
}

async function startServer(env: Record<string, string>): Promise<{ proc: ChildProcess; base: string; out: () => string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const base = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited:\n${out}`);
    if (Date.now() > deadline) throw new Error(`server not ready:\n${out}`);
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) break;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, base, out: () => out };
}

async function stopServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  await exited;
}

async function promValue(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const broker = await startPrivateMosquitto({ sys_interval: '1' });
  const dataDir = mkdtempSync(join(tmpdir(), 'esp-soak-'));
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    DATA_DIR: dataDir,
    ESP_ADMIN_KEY: ADMIN_KEY,
    MQTT_URL: broker.url,
    MQTT_USERNAME: PLATFORM_USER.username,
    MQTT_PASSWORD: PLATFORM_USER.password,
    MQTT_CLIENT_ID: `soak-${process.pid}`,
  };
  if (process.env.SOAK_DATABASE_URL) env.DATABASE_URL = process.env.SOAK_DATABASE_URL;
  if (process.env.MQTT_RECEIVE_MAXIMUM) env.MQTT_RECEIVE_MAXIMUM = process.env.MQTT_RECEIVE_MAXIMUM;
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    server = await startServer(env);
    await stopServer(server.proc);
    const pubStart = performance.now();
    await publishReadings(broker.url, N, { wells: 1_000, wellPrefix: 'SOAK' });
    const publishS = (performance.now() - pubStart) / 1000;
    console.error(`published ${N} in ${publishS.toFixed(1)} s; starting the platform`);

    const started = performance.now();
    server = await startServer(env);
    const pid = server.proc.pid!;
    const samples: { t: number; rss_mb: number; accepted: number; awaiting_ack: number; queue: number }[] = [];
    let accepted = 0;
    let insertedSoFar = 0;
    for (;;) {
      const stats = (await (await get(server.base, '/api/v1/ingest/stats')).json()) as {
        transports: { mqtt: { accepted: number } };
        mqtt: { awaitingAck: number; brokerConnects: number };
        pipeline: { queue_depth: number };
      };
      accepted = stats.transports.mqtt.accepted;
      samples.push({
        t: Math.round(performance.now() - started),
        rss_mb: rssMb(pid),
        accepted,
        awaiting_ack: stats.mqtt.awaitingAck,
        queue: stats.pipeline.queue_depth,
      });
      // Accepted counts redelivered duplicates too: the drain is over when every distinct reading is stored.
      insertedSoFar = await promValue(server.base, 'esp_readings_inserted_total');
      if (insertedSoFar >= N || performance.now() - started > DRAIN_TIMEOUT_MS) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const drainS = (performance.now() - started) / 1000;
    // Let $SYS publish once more, then read the final counters.
    await new Promise((r) => setTimeout(r, 1_500));
    const stats = (await (await get(server.base, '/api/v1/ingest/stats')).json()) as {
      mqtt: Record<string, number>;
      broker: Record<string, number | null>;
    };
    const inserted = await promValue(server.base, 'esp_readings_inserted_total');
    const health = (await (await fetch(`${server.base}/health`)).json()) as { status: string; dependencies: Record<string, unknown> };
    const committed = await promValue(server.base, 'esp_readings_committed_total');
    const firstAt = samples.find((s) => s.accepted > 0)?.t ?? 0;
    const summary = {
      messages: N,
      store: env.DATABASE_URL ? 'postgres' : 'pglite',
      publish_s: Math.round(publishS * 10) / 10,
      drain_s: Math.round(drainS * 10) / 10,
      // From the first reading stored (the server's start-up excluded) to the last.
      rate_per_s: Math.round(insertedSoFar / Math.max(0.001, drainS - firstAt / 1000)),
      accepted,
      inserted,
      duplicates: committed - inserted,
      lost: N - inserted,
      peak_rss_mb: Math.max(...samples.map((s) => s.rss_mb)),
      final_rss_mb: samples.at(-1)?.rss_mb,
      max_awaiting_ack: Math.max(...samples.map((s) => s.awaiting_ack)),
      max_queue: Math.max(...samples.map((s) => s.queue)),
      broker_connects: stats.mqtt.brokerConnects,
      unacknowledged: stats.mqtt.unacknowledged,
      queue_waits: stats.mqtt.queueWaits,
      // null: the broker's retained counter had not reached the platform (it queues behind the backlog);
      // drops_observed counts every rise seen live.
      broker_messages_dropped: stats.broker.messagesDropped,
      broker_drops_observed: stats.broker.dropsObserved,
      health: health.status,
      mqtt_dependency: health.dependencies.mqtt,
      rss_mb_every_10_s: samples.filter((_, i) => i % 20 === 0).map((s) => [Math.round(s.t / 1000), s.rss_mb, s.accepted]),
    };
    console.log(JSON.stringify(summary, null, 2));
    const ok = summary.lost === 0 && summary.broker_connects === 1 && !summary.broker_messages_dropped && summary.broker_drops_observed === 0;
    if (!ok) {
      console.error('FAILED', server.out().slice(-4_000));
      process.exitCode = 1;
    }
  } finally {
    if (server) await stopServer(server.proc);
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
