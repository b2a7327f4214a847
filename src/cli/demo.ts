// `esp demo` (`npm run demo`): the platform with a simulated fleet, for a first look. Starts the server on the
// embedded store (DATA_DIR, default ./data/demo, reset on every run), registers ~50 wells with their nameplates,
// backfills the last 24 h through the ingest pipeline so the charts have history (a few wells already sick),
// then sends live readings every few seconds while more wells develop faults over the first minutes.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { App, packageVersion } from '../app.js';
import { loadConfig } from '../config.js';
import type { DiagnosisCode } from '../domain/diagnosis.js';
import type { Reading } from '../domain/reading.js';
import { FleetSimulator, type SimWell } from '../simulator/index.js';
import { acquireStoreLock } from '../storage/store-lock.js';
import { describeMqtt } from './banner.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const MARKER = '.esp-demo';
const FIELDS = ['North Dome', 'South Flank', 'East Ridge'];
export const DEMO_USER = { username: 'demo', password: 'demo-password', role: 'engineer' } as const;

export interface DemoOptions {
  wells: number;
  hours: number;
  /** Backfill sampling, seconds. */
  stepS: number;
  /** Live sampling, seconds. */
  intervalS: number;
  seed: number;
}

const USAGE = `Usage: esp demo [--wells N] [--hours H] [--step SECONDS] [--interval SECONDS] [--seed N]

  --wells      simulated wells (default 50)
  --hours      history to backfill (default 24)
  --step       backfill sampling in seconds (default 60)
  --interval   live sampling in seconds (default 5)

Environment: PORT (default 8000, or a free port if taken), HOST (default 127.0.0.1), DATA_DIR (default ./data/demo;
reset on each run), ESP_ADMIN_KEY, MQTT_PORT (default 1883, or a free port if taken; 0 disables), LOG_LEVEL (default warn).`;

export function parseDemoArgs(argv: string[]): DemoOptions | string {
  const o: DemoOptions = { wells: 50, hours: 24, stepS: 60, intervalS: 5, seed: 2024 };
  const limits: Record<string, [keyof DemoOptions, number, number]> = {
    '--wells': ['wells', 1, 20_000],
    '--hours': ['hours', 0, 24 * 30],
    '--step': ['stepS', 1, 3600],
    '--interval': ['intervalS', 1, 3600],
    '--seed': ['seed', 0, 2 ** 31],
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag === '--help' || flag === '-h') return USAGE;
    const spec = limits[flag];
    if (!spec) return `unknown option ${argv[i]}\n\n${USAGE}`;
    const raw = inline ?? argv[++i];
    const n = Number(raw);
    if (raw === undefined || !Number.isFinite(n) || n < spec[1] || n > spec[2]) return `${flag}: a number from ${spec[1]} to ${spec[2]}`;
    o[spec[0]] = n;
  }
  return o;
}

/** `preferred` when it can be bound on host, else a free port the OS picks. */
async function portOr(preferred: number, host: string): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((done) => {
      const s = createServer();
      s.once('error', () => done(null));
      s.listen({ port, host, exclusive: true }, () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : null;
        s.close(() => done(p));
      });
    });
  return (await tryListen(preferred)) ?? (await tryListen(0)) ?? preferred;
}

/** Empties the demo directory (only when it is one: new, empty, or marked by an earlier demo). */
function resetDemoDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, MARKER))) {
      throw new Error(`DATA_DIR ${dir} holds data that is not from a demo; the demo resets its directory, so choose a new or empty one`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'Created by `esp demo`: emptied on each demo run.\n');
}

export interface DemoFault {
  wellId: string;
  code: DiagnosisCode;
  /** When the fault begins (epoch ms; before "now": inside the backfilled history). */
  onset: number;
  note: string;
  /** Begun recently enough that the engine confirms it while the demo runs (not yet during the backfill). */
  developing: boolean;
}

/**
 * The demo fleet: wells with names and fields; some sick for hours, some with faults that began minutes ago,
 * which the engine confirms while the demo runs (acute faults ~20 min after onset, others ~40 min); and
 * one fault injected live a minute in, to watch on the charts.
 */
