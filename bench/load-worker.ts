// Load generator for the benchmark, run in a worker thread so it does not share the server's event loop.
// HTTP clients are lean HTTP/1.1 keep-alive connections on raw sockets (one request at a time each, as a
// gateway would send): node:http's client costs more CPU per request than the server under test, and on a
// shared machine that CPU is taken from the server; MQTT clients keep a bounded window of QoS 1
// publishes in flight. Each reading is unique (well, timestamp); acknowledged readings are counted per well.
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';
import { cpuSnapshot, type CpuSnapshot } from './cpu.js';

export interface LoadJob {
  kind: 'http-single' | 'http-batch' | 'mqtt';
  host: string;
  port: number;
  key: string;
  /** Parallel HTTP clients or MQTT connections. */
  concurrency: number;
  durationMs?: number;
  /**
   * With durationMs: load sent before the timed window opens (JIT compilation, connection set-up, caches),
   * acknowledged and checked for loss like the rest but not counted in the rate, latency or CPU figures.
   */
  warmupMs?: number;
  /** Stop after this many readings (batch). */
  total?: number;
  batchSize: number;
  /** MQTT: readings per message (1 = single readings). */
  perMessage: number;
  /** MQTT: publishes in flight per connection. */
  window: number;
  wellPrefix: string;
  wells: number;
  base: number;
}

export interface LoadResult {
  /** Readings acknowledged in the timed window. */
  acked: number;
  /** Every reading acknowledged, warm-up included, by well (the loss check). */
  ackedByWell: Record<string, number>;
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  latencyMs: { p50: number; p99: number };
  /** CPU counters at the start and the end of the timed window. */
  cpu: { before: CpuSnapshot; after: CpuSnapshot };
}

const job = workerData as LoadJob;

/**
 * One keep-alive HTTP/1.1 connection, one request in flight. Responses are read just far enough to get the
 * status and skip the body (Content-Length; the server under test always sends it).
 */
class HttpConnection {
  private socket: Socket | null = null;
  private buf = '';
  private waiting: { resolve: (status: number) => void; reject: (err: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  open(): Promise<void> {
    this.socket?.destroy();
    this.buf = '';
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.host, port: this.port, noDelay: true }, () => resolve());
      s.setEncoding('latin1');
      s.on('data', (chunk: string) => this.onData(chunk));
      const fail = (err: Error) => {
        reject(err);
        const w = this.waiting;
        this.waiting = null;
        w?.reject(err);
      };
      s.on('error', fail);
      s.on('close', () => fail(new Error('connection closed')));
      this.socket = s;
    });
  }

  post(request: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket!.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /\r\ncontent-length: *(\d+)/i.exec(this.buf.slice(0, end));
      const total = end + 4 + (m ? Number(m[1]) : 0);
      if (this.buf.length < total) return;
      const status = Number(this.buf.slice(9, 12));
      this.buf = this.buf.slice(total);
      const w = this.waiting;
      this.waiting = null;
      w?.resolve(status);
    }
  }
}
const iso = (ms: number) => new Date(ms).toISOString();

function reading(well: string, ts: number, i: number): string {
  return `{"well_id":"${well}","timestamp":"${iso(ts)}","flow_rate":${1000 + (i % 500)},"pip":${900 + (i % 50)},"motor_current":42.5,"motor_temp":85.2,"vibration":0.8,"vsd_frequency":60,"flow_variance":3,"torque":300,"gor":500}`;
}

