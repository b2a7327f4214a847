// A commit that never settles (a wedged engine, a connection that stops answering) must not wedge ingest or
// shutdown: after INGEST_COMMIT_TIMEOUT_MS its waiters get 503 and the writer is free; liveness answers; a
// re-send once storage is back is stored once; the app stops while the commit is still hanging.
// On PostgreSQL the same through a link that goes silent (no FIN, no RST): the client-side query timeout
// frees the connection and ingest recovers by itself.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlRepository } from '../../src/storage/sql-repository.js';
import { PostgresExecutor } from '../../src/storage/postgres.js';
import type { Repository } from '../../src/storage/repository.js';
import { ADAPTERS, openTestDatabase, startTestApp, type TestDatabase } from '../helpers.js';

const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A repository whose inserts hang (never settle) while `wedged`. */
function wedgeable(inner: Repository): { repo: Repository; wedged: boolean } {
  const state = { repo: inner, wedged: false };
  state.repo = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === 'insertReadings') {
        return (...args: unknown[]) =>
          state.wedged ? new Promise<never>(() => undefined) : (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return state;
}

describe.each(ADAPTERS)('commit timeout (%s)', (kind) => {
  let db: TestDatabase;
  afterAll(async () => {
    await db?.close();
  });

  it('answers 503 when a commit does not settle, frees the writer, and still shuts down', async () => {
    db = await openTestDatabase(kind);
    const w = wedgeable(db.repo);
    const t = await startTestApp({ repo: w.repo, close: async () => undefined }, { env: { INGEST_COMMIT_TIMEOUT_MS: '500' } });
    const ts = Date.now() - 60_000;
    const post = (well: string, at = ts) =>
      t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: well, timestamp: iso(at), flow_rate: 10 } });

    w.wedged = true;
    const stuck = await post('CT-1');
    expect(stuck.status).toBe(503);
    const body = (await stuck.json()) as { error_code: string; details: { reason: string } };
    expect(body.error_code).toBe('SERVICE_UNAVAILABLE');
    expect(body.details.reason).toBe('commit_timeout');
    expect(stuck.headers.get('retry-after')).toBeTruthy();
    expect((await t.request('/health/live')).status).toBe(200);
    expect(t.app.ctx.pipeline.stats.timedOutBatches).toBeGreaterThan(0);
    expect(t.app.ctx.pipeline.stats.inFlight).toBe(0);

    // Storage back: the re-send is stored once.
    w.wedged = false;
    let status = 0;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline && status !== 201; await sleep(100)) status = (await post('CT-1')).status;
    expect(status).toBe(201);
    expect((await post('CT-1')).status).toBe(201);
    expect(await db.repo.countReadings('CT-1')).toBe(1);

    // A commit hanging while the app stops: stop() completes, the waiter gets its answer.
    w.wedged = true;
    const pending = post('CT-2', ts + 1000).then(
      (r) => r.status,
      () => 0,
    );
    await sleep(50);
    await t.app.stop();
    expect(await pending).toBe(503);
    w.wedged = false;
  });
});

/**
 * A TCP proxy whose links can go silent: bytes stop flowing both ways and nothing is closed, as when a
 * firewall or a frozen host drops a connection's packets. Links that went silent stay silent for good.
 */
class SilentProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** New links are silent too while set. */
  silent = false;
  port = 0;
  constructor(private readonly host: string, private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.host);
      let muted = this.silent;
      const mute = () => (muted = true);
      this.muters.add(mute);
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.muters.delete(mute);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.on('data', (d) => (muted ? undefined : upstream.write(d)));
      upstream.on('data', (d) => (muted ? undefined : client.write(d)));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  private readonly muters = new Set<() => void>();

  /** Every open link goes silent for good; new ones too until `silent` is cleared. */
  silence(): void {
    this.silent = true;
    for (const m of this.muters) m();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('a PostgreSQL link that goes silent', () => {
  let db: TestDatabase;
  let proxy: SilentProxy;
  afterAll(async () => {
    await proxy?.close();
    await db?.close();
  });

  it('answers 503 within the commit timeout, stays live, and recovers by itself', async () => {
    db = await openTestDatabase('postgres');
    const target = new URL(db.url!);
    proxy = new SilentProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const via = new URL(db.url!);
    via.host = `127.0.0.1:${proxy.port}`;
    // statement_timeout 1 s: the client gives up on a silent connection 5 s later (query_timeout).
    const repo = new SqlRepository(new PostgresExecutor({ url: via.toString(), poolMax: 6, statementTimeoutMs: 1_000, retries: 1 }));
    const t = await startTestApp({ repo, close: () => repo.close() }, { env: { INGEST_COMMIT_TIMEOUT_MS: '2000' } });
    const base = Date.now() - 3_600_000;
    const post = (i: number) =>
      t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'SIL-1', timestamp: iso(base + i * 1000), flow_rate: i } });
    expect((await post(0)).status).toBe(201);

    // Several commits and probes hang on silent links, more than the pool holds.
    proxy.silence();
    const during = await Promise.all([post(1), post(2), post(3), post(4), post(5), post(6), post(7), post(8)]);
    for (const r of during) expect(r.status).toBe(503);
    expect((await t.request('/health/live')).status).toBe(200);
    expect((await t.request('/health/ready')).status).toBe(503);

    // New links work again; the silent ones never answer nor close: the client's own timeout must free them.
    proxy.silent = false;
    let status = 0;
    let i = 1;
    for (const deadline = Date.now() + 40_000; Date.now() < deadline && status !== 201; await sleep(250)) status = (await post(i)).status;
    expect(status, JSON.stringify(t.app.ctx.pipeline.stats)).toBe(201);
    for (i = 2; i < 50; i++) expect((await post(i)).status).toBe(201);
    await t.app.stop();
    await repo.close();
    expect(await db.repo.countReadings('SIL-1')).toBe(50);
  }, 120_000);
});