export function demoFleet(
  o: DemoOptions,
  now: number,
): { sim: FleetSimulator; wells: SimWell[]; faults: DemoFault[]; live: { wellId: string; code: DiagnosisCode; afterMs: number; note: string } | null } {
  const start = now - o.hours * HOUR;
  const sim = new FleetSimulator({ wells: o.wells, seed: o.seed, faultFraction: 0, startTs: start, slowRampMs: 20 * MIN });
  const width = Math.max(2, String(o.wells).length);
  const wells = sim.wells().map((w, i) => {
    const field = FIELDS[i % FIELDS.length]!;
    return { ...w, field, name: `${field.split(' ')[0]} ${String(i + 1).padStart(width, '0')}` };
  });
  const pick = (k: number) => wells[Math.floor((k * wells.length) / 11)]!.well_id;
  const plan: [number, DiagnosisCode, number, string][] = [
    [1, 'GAS_INTERFERENCE', 9 * HOUR, 'gas interference'],
    [3, 'MOTOR_OVERHEAT', 5 * HOUR, 'motor overheating'],
    [5, 'SAND_PRODUCTION', 3 * HOUR, 'sand production'],
    [8, 'SENSOR_FAULT', 2 * HOUR, 'a failed sensor'],
    // Timed so that the engine confirms them in the first minutes of the live phase: with 5 s data, critical
    // acute faults are reported ~20 min after onset (15-min window, 5-min hold, evaluations every ~9 min of
    // data), the others ~40 min (30-min hold). src/cli/demo.test.ts replays this.
    [6, 'VSD_ISSUE', 38 * MIN, 'drive (VSD) problem'],
    [2, 'BROKEN_SHAFT', 12 * MIN, 'broken shaft'],
    [4, 'CLOSED_VALVE', 9 * MIN, 'closed valve'],
    [7, 'TUBING_LEAK', 36 * MIN, 'tubing leak'],
    [9, 'HIGH_VIBRATION', 34 * MIN, 'rising vibration'],
  ];
  const faults: DemoFault[] = [];
  const live = o.wells >= 11 ? { wellId: pick(10), code: 'CLOSED_VALVE' as DiagnosisCode, afterMs: 60_000, note: 'has its valve closed' } : null;
  if (o.wells >= 11) {
    for (const [k, code, ago, note] of plan) {
      if (ago > o.hours * HOUR) continue;
      const f = { wellId: pick(k), code, onset: now - ago, note, developing: ago < HOUR };
      sim.injectFault(f.wellId, f.code, f.onset);
      faults.push(f);
    }
  }
  return { sim, wells, faults, live };
}

/**
 * What the demo tells about its fleet once the history is loaded. A well whose fault the engine already
 * confirmed (an alarm is open: the last minutes of the backfill count as live) is listed with the active
 * alarms, not as still developing.
 */
export function storyLines(
  faults: DemoFault[],
  live: { wellId: string; afterMs: number; note: string } | null,
  open: { well_id: string; code: string; severity: string }[],
): string[] {
  const lines: string[] = [];
  const alarmed = new Set(open.map((a) => a.well_id));
  const sick = faults.filter((f) => !f.developing);
  if (sick.length) lines.push(`Sick for hours: ${sick.map((f) => `${f.wellId} (${f.note})`).join(', ')}.`);
  const developing = faults.filter((f) => f.developing && !alarmed.has(f.wellId));
  if (developing.length) {
    const minutes = developing.map((f) => Math.round((Date.now() - f.onset) / MIN));
    const span = Math.min(...minutes) === Math.max(...minutes) ? `${minutes[0]}` : `${Math.min(...minutes)}–${Math.max(...minutes)}`;
    lines.push(`Developing, no alarm yet: ${developing.map((f) => `${f.wellId} (${f.note})`).join(', ')}.`);
    lines.push(`  These began ${span} min ago; the engine confirms a fault once it has persisted (a broken shaft or a closed`);
    lines.push('  valve ~20 min after onset, the others ~40 min), so their alarms arrive over the next minutes.');
  }
  if (live) lines.push(`In ${Math.round(live.afterMs / 1000)} s ${live.wellId} ${live.note} (its alarm follows ~20 min later).`);
  if (open.length) lines.push(`Alarms already active: ${open.map((a) => `${a.well_id} ${a.code} (${a.severity})`).join(', ')}.`);
  return lines;
}

/** Backfill sampling: `stepS` apart, then the last hour at the live rate (so the 1 h chart view is dense). */
export function nextBackfillTs(ts: number, now: number, o: DemoOptions): number {
  return ts + (ts < now - HOUR ? o.stepS : Math.min(o.stepS, o.intervalS)) * 1000;
}