async function main(): Promise<LoadResult> {
  const ackedByWell: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let acked = 0;
  let errors = 0;
  const seqByWell = new Array<number>(job.wells).fill(0);
  let next = 0;
  /** Next unique (well, ts): wells round-robin, one second apart per well. */
  const take = () => {
    const w = next++ % job.wells;
    const seq = seqByWell[w]++;
    return { well: `${job.wellPrefix}${w}`, ts: job.base + seq * 1000, i: seq };
  };
  const path = job.kind === 'http-single' ? '/api/v1/telemetry/ingest' : '/api/v1/telemetry/batch';
  const head = `POST ${path} HTTP/1.1\r\nhost: ${job.host}:${job.port}\r\ncontent-type: application/json\r\nauthorization: Bearer ${job.key}\r\ncontent-length: `;
  const buildRequest = () => {
    const items = Array.from({ length: job.kind === 'http-single' ? 1 : job.batchSize }, take);
    const body = job.kind === 'http-single' ? reading(items[0].well, items[0].ts, items[0].i) : `{"readings":[${items.map((x) => reading(x.well, x.ts, x.i)).join(',')}]}`;
    return { items, request: head + Buffer.byteLength(body) + '\r\n\r\n' + body };
  };
  // A fixed number of batches is built before the clock starts, so the generator's own work does not take
  // CPU from the server under test (single readings are cheap enough to build on the fly).
  const prebuilt = job.kind === 'http-batch' && job.total !== undefined ? Array.from({ length: Math.ceil(job.total / job.batchSize) }, buildRequest).reverse() : null;
  let started = performance.now();
  let cpuBefore = cpuSnapshot();
  const warmupMs = job.durationMs ? (job.warmupMs ?? 0) : 0;
  const deadline = job.durationMs ? started + warmupMs + job.durationMs : Infinity;
  // The timed window opens when the warm-up ends: counters restart from there.
  const warmup = warmupMs
    ? setTimeout(() => {
        started = performance.now();
        cpuBefore = cpuSnapshot();
        acked = 0;
        latencies.length = 0;
      }, warmupMs)
    : null;
  let issued = 0;
  /** `n` consecutive readings of one well (an MQTT message carries one well). */
  const takeOfOneWell = (n: number) => {
    const w = next++ % job.wells;
    const seq0 = seqByWell[w];
    seqByWell[w] += n;
    return Array.from({ length: n }, (_, j) => ({ well: `${job.wellPrefix}${w}`, ts: job.base + (seq0 + j) * 1000, i: seq0 + j }));
  };
  const more = () => performance.now() < deadline && (job.total === undefined || issued < job.total);

  if (job.kind === 'http-single' || job.kind === 'http-batch') {
    const client = async () => {
      const conn = new HttpConnection(job.host, job.port);
      await conn.open();
      while (more()) {
        const { items, request } = prebuilt ? prebuilt.pop()! : buildRequest();
        issued += items.length;
        for (;;) {
          const t0 = performance.now();
          const status = await conn.post(request).catch(async () => {
            await conn.open().catch(() => undefined);
            return 0;
          });
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 201) {
            if (latencies.length < 200_000) latencies.push(performance.now() - t0);
            acked += items.length;
            for (const x of items) ackedByWell[x.well] = (ackedByWell[x.well] ?? 0) + 1;
            break;
          }
          errors++;
          if (status !== 503 && status !== 0) break; // a refusal other than "retry later" is final
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      conn.close();
    };
    await Promise.all(Array.from({ length: job.concurrency }, client));
  } else {
    const clients = await Promise.all(
      Array.from({ length: job.concurrency }, (_, k) =>
        mqtt.connectAsync(`mqtt://${job.host}:${job.port}`, {
          protocolVersion: 4,
          username: 'bench',
          password: job.key,
          clientId: `bench-${job.wellPrefix}-${k}`,
          reconnectPeriod: 1000,
          clean: false,
        }),
      ),
    );
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            let inFlight = 0;
            const pump = () => {
              while (inFlight < job.window && more()) {
                const items = takeOfOneWell(job.perMessage);
                issued += items.length;
                const well = items[0].well;
                const payload =
                  job.perMessage === 1
                    ? reading(well, items[0].ts, items[0].i)
                    : `[${items.map((x) => reading(x.well, x.ts, x.i)).join(',')}]`;
                const t0 = performance.now();
                inFlight++;
                c.publish(`esp/${well}/telemetry`, payload, { qos: 1 }, (err) => {
                  inFlight--;
                  if (err) errors++;
                  else {
                    if (latencies.length < 200_000) latencies.push(performance.now() - t0);
                    acked += items.length;
                    ackedByWell[well] = (ackedByWell[well] ?? 0) + items.length;
                  }
                  if (more()) setImmediate(pump);
                  else if (inFlight === 0) resolve();
                });
              }
              if (!more() && inFlight === 0) resolve();
            };
            pump();
          }),
      ),
    );
    await Promise.all(clients.map((c) => c.endAsync()));
  }
  if (warmup) clearTimeout(warmup);
  const cpuAfter = cpuSnapshot();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10 : 0);
  return { acked, ackedByWell, errors, statuses, elapsedMs: performance.now() - started, latencyMs: { p50: q(0.5), p99: q(0.99) }, cpu: { before: cpuBefore, after: cpuAfter } };
}

main().then(
  (r) => parentPort!.postMessage(r),
  (err: Error) => parentPort!.postMessage({ error: err.stack ?? err.message }),
);
