// One owner per embedded store, with real processes: while `esp serve` runs on a DATA_DIR, a second `serve`,
// `user add` and `migrate` on it exit non-zero at once naming the directory and the owner's pid, and touch
// nothing (the owner keeps serving its data). SIGKILL frees the lock: a new server starts on the same data.
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireStoreLock, StoreInUseError } from '../../src/storage/store-lock.js';
import { tempDir, TEST_ADMIN_KEY } from '../helpers.js';
import { freePort, ROOT, startChildServer, type ChildServer } from '../ingest/support.js';

function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.stdin.end(stdin);
    proc.once('exit', (code) => resolve({ code, out }));
  });
}

describe('store lock (in process)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a second holder of one directory, by any path to it, until released', async () => {
    const dir = tempDir('esp-lock-');
    dirs.push(dir);
    const store = join(dir, 'pglite');
    const lock = await acquireStoreLock(store);
    expect(readFileSync(lock.pidFile, 'utf8').trim()).toBe(String(process.pid));
    const second = await acquireStoreLock(join(dir, '.', 'pglite')).then(
      () => null,
      (err: unknown) => err,
    );
    expect(second).toBeInstanceOf(StoreInUseError);
    expect((second as StoreInUseError).ownerPid).toBe(process.pid);
    expect((second as Error).message).toContain(realpathSync(store));
    lock.release();
    const again = await acquireStoreLock(store);
    again.release();
  });
});

describe('one owner per embedded store (real processes)', () => {
  const dirs: string[] = [];
  const children: ChildServer[] = [];
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a second serve, user add and migrate while the owner runs; SIGKILL frees the store', async () => {
    const dataDir = tempDir('esp-owner-');
    dirs.push(dataDir);
    const env = () => ({ DATA_DIR: dataDir, ESP_ADMIN_KEY: TEST_ADMIN_KEY });
    const first = await startChildServer({ ...env(), PORT: String(await freePort()), MQTT_PORT: String(await freePort()) });
    children.push(first);
    const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    const posted = await fetch(`${first.baseUrl}/api/v1/telemetry/ingest`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ well_id: 'LOCK-1', timestamp: new Date(Date.now() - 60_000).toISOString(), flow_rate: 42 }),
    });
    expect(posted.status).toBe(201);
    const storeDir = realpathSync(join(dataDir, 'pglite'));
    const owner = String(first.proc.pid);

    const serve = await runCli(['serve'], { ...env(), PORT: String(await freePort()), MQTT_PORT: String(await freePort()) });
    expect(serve.code, serve.out).not.toBe(0);
    expect(serve.out).toContain(storeDir);
    expect(serve.out).toContain(`pid ${owner}`);

    const user = await runCli(['user', 'add', '--role', 'viewer', '--password', 'a-long-password-123', 'lockuser'], env());
    expect(user.code, user.out).not.toBe(0);
    expect(user.out).toContain(storeDir);
    expect(user.out).toContain(`pid ${owner}`);
    expect(user.out).not.toMatch(/created user/);

    const migrate = await runCli(['migrate'], env());
    expect(migrate.code, migrate.out).not.toBe(0);
    expect(migrate.out).toContain(storeDir);

    // The owner was not disturbed.
    const ready = await fetch(`${first.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);

    first.proc.kill('SIGKILL');
    await first.exited;
    const second = await startChildServer({ ...env(), PORT: String(await freePort()), MQTT_PORT: String(await freePort()) });
    children.push(second);
    const latest = await fetch(`${second.baseUrl}/api/v1/telemetry/wells/LOCK-1/latest`, { headers: auth });
    expect(latest.status).toBe(200);
    expect(((await latest.json()) as { telemetry: { flow_rate: number } }).telemetry.flow_rate).toBe(42);
    expect(readFileSync(join(dataDir, 'pglite.owner.pid'), 'utf8').trim()).toBe(String(second.proc.pid));
    second.proc.kill('SIGTERM');
    expect(await second.exited, second.output().slice(-2000)).toBe(0);

    // Stopped: the CLI may open the store again.
    const userAfter = await runCli(['user', 'add', '--role', 'viewer', '--password', 'a-long-password-123', 'lockuser'], env());
    expect(userAfter.code, userAfter.out).toBe(0);
    expect(userAfter.out).toMatch(/created user lockuser/);
  }, 120_000);
});
