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
import { defaultModules } from '../modules.js';
import { FleetSimulator } from '../simulator/index.js';

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

interface Scheduled {
  at: number;
  wellId: string;
  code: DiagnosisCode | null;
  note: string;
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
  resetDemoDir(env.DATA_DIR);

  const config = loadConfig(env, packageVersion());
  const t0 = Date.now();
  const app = await App.create(config, { modules: defaultModules(config) });
  await app.start();
  const { repo, pipeline } = app.ctx;
  const say = (s: string) => process.stdout.write(s + '\n');
  const host = config.app.host === '0.0.0.0' || config.app.host === '::' ? 'localhost' : config.app.host;
  const url = `http://${host}:${app.port}/`;
  say(`ESP IoT Platform demo: starting ${o.wells} simulated wells on ${url} …`);

  // The fleet, with its nameplates, and a demo user to sign in with.
  const now = Date.now();
  const start = now - o.hours * HOUR;
  const sim = new FleetSimulator({ wells: o.wells, seed: o.seed, faultFraction: 0, startTs: start, slowRampMs: 20 * MIN });
  const wells = sim.wells();
  const width = String(wells.length).length;
  for (const [i, w] of wells.entries()) {
    const { well_id, ...nameplate } = w;
    const field = FIELDS[i % FIELDS.length];
    await repo.putWell(well_id, { ...nameplate, field, name: `${field.split(' ')[0]} ${String(i + 1).padStart(width, '0')}` });
  }
  await app.refreshFields();
  const userRes = await app.server.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: { authorization: `Bearer ${app.adminKey.key}` },
    payload: DEMO_USER,
  });
  const haveUser = userRes.statusCode === 201 || userRes.statusCode === 409;

  // Some wells are already sick when the demo starts: their faults began hours ago, inside the backfill.
  const pick = (k: number) => wells[Math.min(wells.length - 1, Math.floor((k * wells.length) / 11))]!.well_id;
  const past = ([
    { at: now - 9 * HOUR, wellId: pick(1), code: 'GAS_INTERFERENCE', note: 'gas interference' },
    { at: now - 5 * HOUR, wellId: pick(3), code: 'MOTOR_OVERHEAT', note: 'motor overheating' },
    { at: now - 3 * HOUR, wellId: pick(5), code: 'SAND_PRODUCTION', note: 'sand production' },
    { at: now - 2 * HOUR, wellId: pick(8), code: 'SENSOR_FAULT', note: 'a failed sensor' },
  ] satisfies Scheduled[] as Scheduled[]).filter((s) => s.at >= start && o.wells >= 8);
  // …and more go wrong in the first minutes, live.
  const live = ([
    { at: 30_000, wellId: pick(2), code: 'BROKEN_SHAFT', note: 'breaks its shaft' },
    { at: 75_000, wellId: pick(4), code: 'CLOSED_VALVE', note: 'runs against a closed valve' },
    { at: 120_000, wellId: pick(6), code: 'GAS_LOCK', note: 'gas-locks (over ~10–60 min)' },
    { at: 180_000, wellId: pick(7), code: 'TUBING_LEAK', note: 'develops a tubing leak' },
    { at: 240_000, wellId: pick(9), code: 'PUMP_WEAR', note: 'starts wearing (over ~20 min)' },
    { at: 300_000, wellId: pick(5), code: null, note: 'recovers (its sand alarm clears)' },
  ] satisfies Scheduled[] as Scheduled[]).filter(() => o.wells >= 10);
  for (const p of past) if (p.code) sim.injectFault(p.wellId, p.code, p.at);

  // Backfill through the ingest pipeline (stored, diagnosed, streamed), a few thousand readings per commit.
  const step = o.stepS * 1000;
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
  for (let ts = start; ts <= backfillEnd; ts += step) {
    batch.push(...sim.next(ts));
    if (batch.length >= 5000) await flush();
  }
  await flush();
  await Promise.all(inflight);
  await app.ctx.diagnosis.flush();
  const backfillSec = ((Date.now() - t0) / 1000).toFixed(1);

  // Live: every interval, one reading per well; the scheduled faults as they come due.
  const liveStart = Date.now();
  let sent = 0;
  let failed = 0;
  const tick = () => {
    const ts = Date.now();
    for (const s of live) {
      if (s.at >= 0 && ts - liveStart >= s.at) {
        if (s.code) sim.injectFault(s.wellId, s.code, ts);
        else sim.clearFault(s.wellId, ts);
        say(`  ${new Date(ts).toLocaleTimeString()}  ${s.wellId} ${s.note}`);
        s.at = -1;
      }
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

  const mqttPort = Number(env.MQTT_PORT);
  say('');
  say(`Ready in ${backfillSec} s: ${o.wells} wells, ${backfilled.toLocaleString('en-US')} readings of history (${o.hours} h at ${o.stepS} s), live every ${o.intervalS} s.`);
  say('');
  say(`  Dashboard   ${url}`);
  if (haveUser) say(`  Sign in     user "${DEMO_USER.username}", password "${DEMO_USER.password}" (engineer)`);
  say(`  Admin key   ${app.adminKey.key}`);
  say(`              (or sign in with "API key" and this key; use it for the API: curl -H "Authorization: Bearer <key>" ${url}api/v1/wells)`);
  say(`  API docs    ${url}api/v1/docs`);
  if (mqttPort) say(`  MQTT        mqtt://${host}:${mqttPort}  topic ${config.mqtt.topicPrefix}/<well_id>/telemetry (device key needed)`);
  say(`  Data        ${config.app.dataDir} (reset on every demo run)`);
  say('');
  if (past.length) say(`Already sick: ${past.map((p) => `${p.wellId} (${p.note})`).join(', ')}.`);
  if (live.length) {
    say('Coming up:');
    for (const s of live) say(`  +${Math.round(s.at / 1000)} s  ${s.wellId} ${s.note}`);
  }
  say('Ctrl+C to stop.');
  say('');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    say(`\n${signal}: stopping (${sent.toLocaleString('en-US')} live readings sent)…`);
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
