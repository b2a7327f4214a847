// A damaged embedded store is never reported healthy. Copies of a real data directory are damaged on purpose:
// unreadable table pages → the server starts, stays live and answers /health/ready 503 with the cause (not a
// restart loop, not "healthy" with failing reads); a catalog it cannot even open → `esp serve` exits non-zero
// at once, naming the directory and what to do.
import { spawn } from 'node:child_process';
import { cpSync, openSync, rmSync, truncateSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import type { SqlRepository } from '../../src/storage/sql-repository.js';
import { tempDir, testConfig, TEST_ADMIN_KEY } from '../helpers.js';
import { freePort, ROOT } from '../ingest/support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serve(dataDir: string, port: number) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      MQTT_PORT: '0',
      DATA_DIR: dataDir,
      ESP_ADMIN_KEY: TEST_ADMIN_KEY,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exited, output: () => out };
}

/** Overwrites a file with bytes that are no PostgreSQL page, keeping its size. */
function scramble(path: string): void {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(size, 0x5a), 0, size, 0);
  closeSync(fd);
}

describe('store check on the embedded store', () => {
  const dirs: string[] = [];
  const procs: ReturnType<typeof serve>[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reports unreadable tables as not ready, and refuses a store it cannot open', async () => {
    // A real data directory with telemetry in it.
    const original = tempDir('esp-check-');
    dirs.push(original);
    const app = await App.create(testConfig({ DATA_DIR: original }), { logger: pino({ level: 'silent' }), security: false });
    await app.start();
    const now = Date.now();
    await app.ctx.repo.insertReadings(
      Array.from({ length: 200 }, (_, i) => ({
        well_id: 'CHK-1', ts: now - 60_000 + i * 100, flow_rate: 100, pip: 900, motor_current: 40, motor_temp: null,
        vibration: null, vsd_frequency: null, flow_variance: null, torque: null, gor: null,
      })),
    );
    const exec = (app.ctx.repo as SqlRepository).executor;
    const path = async (sql: string) => (await exec.query<{ p: string }>(sql)).rows[0].p;
    const partition = await path(
      `SELECT pg_relation_filepath(c.oid) AS p FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'telemetry'::regclass ORDER BY c.relname DESC LIMIT 1`,
    );
    const pgClass = await path(`SELECT pg_relation_filepath('pg_class') AS p`);
    await app.stop();

    // Unreadable telemetry pages: up and live, never ready, the cause in the probe.
    const damaged = tempDir('esp-check-damaged-');
    dirs.push(damaged);
    cpSync(original, damaged, { recursive: true });
    scramble(join(damaged, 'pglite', partition));
    const port = await freePort();
    const s = serve(damaged, port);
    procs.push(s);
    let live = 0;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && live !== 200 && s.proc.exitCode === null; await sleep(200)) {
      live = await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 0);
    }
    expect(live, s.output().slice(-2000)).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; dependencies: { database: { status: string; error: string } } };
    expect(body.status).toBe('not_ready');
    expect(body.dependencies.database.status).toBe('unhealthy');
    expect(body.dependencies.database.error).toMatch(/may be damaged/);
    expect(body.dependencies.database.error).toMatch(/invalid page/);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(503);
    const healthBody = (await health.json()) as { status: string; health: string };
    expect(healthBody.status).toBe('not_ready');
    expect(healthBody.health).toBe('unhealthy');
    expect(s.output()).toMatch(/store check failed at start/);
    s.proc.kill('SIGTERM');
    await s.exited;

    // A catalog the engine cannot open: exit at once, naming the directory.
    const broken = tempDir('esp-check-broken-');
    dirs.push(broken);
    cpSync(original, broken, { recursive: true });
    truncateSync(join(broken, 'pglite', pgClass), 0);
    const b = serve(broken, await freePort());
    procs.push(b);
    const code = await b.exited;
    expect(code).not.toBe(0);
    expect(b.output()).toContain(join(broken, 'pglite'));
    expect(b.output()).toMatch(/cannot be opened/);

    // The undamaged original still starts and is ready.
    const okPort = await freePort();
    const ok = serve(original, okPort);
    procs.push(ok);
    let status = 0;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && status !== 200 && ok.proc.exitCode === null; await sleep(200)) {
      status = await fetch(`http://127.0.0.1:${okPort}/health/ready`).then((r) => r.status, () => 0);
    }
    expect(status, ok.output().slice(-2000)).toBe(200);
    ok.proc.kill('SIGTERM');
    expect(await ok.exited).toBe(0);
  }, 180_000);
});
