// `npm run bench`: ingest throughput of the whole server (HTTP batch, HTTP single readings, MQTT QoS 1),
// on PostgreSQL and on the embedded store, each beside a raw COPY into the same table in the same run; and
// the diagnostic engine's throughput. Prints a table and writes bench/README.md.
//
// Environment: BENCH_DATABASE_URL or DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a
// bench database is created and dropped), BENCH_STORES=postgres,pglite, BENCH_HTTP_SECONDS (10),
// BENCH_WARMUP_SECONDS (2, unmeasured load before each HTTP single-reading window), BENCH_MQTT_SECONDS (60),
// BENCH_QUICK=1 (short runs, README not written), BENCH_SCENARIOS (a comma list of
// http-batch, http-single, mqtt-single, mqtt-array, floor, floor-single; e.g. http-single,floor-single compares
// the single-reading path with the floor's alone), BENCH_ENGINE=0 and BENCH_FLEET=0 (skip those parts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { pino } from 'pino';
import { App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { CHANNELS, type Reading } from '../src/domain/reading.js';
import { READING_COLUMNS, encodeCopyBinary, encodeCopyText } from '../src/storage/copy-format.js';
import { PgliteExecutor } from '../src/storage/pglite.js';
import { PostgresExecutor } from '../src/storage/postgres.js';
import type { SqlExecutor } from '../src/storage/sql.js';
import { SqlRepository } from '../src/storage/sql-repository.js';
import { freePort } from '../scripts/free-port.js';
import { cpuNote } from './cpu.js';
import { startFloorServer } from './floor.js';
import type { LoadJob, LoadResult } from './load-worker.js';

const KEY = 'bench-admin-key-0123456789abcdef0123456789';
const QUICK = process.env.BENCH_QUICK === '1';
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? (QUICK ? 4 : 10));
/** Load sent before each timed HTTP single-reading window (both servers' JIT and caches warm, as in service). */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;
const MQTT_SECONDS = Number(process.env.BENCH_MQTT_SECONDS ?? (QUICK ? 6 : 60));
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SCENARIOS = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
const want = (name: string) => !SCENARIOS || SCENARIOS.includes(name);
const STORES = (process.env.BENCH_STORES ?? 'postgres,pglite').split(',').map((s) => s.trim()).filter(Boolean);
for (const s of STORES) if (s !== 'postgres' && s !== 'pglite') throw new Error(`BENCH_STORES: unknown store "${s}" (postgres, pglite)`);

interface Row {
  store: string;
  scenario: string;
  readings: number;
  seconds: number;
  perSecond: number;
  note: string;
  lost?: number;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: job });
    w.once('message', (m: LoadResult & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    w.once('error', reject);
  });
}

/** A load run with the CPU it cost, by consumer (server thread, generator, other threads, PostgreSQL). */
async function measuredLoad(job: LoadJob, store: string): Promise<LoadResult & { cpuNote: string }> {
  const res = await runLoad(job);
  const note = cpuNote(res.cpu.before, res.cpu.after, res.acked, store === 'postgres');
  return { ...res, cpuNote: note ? `; ${note}` : '' };
}

function syntheticReadings(prefix: string, wells: number, n: number, base: number): Reading[] {
  const out: Reading[] = [];
  for (let i = 0; i < n; i++) {
    const w = i % wells;
    const r = { well_id: `${prefix}${w}`, ts: base + Math.floor(i / wells) * 1000 } as Reading;
    for (const c of CHANNELS) r[c] = 100 + (i % 97);
    out.push(r);
  }
  return out;
}

/**
 * Raw COPY of `n` rows into the telemetry table, in text and in binary format (each into its own fresh day,
 * pre-encoded, one transaction): the faster of the two is the ceiling for any ingest path.
 */
