// Load generator for the benchmark, run in a worker thread so it does not share the server's event loop.
// HTTP clients use keep-alive sockets (node:http Agent); MQTT clients keep a bounded window of QoS 1
// publishes in flight. Each reading is unique (well, timestamp); acknowledged readings are counted per well.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

export interface LoadJob {
  kind: 'http-single' | 'http-batch' | 'mqtt';
  host: string;
  port: number;
  key: string;
  /** Parallel HTTP clients or MQTT connections. */
  concurrency: number;
  durationMs?: number;
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
  acked: number;
  ackedByWell: Record<string, number>;
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  latencyMs: { p50: number; p99: number };
}

const job = workerData as LoadJob;
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
  const started = performance.now();
  const deadline = job.durationMs ? started + job.durationMs : Infinity;
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
    const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
    const path = job.kind === 'http-single' ? '/api/v1/telemetry/ingest' : '/api/v1/telemetry/batch';
    const post = (body: string) =>
      new Promise<number>((resolve) => {
        const req = request(
          { host: job.host, port: job.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${job.key}`, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
    const client = async () => {
      while (more()) {
        const items = Array.from({ length: job.kind === 'http-single' ? 1 : job.batchSize }, take);
        issued += items.length;
        const body = job.kind === 'http-single' ? reading(items[0].well, items[0].ts, items[0].i) : `{"readings":[${items.map((x) => reading(x.well, x.ts, x.i)).join(',')}]}`;
        for (;;) {
          const t0 = performance.now();
          const status = await post(body);
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
    };
    await Promise.all(Array.from({ length: job.concurrency }, client));
    agent.destroy();
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
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10 : 0);
  return { acked, ackedByWell, errors, statuses, elapsedMs: performance.now() - started, latencyMs: { p50: q(0.5), p99: q(0.99) } };
}

main().then(
  (r) => parentPort!.postMessage(r),
  (err: Error) => parentPort!.postMessage({ error: err.stack ?? err.message }),
);
