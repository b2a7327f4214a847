// `esp simulate`: a live (or backfilled) simulated fleet, sent over HTTP, MQTT or to a file.
import { createWriteStream, type WriteStream } from 'node:fs';
import { DIAGNOSIS_CODES, type DiagnosisCode } from '../domain/diagnosis.js';
import { CHANNELS, type Reading } from '../domain/reading.js';
import { NUMERIC_NAMEPLATE_FIELDS } from '../domain/well.js';
import { DRIFT_KINDS, FleetSimulator, type DriftKind, type SimWell } from '../simulator/index.js';
import { API_KEY_HELP, resolveApiKey } from './api-key.js';

const USAGE = `usage: esp simulate --wells N [--rate R | --interval 10s] [--faults GAS_LOCK,BROKEN_SHAFT,TEMP_CREEP] [--fault-fraction 0.2]
                    [--duration 60s] [--backfill 7d] [--seed 1]
                    [--url http://host:8000] [--mqtt mqtt://host:1883] [--out file.csv|file.ndjson] [--api-key-file FILE]

Sends over HTTP (--url) and/or MQTT (--mqtt), or writes a file (--out: the whole span at once, ending now).
${API_KEY_HELP}`;

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new Error(`bad duration "${s}" (e.g. 500ms, 10s, 5m, 2h, 7d)`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
  return Number(m[1]) * mult;
}

interface Sink {
  /** What was done with the readings, for the final message: "sent to http://…", "wrote to FILE". */
  done: string;
  wells?(wells: SimWell[]): Promise<void>;
  send(readings: Reading[]): Promise<void>;
  close(): Promise<void>;
}

function toWire(r: Reading): Record<string, unknown> {
  const o: Record<string, unknown> = { well_id: r.well_id, timestamp: new Date(r.ts).toISOString() };
  for (const c of CHANNELS) if (r[c] !== null) o[c] = r[c];
  return o;
}