async function rawCopy(db: SqlExecutor, repo: SqlRepository, n: number, base: number): Promise<{ text: number; binary: number }> {
  const rate = async (format: 'text' | 'binary', start: number) => {
    const readings = syntheticReadings(`COPY-${format}-${start}-`, 100, n, start);
    await repo.insertReadings(readings.slice(0, 1)); // creates the day's partition
    const data = format === 'text' ? encodeCopyText(readings.slice(1)) : encodeCopyBinary(readings.slice(1));
    const t0 = performance.now();
    await db.transaction((tx) => tx.copyIn('telemetry', READING_COLUMNS, data));
    return (n - 1) / ((performance.now() - t0) / 1000);
  };
  // Best of three of each (a fresh day each time): the ceiling, not one unlucky moment on a shared machine.
  let text = 0;
  let binary = 0;
  for (let i = 0; i < 3; i++) {
    text = Math.max(text, await rate('text', base + 2 * i * 86_400_000));
    binary = Math.max(binary, await rate('binary', base + (2 * i + 1) * 86_400_000));
  }
  return { text, binary };
}

/**
 * Raw COPY in the shape of the HTTP batch scenario: `total` pre-encoded rows in transactions of `perTx` rows,
 * `clients` at once. What the database itself takes at that request size, with no HTTP or JSON in front.
 */