export async function runDemo(argv: string[]): Promise<number> {
  const parsed = parseDemoArgs(argv);
  if (typeof parsed === 'string') {
    const help = parsed.startsWith('Usage');
    (help ? process.stdout : process.stderr).write(parsed + '\n');
    return help ? 0 : 2;
  }
  const o = parsed;
  const env = { ...process.env };
  delete env.DATABASE_URL; // the demo always runs on the embedded store
  delete env.MQTT_URL;
  env.HOST ??= '127.0.0.1';
  env.DATA_DIR = resolve(env.DATA_DIR ?? './data/demo');
  env.LOG_LEVEL ??= 'warn';
  env.PORT ??= String(await portOr(8000, env.HOST));
  env.MQTT_PORT ??= String(await portOr(1883, env.HOST));
  // A demo already running on this directory must not have its store emptied under it.
  if (existsSync(join(env.DATA_DIR, 'pglite'))) (await acquireStoreLock(join(env.DATA_DIR, 'pglite'))).release();
  resetDemoDir(env.DATA_DIR);

  const config = loadConfig(env, packageVersion());
  const t0 = Date.now();
  const app = await App.create(config);
  await app.start();
  const { repo, pipeline } = app.ctx;
  const say = (s: string) => process.stdout.write(s + '\n');
  const host = config.app.host === '0.0.0.0' || config.app.host === '::' ? 'localhost' : config.app.host;
  const url = `http://${host}:${app.port}/`;
  say(`ESP IoT Platform demo: starting ${o.wells} simulated wells on ${url} …`);

  // The fleet, with its nameplates, and a demo user to sign in with.
  const now = Date.now();
  const start = now - o.hours * HOUR;
  const { sim, wells, faults, live } = demoFleet(o, now);
  for (const w of wells) {
    const { well_id, ...nameplate } = w;
    await repo.putWell(well_id, nameplate);
  }
  await app.refreshFields();
  const userRes = await app.server.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: { authorization: `Bearer ${app.adminKey.key}` },
    payload: DEMO_USER,
  });
  const haveUser = userRes.statusCode === 201 || userRes.statusCode === 409;

  // Backfill through the ingest pipeline (stored, diagnosed, streamed), a few thousand readings per commit.
  const liveStep = o.intervalS * 1000;
  let batch: Reading[] = [];
  let backfilled = 0;
  const inflight: Promise<number>[] = [];
  const flush = async () => {
    if (!batch.length) return;
    inflight.push(pipeline.submit(batch));
    backfilled += batch.length;
    batch = [];
    if (inflight.length >= 4) await inflight.shift();
  };
  const backfillEnd = Date.now() - liveStep;
  for (let ts = start; ts <= backfillEnd; ts = nextBackfillTs(ts, now, o)) {
    batch.push(...sim.next(ts));
    if (batch.length >= 5000) await flush();
  }
  await flush();
  await Promise.all(inflight);
  await app.ctx.diagnosis.flush();
  const backfillSec = ((Date.now() - t0) / 1000).toFixed(1);

  // Live: every interval, one reading per well; the live fault when it is due.
  let liveStart = Date.now();
  let sent = 0;
  let failed = 0;
  // What the engine concluded on the history, then what it concludes as it happens.
  const open = await app.ctx.repo.listAlarms({ status: 'active', limit: 100 });
  app.ctx.events.subscribe((e) => {
    if (e.type !== 'alarm') return;
    const a = e.data;
    const since = Math.round((Date.now() - liveStart) / 1000);
    if (a.status === 'active') say(`  +${since} s  alarm raised on ${a.well_id}: ${a.code} (${a.severity})`);
    else say(`  +${since} s  alarm on ${a.well_id} ${a.status}: ${a.code}`);
  });
  let liveFault = live;
  const tick = () => {
    const ts = Date.now();
    if (liveFault && ts - liveStart >= liveFault.afterMs) {
      sim.injectFault(liveFault.wellId, liveFault.code, ts);
      say(`  +${Math.round((ts - liveStart) / 1000)} s  ${liveFault.wellId} ${liveFault.note}: watch its flow and intake pressure`);
      liveFault = null;
    }
    pipeline.submit(sim.next(ts)).then(
      (n) => {
        sent += n;
      },
      (err: Error) => {
        if (failed++ % 20 === 0) app.log.warn({ err: err.message }, 'demo: live readings not stored');
      },
    );
  };
  const timer = setInterval(tick, liveStep);
  tick();

  say('');
  say(`Ready in ${backfillSec} s: ${o.wells} wells, ${backfilled.toLocaleString('en-US')} readings of history (${o.hours} h at ${o.stepS} s, the last hour at ${Math.min(o.stepS, o.intervalS)} s), live every ${o.intervalS} s.`);
  say('');
  say(`  Dashboard   ${url}`);
  if (haveUser) say(`  Sign in     user "${DEMO_USER.username}", password "${DEMO_USER.password}" (engineer)`);
  if (haveUser && !['127.0.0.1', 'localhost', '::1'].includes(config.app.host)) {
    say(`              WARNING: HOST=${config.app.host} exposes this well-known password beyond this machine`);
  }
  say(`  Admin key   ${app.adminKey.key}`);
  say(`              (or sign in with "API key" and this key; use it for the API: curl -H "Authorization: Bearer <key>" ${url}api/v1/wells)`);
  say(`  API docs    ${url}api/v1/docs`);
  say(`  ${(await describeMqtt(app.ctx, config)).line.replace(/^MQTT: /, 'MQTT        ')}`);
  say(`  Data        ${config.app.dataDir} (reset on every demo run)`);
  say('');
  for (const line of storyLines(faults, live, open)) say(line);
  say('Ctrl+C to stop. Alarms as they are raised:');
  liveStart = Date.now();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    say(`\n${signal}: stopping (${sent.toLocaleString('en-US')} live readings stored)…`);
    const force = setTimeout(() => process.exit(1), config.app.shutdownTimeoutMs);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return new Promise<number>(() => undefined);
}