function httpSink(url: string, apiKey: string | undefined): Sink {
  const base = url.replace(/\/$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers['X-API-Key'] = apiKey;
  const post = async (path: string, body: unknown, method = 'POST'): Promise<Response> => fetch(`${base}${path}`, { method, headers, body: JSON.stringify(body) });
  return {
    done: `posted to ${base}`,
    async wells(wells) {
      for (const w of wells) {
        const body: Record<string, unknown> = { well_id: w.well_id };
        for (const f of NUMERIC_NAMEPLATE_FIELDS) if (w[f] !== null) body[f] = w[f];
        let res = await post('/api/v1/wells', body);
        if (res.status === 409) {
          const { well_id: _id, ...rest } = body;
          res = await post(`/api/v1/wells/${encodeURIComponent(w.well_id)}`, rest, 'PUT');
        }
        if (!res.ok) throw new Error(`registering ${w.well_id}: HTTP ${res.status} ${await res.text()}`);
      }
    },
    async send(readings) {
      for (let i = 0; i < readings.length; i += 1000) {
        const res = await post('/api/v1/telemetry/batch', { readings: readings.slice(i, i + 1000).map(toWire) });
        if (!res.ok) throw new Error(`telemetry batch: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
      }
    },
    async close() {},
  };
}

async function mqttSink(url: string, apiKey: string | undefined): Promise<Sink> {
  const mqtt = await import('mqtt');
  const client = await mqtt.connectAsync(url, { username: 'esp-simulator', password: apiKey ?? '', protocolVersion: 4, clean: true });
  const MAX_IN_FLIGHT = 256; // bounded window: an unbounded QoS 1 burst stalls the client
  const inFlight = new Set<Promise<unknown>>();
  return {
    done: `published to ${url}`,
    async send(readings) {
      const byWell = new Map<string, Reading[]>();
      for (const r of readings) {
        let a = byWell.get(r.well_id);
        if (!a) byWell.set(r.well_id, (a = []));
        a.push(r);
      }
      for (const [id, rs] of byWell) {
        while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
        const p = client.publishAsync(`esp/${id}/telemetry`, JSON.stringify(rs.map(toWire)), { qos: 1 });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p)).catch(() => undefined);
      }
    },
    async close() {
      await Promise.all(inFlight);
      await client.endAsync();
    },
  };
}

function fileSink(path: string): Sink {
  const ndjson = /\.(nd)?jsonl?$/.test(path) || path.endsWith('.ndjson');
  const out: WriteStream = createWriteStream(path);
  if (!ndjson) out.write(`well_id,timestamp,${CHANNELS.join(',')}\n`);
  return {
    done: `wrote to ${path}`,
    async send(readings) {
      const text = readings
        .map((r) => (ndjson ? JSON.stringify(toWire(r)) : [r.well_id, new Date(r.ts).toISOString(), ...CHANNELS.map((c) => r[c] ?? '')].join(',')))
        .join('\n');
      if (!out.write(`${text}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
    },
    async close() {
      await new Promise<void>((res) => out.end(res));
    },
  };
}

export async function runSimulate(argv: string[]): Promise<number> {
  const opt = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    }
    if (!a.startsWith('--')) {
      console.error(`unexpected argument ${a}\n${USAGE}`);
      return 2;
    }
    opt.set(a.slice(2), argv[i + 1] ?? '');
    i++;
  }
  try {
    const wells = Number(opt.get('wells') ?? 10);
    if (!Number.isInteger(wells) || wells < 1) throw new Error('--wells must be a positive integer');
    const interval = opt.has('interval') ? parseDuration(opt.get('interval')!) : 1000 / Number(opt.get('rate') ?? 0.1);
    if (!(interval > 0) || !Number.isFinite(interval)) throw new Error('--rate must be > 0');
    const faults = (opt.get('faults') ?? '').split(',').filter(Boolean) as (DiagnosisCode | DriftKind)[];
    for (const f of faults) if (!DIAGNOSIS_CODES.includes(f as DiagnosisCode) && !(DRIFT_KINDS as readonly string[]).includes(f)) throw new Error(`unknown fault code ${f} (a diagnosis code, or a drift: ${DRIFT_KINDS.join(', ')})`);
    const duration = parseDuration(opt.get('duration') ?? '60s');
    const backfill = opt.has('backfill') ? parseDuration(opt.get('backfill')!) : 0;
    const needsKey = opt.has('url') || opt.has('mqtt');
    const apiKey = needsKey ? resolveApiKey({ flag: opt.get('api-key'), file: opt.get('api-key-file') }).key : undefined;
    const sinks: Sink[] = [];
    if (opt.has('url')) sinks.push(httpSink(opt.get('url')!, apiKey));
    if (opt.has('mqtt')) sinks.push(await mqttSink(opt.get('mqtt')!, apiKey));
    if (opt.has('out')) sinks.push(fileSink(opt.get('out')!));
    if (sinks.length === 0) throw new Error('give at least one of --url, --mqtt, --out');

    // Only files to write: no reason to wait for the clock; the whole span (backfill + duration) is generated at
    // once, ending now, so the file can be imported straight away.
    const realTime = opt.has('url') || opt.has('mqtt');
    const now = Date.now();
    const startTs = now - backfill - (realTime ? 0 : duration);
    const sim = new FleetSimulator({ wells, seed: Number(opt.get('seed') ?? 1), startTs, faults: faults.length ? faults : undefined, faultFraction: faults.length ? Number(opt.get('fault-fraction') ?? Math.min(1, faults.length / wells)) : 0, slowRampMs: 6 * 3_600_000, driftToLimitMs: 2 * 86_400_000 });
    for (const s of sinks) if (s.wells) await s.wells(sim.wells());
    let sent = 0;
    // Backfill: as fast as the sink takes it, in chunks of simulated time.
    let ts = startTs;
    const chunk: Reading[] = [];
    const flush = async (): Promise<void> => {
      if (!chunk.length) return;
      for (const s of sinks) await s.send(chunk);
      sent += chunk.length;
      chunk.length = 0;
    };
    for (; ts < now; ts += interval) {
      chunk.push(...sim.next(ts));
      if (chunk.length >= 5000) await flush();
    }
    await flush();
    if (backfill && realTime) console.log(`backfilled ${sent} readings (${wells} wells, ${(backfill / 86_400_000).toFixed(2)} days)`);
    // Live: one reading per well every interval, in real time, for the duration.
    const end = realTime ? Date.now() + duration : 0;
    let stop = false;
    const onSig = (): void => {
      stop = true;
    };
    process.once('SIGINT', onSig);
    while (!stop && Date.now() < end) {
      const t = Date.now();
      chunk.push(...sim.next(Math.max(ts, t)));
      ts = Math.max(ts, t) + 1;
      await flush();
      const wait = interval - (Date.now() - t);
      if (wait > 0) await new Promise((res) => setTimeout(res, Math.min(wait, Math.max(0, end - Date.now()))));
    }
    process.off('SIGINT', onSig);
    for (const s of sinks) await s.close();
    const count = sent.toLocaleString('en-US').replace(/,/g, ' ');
    const verbs = sinks.map((s) => s.done);
    // "wrote 1 200 readings (20 wells) to out.csv"; "posted … to http://…" — what happened, where.
    console.log(`${verbs.map((v, i) => (i === 0 ? v.replace(/ to /, ` ${count} readings (${wells} wells) to `) : v)).join(', and ')}`);
    return 0;
  } catch (e) {
    console.error(`esp simulate: ${(e as Error).message}`);
    return 1;
  }
}