async function rawCopyBatches(db: SqlExecutor, repo: SqlRepository, total: number, perTx: number, clients: number, start: number, wells: number): Promise<number> {
  const readings = syntheticReadings(`COPYB-${start}-`, wells, total, start);
  await repo.insertReadings(syntheticReadings(`COPYB-${start}-first-`, 1, 1, start)); // the day's partition
  const chunks: Buffer[] = [];
  for (let i = 0; i < total; i += perTx) chunks.push(encodeCopyBinary(readings.slice(i, i + perTx)));
  chunks.reverse();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let c = chunks.pop(); c; c = chunks.pop()) {
        const data = c;
        await db.transaction((tx) => tx.copyIn('telemetry', READING_COLUMNS, data));
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function countByWell(db: SqlExecutor, prefix: string): Promise<Map<string, number>> {
  const r = await db.query<{ well_id: string; n: number }>(
    `SELECT well_id, count(*)::int AS n FROM telemetry WHERE well_id LIKE $1 GROUP BY 1`,
    [`${prefix}%`],
  );
  return new Map(r.rows.map((x) => [x.well_id, Number(x.n)]));
}

/** After a scenario: does the hourly roll-up (merged off the write path) count exactly the stored readings? */
async function derivedConsistent(repo: SqlRepository, prefix: string): Promise<string> {
  await repo.derived.sync();
  const r = await repo.executor.query<{ raw: number; rolled: number }>(
    `SELECT (SELECT count(*) FROM telemetry WHERE well_id LIKE $1)::int AS raw,
            (SELECT coalesce(sum(samples), 0) FROM telemetry_hourly WHERE well_id LIKE $1)::int AS rolled`,
    [`${prefix}%`],
  );
  const { raw, rolled } = r.rows[0];
  return Number(raw) === Number(rolled) ? 'exact' : `MISMATCH ${rolled} of ${raw}`;
}

/** Readings acknowledged but not stored (must be 0). */
async function lost(db: SqlExecutor, prefix: string, res: LoadResult): Promise<number> {
  const stored = await countByWell(db, prefix);
  let missing = 0;
  for (const [well, n] of Object.entries(res.ackedByWell)) missing += Math.max(0, n - (stored.get(well) ?? 0));
  return missing;
}

async function benchStore(store: 'postgres' | 'pglite', rows: Row[], info: Record<string, string>): Promise<void> {
  let db: SqlExecutor;
  let cleanup: () => Promise<void>;
  const dataDir = mkdtempSync(join(tmpdir(), 'esp-bench-'));
  if (store === 'postgres') {
    const name = `esp_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    info.postgres = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    db = new PostgresExecutor({ url: url.toString(), poolMax: 10, statementTimeoutMs: 120_000, retries: 3 });
    cleanup = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    db = await PgliteExecutor.open(join(dataDir, 'pglite'));
    cleanup = async () => undefined;
  }
  const repo = new SqlRepository(db);
  await repo.migrate();
  const base = Date.now() - 20 * 86_400_000;

  const copyRows = QUICK ? 50_000 : 200_000;
  const copy = await rawCopy(db, repo, copyRows, base - 2 * 86_400_000);
  const copyRate = Math.max(copy.text, copy.binary);
  rows.push({ store, scenario: 'raw COPY, text format', readings: copyRows, seconds: 0, perSecond: copy.text, note: 'COPY into telemetry, one transaction, best of 3' });
  rows.push({ store, scenario: 'raw COPY, binary format', readings: copyRows, seconds: 0, perSecond: copy.binary, note: `one transaction, best of 3; the faster format is the baseline below` });
  log(`${store}: raw COPY ${fmt(copy.text)} rows/s text, ${fmt(copy.binary)} binary`);
  const WELLS = Number(process.env.BENCH_WELLS ?? 200);
  const batchTotal = QUICK ? 100_000 : 300_000;
  const copyShaped = await rawCopyBatches(db, repo, batchTotal, 1000, 8, base - 8 * 86_400_000, WELLS);
  rows.push({ store, scenario: 'raw COPY, 1000 rows/transaction, 8 clients', readings: batchTotal, seconds: 0, perSecond: copyShaped, note: `binary; the database alone at the HTTP batch request size: ${((copyShaped / copyRate) * 100).toFixed(0)}% of one COPY` });
  log(`${store}: raw COPY in 1000-row transactions ${fmt(copyShaped)} rows/s`);

  const mqttPort = await freePort();
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      DATA_DIR: dataDir,
      ESP_ADMIN_KEY: KEY,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      RATE_LIMIT_PER_MINUTE: '10000000',
      // The per-credential readings budget too: the scenarios send several hundred thousand readings a minute.
      INGEST_RATE_LIMIT_PER_MINUTE: '1000000000',
      TELEMETRY_RETENTION_DAYS: '3650',
      // The pipeline's knobs (INGEST_WRITERS, INGEST_COMMIT_BATCH, ...) may be set for a run to compare them.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INGEST_'))),
    },
    'bench',
  );
  const app = await App.create(config, { repo, logger: pino({ level: 'warn' }) });
  await app.start();
  const port = app.port;
  const common = { host: '127.0.0.1', key: KEY, base, batchSize: 1000, perMessage: 1, window: 200 };
  // Warm state: every well of every scenario has been seen once (the diagnosis service loads a well's state on
  // its first reading after start-up; a long-running server has done that long ago). The floor's wells are
  // registered here too: the floor server writes readings only.
  for (const prefix of ['HB-', 'HS-', 'MS-', 'MA-', 'FB-', 'FS-']) {
    await app.ctx.pipeline.submit(syntheticReadings(prefix, WELLS, WELLS, base - 3_600_000));
  }
  await app.ctx.diagnosis.flush();

  /**
   * Between scenarios: the server finishes the previous one's work (commits, diagnoses, detected events, the
   * roll-up merges it holds) and the database settles a moment, so no scenario pays for the one before.
   */
  const settle = async () => {
    await app.ctx.pipeline.drain(false);
    await app.ctx.diagnosis.flush();
    await app.ctx.runEvents.flush();
    for (let i = 0; i < 100 && repo.derivedBacklog() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2_000));
  };

  try {
    // HTTP batch: 1000 readings per request.
    if (want('http-batch')) {
      const res = await measuredLoad({ ...common, kind: 'http-batch', port, concurrency: 8, total: batchTotal, wellPrefix: 'HB-', wells: WELLS }, store);
      const rate = res.acked / (res.elapsedMs / 1000);
      const derived = await derivedConsistent(repo, 'HB-');
      rows.push({ store, scenario: 'HTTP batch (1000/request, 8 clients)', readings: res.acked, seconds: res.elapsedMs / 1000, perSecond: rate, note: `${((rate / copyRate) * 100).toFixed(0)}% of raw COPY (${((rate / copyShaped) * 100).toFixed(0)}% of COPY in 1000-row transactions); p50 ${res.latencyMs.p50} ms/request; roll-up ${derived}${res.cpuNote}`, lost: await lost(db, 'HB-', res) });
      log(`${store}: HTTP batch ${fmt(rate)} readings/s`);
    }
    // HTTP single readings, 64 keep-alive clients.
    if (want('http-single')) {
      await settle();
      const res = await measuredLoad({ ...common, kind: 'http-single', port, concurrency: 64, durationMs: HTTP_SECONDS * 1000, warmupMs: WARMUP_MS, wellPrefix: 'HS-', wells: WELLS }, store);
      const rate = res.acked / (res.elapsedMs / 1000);
      rows.push({ store, scenario: 'HTTP single reading (64 clients)', readings: res.acked, seconds: res.elapsedMs / 1000, perSecond: rate, note: `p50 ${res.latencyMs.p50} ms, p99 ${res.latencyMs.p99} ms; 503s ${res.statuses['503'] ?? 0}${res.cpuNote}`, lost: await lost(db, 'HS-', res) });
      log(`${store}: HTTP single ${fmt(rate)} readings/s`);
    }
    // MQTT QoS 1, single readings per message.
    if (want('mqtt-single')) {
      await settle();
      const res = await measuredLoad({ ...common, kind: 'mqtt', port: mqttPort, concurrency: 8, durationMs: MQTT_SECONDS * 1000, wellPrefix: 'MS-', wells: WELLS, perMessage: 1, window: 200 }, store);
      const rate = res.acked / (res.elapsedMs / 1000);
      rows.push({ store, scenario: `MQTT QoS 1, 1 reading/message (8 conns × 200 in flight, ${MQTT_SECONDS} s)`, readings: res.acked, seconds: res.elapsedMs / 1000, perSecond: rate, note: `PUBACK after commit: p50 ${res.latencyMs.p50} ms, p99 ${res.latencyMs.p99} ms${res.cpuNote}`, lost: await lost(db, 'MS-', res) });
      log(`${store}: MQTT single ${fmt(rate)} readings/s`);
    }
    // MQTT QoS 1, arrays of 10 readings per message.
    if (want('mqtt-array')) {
      await settle();
      const secs = Math.max(5, Math.round(MQTT_SECONDS / 4));
      const res = await measuredLoad({ ...common, kind: 'mqtt', port: mqttPort, concurrency: 4, durationMs: secs * 1000, wellPrefix: 'MA-', wells: WELLS, perMessage: 10, window: 100 }, store);
      const rate = res.acked / (res.elapsedMs / 1000);
      rows.push({ store, scenario: `MQTT QoS 1, 10 readings/message (4 conns × 100 in flight, ${secs} s)`, readings: res.acked, seconds: res.elapsedMs / 1000, perSecond: rate, note: `p50 ${res.latencyMs.p50} ms, p99 ${res.latencyMs.p99} ms${res.cpuNote}`, lost: await lost(db, 'MA-', res) });
      log(`${store}: MQTT arrays ${fmt(rate)} readings/s`);
    }
    // The floor (bench/floor.ts): the same two HTTP loads against the least a durable HTTP ingest server does.
    // `floor-single` alone runs only the floor's single-reading load (to compare the single path quickly).
    if (want('floor') || want('floor-single')) {
      await settle();
      const floor = await startFloorServer(db, store === 'postgres' ? config.telemetry.writers : 1);
      try {
        let bRate = 0;
        if (want('floor')) {
          const b = await measuredLoad({ ...common, kind: 'http-batch', port: floor.port, concurrency: 8, total: batchTotal, wellPrefix: 'FB-', wells: WELLS }, store);
          bRate = b.acked / (b.elapsedMs / 1000);
          rows.push({ store, scenario: 'floor: HTTP batch (1000/request, 8 clients)', readings: b.acked, seconds: b.elapsedMs / 1000, perSecond: bRate, note: `node:http + JSON.parse + group-committed COPY, nothing else: ${((bRate / copyRate) * 100).toFixed(0)}% of raw COPY${b.cpuNote}`, lost: await lost(db, 'FB-', b) });
        }
        await settle();
        const s1 = await measuredLoad({ ...common, kind: 'http-single', port: floor.port, concurrency: 64, durationMs: HTTP_SECONDS * 1000, warmupMs: WARMUP_MS, wellPrefix: 'FS-', wells: WELLS }, store);
        const sRate = s1.acked / (s1.elapsedMs / 1000);
        rows.push({ store, scenario: 'floor: HTTP single reading (64 clients)', readings: s1.acked, seconds: s1.elapsedMs / 1000, perSecond: sRate, note: `p50 ${s1.latencyMs.p50} ms, p99 ${s1.latencyMs.p99} ms${s1.cpuNote}`, lost: await lost(db, 'FS-', s1) });
        log(`${store}: floor batch ${fmt(bRate)}, single ${fmt(sRate)} readings/s`);
      } finally {
        await floor.close();
      }
    }
  } finally {
    await app.stop();
    await repo.close();
    await cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(rows: Row[]): string {
  const head = '| store | scenario | readings | readings/s | lost | notes |\n|---|---|---:|---:|---:|---|';
  return [head, ...rows.map((r) => `| ${r.store} | ${r.scenario} | ${fmt(r.readings)} | **${fmt(r.perSecond)}** | ${r.lost ?? '–'} | ${r.note} |`)].join('\n');
}

/** An optional part of the run: its summary line, or '' when `envVar=0` or when it cannot run here. */
async function optionalPart(label: string, envVar: string, run: () => Promise<string>): Promise<string> {
  if (process.env[envVar] === '0') {
    log(`${label} not run: ${envVar}=0`);
    return '';
  }
  try {
    const line = await run();
    log(line.replace(/\*/g, ''));
    return line;
  } catch (err) {
    log(`${label} not run: ${(err as Error).message}`);
    return '';
  }
}

async function main(): Promise<void> {
  const info: Record<string, string> = {
    cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'}`,
    ram: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    pglite: (JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version,
  };
  // The engine first, on a quiet machine (after the store runs, PostgreSQL's autovacuum may still be busy).
  let engine = await optionalPart('engine bench', 'BENCH_ENGINE', async () => {
    const e = await (await import('./engine-bench.js')).benchEngine();
    return `Diagnostic engine (pure, one core): **${fmt(e.readingsPerSecond)} readings/s** over ${fmt(e.readings)} readings of ${fmt(e.wells)} wells.`;
  });
  const rows: Row[] = [];
  for (const store of STORES as ('postgres' | 'pglite')[]) {
    try {
      await benchStore(store, rows, info);
    } catch (err) {
      log(`${store}: skipped (${(err as Error).message})`);
    }
  }
  const fleet = await optionalPart('fleet render bench', 'BENCH_FLEET', async () => {
    const f = await (await import('./fleet-render.js')).benchFleetRender();
    return `Dashboard fleet page, ${fmt(f.wells)} wells, headless Chromium: first rows **${fmt(f.msToFirstRows)} ms**, all data applied **${fmt(f.msToAllData)} ms** after sign-in (median of 3; target < 1000 ms).`;
  });
  if (fleet) engine = engine ? `${engine}\n\n${fleet}` : fleet;
  const t = table(rows);
  process.stdout.write('\n' + t + '\n\n' + (engine ? engine + '\n' : ''));
  if (QUICK) return;
  const section = `## Machine

- CPU: ${info.cpus}
- RAM: ${info.ram}
- Node ${info.node}; PostgreSQL ${info.postgres ?? 'not run'} (local, default settings, fsync on); PGlite ${info.pglite} (embedded, data dir on local disk)
- Date: ${new Date().toISOString().slice(0, 10)}; load average at the end of the run ${loadavg().map((x) => x.toFixed(1)).join(' / ')}${loadavg()[2] > availableParallelism() ? ' (above the core count: other work shared the machine, figures are low)' : ''}

## Method

- The whole server runs in the benchmark process (Fastify, authentication, validation, the group-commit pipeline,
  the diagnosis service on every committed reading, the embedded MQTT broker). The load generators run in a
  worker thread (their own event loop; the machine's cores are shared by server, generator and PostgreSQL).
- **raw COPY**: one \`COPY telemetry FROM STDIN\` (PostgreSQL, pg-copy-streams) or \`COPY … FROM '/dev/blob'\`
  (PGlite) of pre-encoded rows, in the same run, into the same table, in text and in binary format, best of three
  each; the faster (binary) is the ceiling for any ingest path and the denominator of the percentages.
- **raw COPY, 1000 rows/transaction, 8 clients**: the same pre-encoded binary rows, in the HTTP batch
  scenario's shape (300 000 rows in 1000-row transactions, 8 at once): what the database itself takes at that
  request size, with no HTTP or JSON in front.
- **floor** (\`bench/floor.ts\`): the two HTTP loads against the least a durable HTTP ingest server does on the
  same machine: node:http, one JSON.parse, group commit through the same executor (binary COPY, or one unnest
  INSERT for small batches), 201 after the commit; no authentication, validation, rate limits, metrics, derived
  tables or diagnosis. What any server written for this machine could reach, as a yardstick for the platform.
- **CPU µs/reading** (notes): CPU time read from \`/proc\` over each scenario's timed window, per acknowledged
  reading: the server's event-loop thread, the load generator's thread, the rest of the process (V8's GC and
  compiler helpers, libuv pool), all PostgreSQL processes; and the share of the machine left idle or stolen by
  the hypervisor. The three consumers share the two cores.
- **HTTP batch**: \`POST /api/v1/telemetry/batch\` with 1000 readings per request, 8 keep-alive clients; the
  request bodies are built before the clock starts. After it, the hourly roll-up (merged off the write path)
  is checked against the raw rows: "roll-up exact" means every stored reading is counted once.
- **HTTP single**: \`POST /api/v1/telemetry/ingest\`, one reading per request, 64 keep-alive clients, each
  waiting for its 201 (sent after the commit) before the next request. Each single-reading load (the
  platform's and the floor's) runs ${WARMUP_MS / 1000} s before its timed window opens (JIT compilation and
  caches warm, as in a server that has been up a while); readings acknowledged then are checked for loss too.
- HTTP clients are plain keep-alive HTTP/1.1 connections on raw sockets (node:http's client spends more CPU per
  request than the server does, and here it shares the server's cores).
- **MQTT QoS 1**: mqtt.js clients (MQTT 3.1.1) on the embedded broker, a bounded window of publishes in flight
  per connection; a publish counts when its PUBACK arrives, which the server sends only after the commit.
- Every reading is unique (well, timestamp), all nine channels filled. **lost** = readings acknowledged but
  not found in the table afterwards (counted per well), must be 0.
- \`readings/s\` = acknowledged readings / wall time of the scenario.
- Between scenarios the server finishes the previous one's work (commits, diagnoses, detected events, roll-up
  merges) and the database is left alone for 2 s, so no scenario pays for the one before.

## Results

${t}

${engine}
`;
  // Only the generated section is replaced; the rest of bench/README.md (engine evaluation, dashboard) stays.
  const path = new URL('../../bench/README.md', import.meta.url);
  const BEGIN = '<!-- ingest:begin (written by npm run bench) -->';
  const END = '<!-- ingest:end -->';
  let doc = '';
  try {
    doc = readFileSync(path, 'utf8');
  } catch {
    doc = `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  }
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  doc = a >= 0 && b > a ? doc.slice(0, a + BEGIN.length) + '\n' + section + '\n' + doc.slice(b) : `${doc}\n${BEGIN}\n${section}\n${END}\n`;
  writeFileSync(path, doc);
  log('wrote bench/README.md');
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
