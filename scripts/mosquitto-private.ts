// A private Mosquitto running the repository's production configuration (deploy/mosquitto/mosquitto.conf) on
// a free port, with its own persistence directory, password file and ACL: for the tests and the soak run.
// The machine's own broker (1883) is never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export const PRODUCTION_CONFIG = fileURLToPath(new URL('../deploy/mosquitto/mosquitto.conf', import.meta.url));
export const PLATFORM_USER = { username: 'esp-platform', password: 'platform-secret-0123' };
export const GATEWAY_USER = { username: 'gateway-test', password: 'gateway-secret-0123' };

export interface PrivateMosquitto {
  port: number;
  url: string;
  proc: ChildProcess;
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `mosquitto` with the production configuration; only the listener address, the file locations and the
 * given `overrides` (option → value, e.g. `sys_interval: '1'`) differ.
 */
export async function startPrivateMosquitto(overrides: Record<string, string> = {}): Promise<PrivateMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'esp-mosquitto-'));
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, '');
  for (const u of [PLATFORM_USER, GATEWAY_USER]) {
    const r = spawnSync('mosquitto_passwd', ['-b', passwd, u.username, u.password]);
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
  }
  const acl = readFileSync(new URL('../deploy/mosquitto/acl', import.meta.url), 'utf8')
    .replaceAll('user esp-platform', `user ${PLATFORM_USER.username}`)
    .concat(`\nuser ${GATEWAY_USER.username}\ntopic write esp/+/telemetry\n`);
  writeFileSync(join(dir, 'acl'), acl);
  const replaced = new Set<string>();
  const lines = readFileSync(PRODUCTION_CONFIG, 'utf8')
    .split('\n')
    .map((line) => {
      const [key] = line.trim().split(/\s+/);
      if (key === 'listener') return `listener ${port} 127.0.0.1`;
      if (key === 'persistence_location') return `persistence_location ${dir}/`;
      if (key === 'password_file') return `password_file ${passwd}`;
      if (key === 'acl_file') return `acl_file ${join(dir, 'acl')}`;
      if (key && key in overrides) {
        replaced.add(key);
        return `${key} ${overrides[key]}`;
      }
      return line;
    });
  for (const [k, v] of Object.entries(overrides)) if (!replaced.has(k)) lines.push(`${k} ${v}`);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n'));
  // Started as root, mosquitto drops to its own user: it must be able to read these and write its store here.
  chmodSync(dir, 0o777);
  for (const f of [passwd, join(dir, 'acl'), conf]) chmodSync(f, 0o644);
  const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    proc,
    dir,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Publishes `n` QoS 1 readings (one per message, distinct well/timestamp pairs over `wells` wells) as the test
 * gateway, keeping `window` unacknowledged at a time; resolves when the broker has acknowledged them all.
 */
export async function publishReadings(
  url: string,
  n: number,
  opts: { wells?: number; wellPrefix?: string; window?: number; startMs?: number } = {},
): Promise<void> {
  const { default: mqtt } = await import('mqtt');
  const wells = opts.wells ?? 100;
  const prefix = opts.wellPrefix ?? 'BL';
  const window = opts.window ?? 1_000;
  const start = opts.startMs ?? Date.now() - 86_400_000;
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    ...GATEWAY_USER,
    clientId: `backlog-publisher-${process.pid}-${Date.now()}`,
    reconnectPeriod: 0,
  });
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const payload = JSON.stringify({ timestamp: new Date(start + Math.floor(i / wells) * 1_000).toISOString(), flow_rate: 1000 + (i % 500), pip: 900 });
      await client.publishAsync(`esp/${prefix}-${i % wells}/telemetry`, payload, { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  await client.endAsync();
}
