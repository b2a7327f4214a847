// Fixtures for the ingest tests: free ports, a store that can be made to fail, test device keys, child servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConnectionError } from '../../src/domain/errors.js';
import type { Principal } from '../../src/domain/identity.js';
import type { App } from '../../src/app.js';
import type { Repository } from '../../src/storage/repository.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { freePort } from '../../scripts/free-port.js';

export interface FaultyRepo {
  repo: Repository;
  /** While true, writes and pings fail as a lost database connection would. */
  failing: boolean;
  /** Added before each insert (a slow disk). */
  delayMs: number;
}

export function faultyRepo(inner: Repository): FaultyRepo {
  const state: FaultyRepo = { repo: inner, failing: false, delayMs: 0 };
  state.repo = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === 'insertReadings' || prop === 'ping' || prop === 'checkTables' || prop === 'insertRejected') {
        return async (...args: unknown[]) => {
          if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
          if (state.failing) throw new ConnectionError('Database unavailable', { cause: 'test outage' });
          return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return state;
}

export const DEVICE_KEY_W_IN = 'device-key-scoped-to-W-IN-0123456789';
export const VIEWER_KEY = 'viewer-key-read-only-0123456789abcdef';

/** Test credentials: a device key scoped to well W-IN and a read-only key. */
export function addTestKeys(app: App): void {
  app.ctx.authenticator.addResolver(async (cred): Promise<Principal | null> => {
    if (cred === DEVICE_KEY_W_IN) {
      return { kind: 'device-key', name: 'api-key:w-in', role: 'device', scope: { wells: ['W-IN'], field: null } };
    }
    if (cred === VIEWER_KEY) return { kind: 'user', name: 'viewer', role: 'viewer' };
    return null;
  });
}

/** A TCP proxy whose link can be cut and restored (a database outage without touching the database). */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r, j) => {
      server.once('error', j);
      server.listen(port, '127.0.0.1', () => r());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  /** Refuses new connections and kills the open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  async restore(): Promise<void> {
    await this.start(this.port);
  }
}

export interface ChildServer {
  proc: ChildProcess;
  baseUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

/** `esp serve` as a real child process (tsx), ready when /health/ready answers 200. */
export async function startChildServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const log = process.env.ESP_TEST_VERBOSE ? `/tmp/esp-child-${env.PORT}.log` : null;
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
    if (log) appendFileSync(log, d);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const baseUrl = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`server exited during start-up:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server not ready after ${timeoutMs} ms:\n${out}`);
    }
    try {
      const r = await fetch(`${baseUrl}/health/ready`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, baseUrl, output: () => out, exited };
}
