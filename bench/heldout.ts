// Held-out evaluation of the diagnostic engine on cases built INDEPENDENTLY of src/simulator, straight from the
// signature table of ESP-DIAGNOSTICS.md §4 (directions and magnitude ranges), with a different well model and
// different sensor models: gaussian noise and heavy-tailed spikes, quantisation, gauge drift, drop-outs,
// 200 bbl/d / 15 A up to 20 000 bbl/d / 200 A wells, 50/60 Hz, nameplate full / partial / absent, sampling
// 10 s – 1 h, missing channels, operator speed steps and planned stops in the healthy history, healthy history
// of a few hours to weeks. Evaluates diagnose() with a baseline learned by learnBaseline() from the pre-fault
// history (as the platform does) and DiagnosisStream (all readings pushed, then current()).
//
// Run: npx tsx bench/heldout.ts [--per-code 30] [--healthy 300] [--seed 77] [--verbose]
// Does NOT import src/simulator on purpose.
import { DIAGNOSIS_CODES, type DiagnosisCode } from '../src/domain/diagnosis.js';
import type { Channel, Reading } from '../src/domain/reading.js';
import type { WellNameplate } from '../src/domain/well.js';
import { diagnose, diagnoseHistory, DiagnosisStream, explain, forecastWell, learnBaseline } from '../src/diagnostics/index.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const PER_CODE = arg('per-code', 30);
const EXTRA_HEALTHY = arg('healthy', 300);
const SEED = arg('seed', 77_001);
const VERBOSE = process.argv.includes('--verbose');
/** Slow degradation over weeks (issue 13): wells per slow class / drift kind / healthy; 0 skips the section. */
const LONG_PER_CLASS = arg('long-per-class', 30);
const LONG_ONLY = process.argv.includes('--long-only');
const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  return i > 0 ? (process.argv[i + 1] as DiagnosisCode) : null;
})();

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MAX_READINGS = 24_000;

// ---------------------------------------------------------------- rng (own: sfc32 + Box–Muller + Student-t)
class R {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.u();
  }
  u(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.u();
  }
  logRange(lo: number, hi: number): number {
    return Math.exp(this.range(Math.log(lo), Math.log(hi)));
  }
  p(prob: number): boolean {
    return this.u() < prob;
  }
  of<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.u() * xs.length)];
  }
  n(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.u() - 1;
      v = 2 * this.u() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }
  /** Student-t with nu degrees of freedom, scaled to unit-ish spread (heavy tails). */
  t(nu: number): number {
    let chi = 0;
    for (let i = 0; i < nu; i++) {
      const z = this.n();
      chi += z * z;
    }
    return this.n() / Math.sqrt(chi / nu);
  }
}

// ---------------------------------------------------------------- well and sensor model
interface Well {
  fb: number;
  rated: number; // rated flow at fb
  ampsNp: number; // nameplate amps
  q0: number; // healthy flow at fb
  i0: number; // no-load amps
  iLoad: number; // load amps at fb
  ps: number; // static intake pressure
  pipOp: number; // healthy PIP at the initial speed
  f0: number;
  tRes: number;
  tRise: number;
  tauT: number;
  tauP: number;
  vib0: number;
  gor0: number;
  fv0: number;
  tq0: number;
  tLimit: number;
  vLimit: number;
  bubble: number;
}

type NoiseKind = 'gauss' | 'heavy' | 'quantised' | 'drift';
interface Sensor {
  kinds: NoiseKind[];
  sig: Record<Channel, number>; // relative (temp: absolute °C)
  spikeP: number;
  quant: Partial<Record<Channel, number>>;
  pipDriftPerDay: number;
  tempDriftPerDay: number;
  dropP: number;
}

interface Fault {
  code: DiagnosisCode;
  onset: number;
  ramp: number;
  mode: number;
  k: number[];
  channel?: Channel;
  stuck?: number | null;
}

interface Case {
  label: DiagnosisCode;
  well: Well;
  given: Partial<WellNameplate>;
  npMode: 'full' | 'partial' | 'absent';
  dt: number;
  start: number;
  onset: number; // end of the healthy history
  end: number;
  missing: Channel[];
  readings: Reading[];
  desc: string;
}

const DROPPABLE: Channel[] = ['torque', 'gor', 'flow_variance', 'vibration', 'pip', 'motor_temp'];
/**
 * Channels a signature cannot be told without (never dropped for that label). Each inner list is a group of
 * which at least one must stay. Flow, current and frequency are never dropped (a VSD always reports them).
 */
const ESSENTIAL: Partial<Record<DiagnosisCode, Channel[][]>> = {
  GAS_LOCK: [['gor', 'flow_variance']], // gas lock vs broken shaft / closed valve: gas signs
  GAS_INTERFERENCE: [['gor', 'flow_variance']], // the only thing that says "gas" (PIP vs bubble point needs a nameplate)
  PUMP_OFF: [['pip']], // PIP toward zero is the defining observation
  TUBING_LEAK: [['pip']], // PIP up 5–20 % separates a leak from other flow losses
  SAND_PRODUCTION: [['vibration']],
  HIGH_VIBRATION: [['vibration']],
  MOTOR_OVERHEAT: [['motor_temp']],
  CLOSED_VALVE: [['motor_temp']],
  UNKNOWN: [['pip']], // the anomaly is in PIP (mode 0)
};
/** Nameplate fields a signature cannot be told without: LOW_FLOW is defined against the recommended range,
 * MOTOR_OVERLOAD against nameplate amps. */
const NP_ESSENTIAL: Partial<Record<DiagnosisCode, (keyof WellNameplate)[]>> = {
  // the recommended range refers to the base frequency: a 50 Hz well must say so (the default is 60 Hz)
  LOW_FLOW: ['rated_flow_bpd', 'min_flow_bpd', 'base_frequency_hz'],
  MOTOR_OVERLOAD: ['rated_current_a'],
};

function makeWell(r: R, lowFlow: boolean): Well {
  const fb = r.p(0.5) ? 50 : 60;
  const size = r.u(); // 0 = small well, 1 = big
  const rated = Math.round(200 * Math.pow(100, size) * r.range(0.85, 1.15));
  const ampsNp = Math.round(15 * Math.pow(200 / 15, Math.min(1, Math.max(0, size + r.range(-0.12, 0.12)))));
  const i0 = ampsNp * r.range(0.25, 0.35);
  const iBase = ampsNp * r.range(0.68, 0.95);
  const q0 = lowFlow ? rated * 0.7 * r.range(0.5, 0.85) : rated * r.range(0.82, 1.18);
  const ps = r.range(700, 4200);
  const f0 = fb * r.range(0.8, 1.07);
  const pipOp = ps * r.range(0.25, 0.75);
  // Healthy running temperature within the spec's typical 80–150 °C (tRes + 1.3·rise ≤ 135, so a well without a
  // nameplate is not hot against the default 150 °C limit just by speeding up).
  const tRise = r.range(8, 30);
  const tRes = r.range(55, Math.max(60, 135 - 1.3 * tRise));
  const tLimit = Math.max(r.of([150, 155, 165, 180, 200]), Math.ceil((tRes + 1.3 * tRise + 25) / 5) * 5);
  const vib0 = r.range(0.08, 0.8);
  return {
    fb,
    rated,
    ampsNp,
    q0,
    i0,
    iLoad: iBase - i0,
    ps,
    pipOp,
    f0,
    tRes,
    tRise,
    tauT: r.range(15, 60) * MIN,
    tauP: r.range(5, 45) * MIN,
    vib0,
    gor0: r.logRange(50, 2000),
    fv0: r.range(2, 10),
    tq0: iBase * r.range(2, 8),
    tLimit,
    vLimit: Math.max(r.of([1.5, 2, 2, 2.5, 3]), Math.round(vib0 * 3 * 10) / 10),
    bubble: Math.round(pipOp * r.range(0.4, 0.85)),
  };
}

function makeSensor(r: R, w: Well): Sensor {
  const scale = r.range(0.5, 2);
  const kinds: NoiseKind[] = ['gauss'];
  if (r.p(0.35)) kinds.push('heavy');
  if (r.p(0.4)) kinds.push('quantised');
  if (r.p(0.3)) kinds.push('drift');
  const quant: Partial<Record<Channel, number>> = {};
  if (kinds.includes('quantised')) {
    quant.flow_rate = Math.min(r.of([1, 5, 10]), 0.01 * w.q0);
    quant.motor_current = Math.min(r.of([0.1, 0.5, 1]), 0.02 * (w.i0 + w.iLoad));
    quant.pip = r.of([1, 5]);
    quant.motor_temp = r.of([0.5, 1]);
    quant.vibration = Math.min(r.of([0.01, 0.05]), 0.15 * w.vib0);
    quant.vsd_frequency = 0.1;
    quant.torque = 1;
    quant.gor = r.of([1, 10]);
    quant.flow_variance = 0.5;
  }
  return {
    kinds,
    sig: {
      flow_rate: 0.015 * scale,
      pip: 0.006 * scale,
      motor_current: 0.008 * scale,
      motor_temp: 0.4 * scale,
      vibration: 0.05 * scale,
      vsd_frequency: 0.0005,
      flow_variance: 0.15 * scale,
      torque: 0.015 * scale,
      gor: 0.04 * scale,
    },
    spikeP: kinds.includes('heavy') ? r.range(0.003, 0.02) : 0,
    quant,
    // Gauge drift: up to ±1.5 %/month on PIP and ±1.5 °C/month on motor temperature.
    pipDriftPerDay: kinds.includes('drift') ? r.range(-0.0005, 0.0005) : 0,
    tempDriftPerDay: kinds.includes('drift') ? r.range(-0.05, 0.05) : 0,
    dropP: r.p(0.3) ? r.range(0.002, 0.03) : 0,
  };
}

function defaultRampMs(code: DiagnosisCode, r: R): number {
  switch (code) {
    case 'PUMP_WEAR':
    case 'SCALE':
      return r.range(14, 42) * DAY;
    case 'PUMP_OFF':
      return r.range(1, 4) * HOUR;
    case 'GAS_LOCK':
    case 'GAS_INTERFERENCE':
    case 'SAND_PRODUCTION':
    case 'MOTOR_OVERLOAD':
    case 'HIGH_VIBRATION':
    case 'UNKNOWN':
      return r.p(0.3) ? 0 : r.range(10, 60) * MIN;
    case 'MOTOR_OVERHEAT':
      return r.range(30, 120) * MIN;
    default:
      return 0;
  }
}

function quantise(x: number, q: number | undefined): number {
  return q ? Math.round(x / q) * q : Math.round(x * 1000) / 1000;
}

/** The well's complete nameplate. */
function fullNameplate(w: Well): Partial<WellNameplate> {
  return {
    rated_flow_bpd: w.rated,
    min_flow_bpd: Math.round(0.7 * w.rated),
    max_flow_bpd: Math.round(1.25 * w.rated),
    rated_current_a: w.ampsNp,
    base_frequency_hz: w.fb,
    motor_temp_limit_c: w.tLimit,
    bubble_point_psi: w.bubble,
    vibration_limit_g: w.vLimit,
  };
}

/** What the engine is given: the full nameplate (45 %), about half its fields (30 %) or none; `keep` fields always. */
function givenNameplate(r: R, full: Partial<WellNameplate>, keep: readonly (keyof WellNameplate)[]): { npMode: Case['npMode']; given: Partial<WellNameplate> } {
  const roll = r.u();
  const npMode: Case['npMode'] = roll < 0.45 ? 'full' : roll < 0.75 ? 'partial' : 'absent';
  const given: Partial<WellNameplate> = {};
  for (const k of Object.keys(full) as (keyof WellNameplate)[]) {
    if (npMode === 'full' || (npMode === 'partial' && r.p(0.5)) || keep.includes(k)) (given as Record<string, unknown>)[k] = full[k];
  }
  return { npMode, given };
}

// ---------------------------------------------------------------- case builder
function buildCase(label: DiagnosisCode, seed: number, forceDt?: number): Case {
  const r = new R(seed);
  const slow = label === 'PUMP_WEAR' || label === 'SCALE';
  const dts = slow ? [5 * MIN, 15 * MIN, HOUR] : [10 * S, MIN, 5 * MIN, 15 * MIN, HOUR];
  const dt = forceDt ?? r.of(dts);
  const w = makeWell(r, label === 'LOW_FLOW');
  const sensor = makeSensor(r, w);

  // Nameplate: full / partial / absent (essential fields of the label always kept).
  const full = fullNameplate(w);
  const { npMode, given } = givenNameplate(r, full, NP_ESSENTIAL[label] ?? []);

  // Missing channels (never the essential one of the label).
  const missing: Channel[] = [];
  if (r.p(0.4)) {
    const n = r.of([1, 1, 2, 3]);
    for (let j = 0; j < n; j++) {
      const can = DROPPABLE.filter((c) => !missing.includes(c)).filter((c) => {
        for (const g of ESSENTIAL[label] ?? []) if (g.includes(c) && g.filter((x) => !missing.includes(x) && x !== c).length === 0) return false;
        if (label === 'SENSOR_FAULT') return true; // the faulty channel is chosen among the present ones below
        return true;
      });
      if (can.length === 0) break;
      missing.push(r.of(can));
    }
  }

  // Timeline: healthy history (a few hours to weeks), then the event.
  let history = r.logRange(4 * HOUR, 21 * DAY);
  history = Math.max(history, 12 * dt);
  const ramp = defaultRampMs(label, r);
  const hold = Math.max(r.range(1, 3) * HOUR, r.range(6, 10) * dt);
  let eventLen: number;
  if (label === 'NORMAL') eventLen = Math.max(r.range(2, 12) * HOUR, 10 * dt);
  else if (label === 'SHUT_DOWN') eventLen = Math.max(r.range(20, 360) * MIN, 2 * dt);
  else if (label === 'FREQUENT_CYCLING') eventLen = r.range(1.1, 2.5) * DAY;
  else if (label === 'SENSOR_FAULT') eventLen = Math.max(r.range(2, 5) * HOUR, r.range(10, 14) * dt);
  else if (label === 'LOW_FLOW') eventLen = Math.max(r.range(2, 12) * HOUR, 10 * dt);
  else if (slow) eventLen = ramp * r.range(0.9, 1.05);
  else eventLen = ramp + hold;
  const maxSpan = MAX_READINGS * dt;
  if (history + eventLen > maxSpan) history = Math.max(12 * dt, maxSpan - eventLen);
  const start = Date.UTC(2025, 2, 1) + Math.floor(r.range(0, 150)) * DAY + Math.floor(r.range(0, 86400)) * S;
  const onset = start + Math.round(history / dt) * dt;
  const end = onset + Math.round(eventLen / dt) * dt;

  // Operator speed steps (healthy periods only) and planned stops in the history.
  const steps: { at: number; to: number }[] = [];
  const lo = 0.72 * w.fb;
  const hi = 1.1 * w.fb;
  let fCur = w.f0;
  let t = start + r.range(2, 36) * HOUR;
  while (t < onset - 2 * HOUR) {
    fCur = Math.min(hi, Math.max(lo, fCur + r.range(2, 8) * (r.p(0.5) ? 1 : -1)));
    steps.push({ at: t, to: fCur });
    t += r.logRange(6 * HOUR, 4 * DAY);
  }
  // Healthy final stretches see a step half the time; faults sometimes follow a step 1–6 h before onset.
  if ((label === 'NORMAL' || label === 'LOW_FLOW') && r.p(0.5)) {
    fCur = Math.min(hi, Math.max(lo, fCur + r.range(2, 8) * (r.p(0.5) ? 1 : -1)));
    steps.push({ at: onset + r.range(0, 0.7) * (end - onset), to: fCur });
  } else if (label !== 'NORMAL' && label !== 'SHUT_DOWN' && !slow && r.p(0.25) && history > 8 * HOUR) {
    fCur = Math.min(hi, Math.max(lo, fCur + r.range(2, 6) * (r.p(0.5) ? 1 : -1)));
    steps.push({ at: onset - r.range(1, 6) * HOUR, to: fCur });
  }
  steps.sort((a, b) => a.at - b.at);
  const stops: { from: number; to: number }[] = [];
  if (history > 12 * HOUR && r.p(0.5)) {
    const at = start + r.range(0.1, 0.6) * history;
    const len = Math.max(r.range(0.5, 6) * HOUR, 2 * dt);
    if (at + len + 3 * HOUR < onset) stops.push({ from: at, to: at + len });
  }
  if (label === 'NORMAL' && r.p(0.25)) {
    // A planned stop and restart inside the final stretch (the well is running again at the end).
    const len = Math.max(r.range(0.3, 2) * HOUR, 2 * dt);
    const at = onset + r.range(0, 0.3) * (end - onset);
    if (at + len + Math.max(45 * MIN, 3 * dt) < end) stops.push({ from: at, to: at + len });
  }
  if (label === 'SHUT_DOWN') stops.push({ from: onset, to: Infinity });
  if (label === 'FREQUENT_CYCLING') {
    let a = onset + r.range(0.5, 2) * HOUR;
    while (a < end - dt) {
      const len = Math.max(r.range(15, 90) * MIN, 1.5 * dt);
      stops.push({ from: a, to: a + len });
      a += len + Math.max(r.range(1.5, 6) * HOUR, 2 * dt);
    }
  }

  const fault: Fault | null = label === 'NORMAL' || label === 'SHUT_DOWN' || label === 'LOW_FLOW' || label === 'FREQUENT_CYCLING' ? null : { code: label, onset, ramp, mode: Math.floor(r.u() * 2), k: Array.from({ length: 10 }, () => r.u()) };
  if (fault && label === 'SENSOR_FAULT') {
    const cands: Channel[] = (['pip', 'motor_temp', 'vibration', 'torque', 'flow_rate'] as Channel[]).filter((c) => !missing.includes(c));
    fault.channel = r.of(cands);
    fault.mode = r.of([0, 0, 1]); // 0 flat-lined, 1 full scale / impossible
    fault.stuck = null;
  }

  // Simulate.
  const readings: Reading[] = [];
  const id = `HO-${label}-${seed}`;
  let pip = w.pipOp;
  let temp = NaN;
  let wasRunning = true;
  let sinceStart = Infinity;
  const qOp0 = (w.q0 * w.f0) / w.fb;
  const pi = qOp0 / (w.ps - w.pipOp);
  let gasPhase = r.range(0, 6.28);
  for (let ts = start; ts <= end; ts += dt) {
    let f = w.f0;
    for (const s of steps) if (s.at <= ts) f = s.to;
    let running = true;
    for (const s of stops) if (ts >= s.from && ts < s.to) running = false;
    if (running && !wasRunning) sinceStart = 0;
    else if (running) sinceStart += dt;
    wasRunning = running;

    const prog = fault && ts >= fault.onset ? (fault.ramp > 0 ? Math.min(1, (ts - fault.onset) / fault.ramp) : 1) : 0;
    const active = fault !== null && ts >= fault.onset;
    const k = fault?.k ?? [];
    const code = active ? fault!.code : null;

    let q = 0;
    let qPump = 0; // fluid moved past the motor (cooling)
    let cur = 0;
    let tq = 0;
    let vib = 0.02 * w.vib0;
    let gor: number | null = null;
    let fv = 0;
    let pipTarget = w.ps;
    let dTemp = 0;
    let tauT = w.tauT;
    let tauP = running ? w.tauP : 1.2 * HOUR;
    let curNoise = 1;
    let flowNoise = 1;
    if (running) {
      if (code === 'VSD_ISSUE') {
        if (fault!.mode === 0) f = f + (1.5 + 3 * k[0]) * (2 * r.u() - 1); // hunting: unstable without a command
        else f = w.fb * (0.4 + 0.12 * k[0]); // below the useful minimum
      }
      const rf = f / w.fb;
      q = w.q0 * rf;
      qPump = q;
      let load = w.iLoad * rf * rf;
      tq = w.tq0 * rf * rf;
      vib = w.vib0 * (0.7 + 0.3 * rf * rf);
      gor = w.gor0;
      fv = w.fv0;
      pipTarget = w.ps - q / pi;
      switch (code) {
        case 'GAS_LOCK': {
          q *= 1 - prog * (0.9 + 0.1 * k[0]);
          qPump = q;
          const cyc = 0.5 + 0.5 * Math.sin((gasPhase += (2 * Math.PI * dt) / ((4 + 16 * k[1]) * MIN)));
          const keep = 1 - prog * (0.75 + 0.2 * k[2]);
          load *= keep * (prog > 0.5 ? 0.4 + 0.6 * cyc + 0.2 * r.n() : 1);
          curNoise = 1 + 4 * prog;
          gor = w.gor0 * (1 + prog * (1.8 + 4 * k[3]));
          fv = w.fv0 + prog * (40 + 110 * k[4]);
          pipTarget = (w.ps - (w.q0 * rf) / pi) * (1 + prog * 0.08 * r.n());
          dTemp = prog * (8 + 17 * k[5]);
          break;
        }
        case 'GAS_INTERFERENCE': {
          q *= 1 - prog * (0.1 + 0.2 * k[0]);
          qPump = q;
          const iDrop = prog * (0.05 + 0.1 * k[1]);
          load = Math.max(0, load - iDrop * (w.i0 + load));
          curNoise = 1 + prog * (2 + 3 * k[2]);
          flowNoise = 1 + prog * 2;
          gor = w.gor0 * (1 + prog * (0.35 + 1.2 * k[3]));
          fv = w.fv0 * (1 + prog * (1.5 + 2.5 * k[4])) + prog * 6;
          pipTarget = (w.ps - (w.q0 * rf) / pi) * (1 - prog * 0.08 * k[5]);
          dTemp = prog * (1 + 3 * k[6]);
          vib *= 1 + prog * (0.1 + 0.2 * k[7]);
          break;
        }
        case 'PUMP_OFF': {
          q *= 1 - prog * (0.4 + 0.35 * k[0]);
          qPump = q;
          load *= 1 - prog * (0.25 + 0.25 * k[1]);
          tq *= 1 - prog * (0.25 + 0.25 * k[1]);
          pipTarget = (w.ps - (w.q0 * rf) / pi) * (1 - prog) + prog * (15 + 90 * k[2]);
          break;
        }
        case 'BROKEN_SHAFT': {
          q *= 0.03 * k[0];
          qPump = q;
          load = w.i0 * (0.1 * k[1] - 0.03);
          tq *= 0.08 * k[2];
          vib *= 0.4 + 1.4 * k[3];
          pipTarget = w.ps - q / pi;
          break;
        }
        case 'CLOSED_VALVE': {
          q *= 0.05 * k[0];
          qPump = q;
          const target = (w.i0 + load) * (1 - (0.15 + 0.15 * k[1]));
          const ratio = (target - w.i0) / load;
          load = target - w.i0;
          tq *= ratio;
          pipTarget = w.ps - q / pi;
          dTemp = 10 + 25 * k[2];
          tauT = (8 + 22 * k[3]) * MIN;
          break;
        }
        case 'TUBING_LEAK': {
          q *= 1 - (0.2 + 0.3 * k[0]); // surface flow; the pump still moves (and is cooled by) its own rate
          pipTarget = (w.ps - qPump / pi) * (1 + 0.05 + 0.15 * k[1]);
          load *= 1 + (0.1 * k[2] - 0.05) * ((w.i0 + load) / load);
          break;
        }
        case 'PUMP_WEAR': {
          q *= 1 - prog * (0.12 + 0.23 * k[0]);
          qPump = q;
          pipTarget = (w.ps - (w.q0 * rf) / pi) * (1 + prog * (0.03 + 0.12 * k[1]));
          load *= 1 - prog * 0.05 * k[2];
          vib *= 1 + prog * (0.3 + 0.9 * k[3]);
          break;
        }
        case 'SCALE': {
          q *= 1 - prog * (0.12 + 0.23 * k[0]);
          qPump = q;
          const up = prog * (0.06 + 0.09 * k[1]);
          const iNow = w.i0 + load;
          const target = Math.min(iNow * (1 + up), Math.max(iNow, 1.05 * w.ampsNp));
          tq *= 1 + (target - iNow) / load;
          load = target - w.i0;
          dTemp = prog * 5 * k[2];
          pipTarget = w.ps - (w.q0 * rf) / pi;
          break;
        }
        case 'SAND_PRODUCTION': {
          vib *= 1 + prog * (0.6 + 1.6 * k[0]);
          if (prog > 0 && r.p(0.15 + 0.25 * k[1])) vib *= 1.5 + 1.5 * r.u();
          if (prog > 0 && r.p(0.1 + 0.25 * k[2])) {
            const s = (r.p(0.5) ? 1 : -1) * (0.06 + 0.14 * r.u());
            load *= 1 + (s * (w.i0 + load)) / load;
            tq *= 1 + s * 1.3;
          }
          curNoise = 1 + prog * 1.5;
          flowNoise = 1 + prog * (1 + 3 * k[3]);
          fv *= 1 + prog * 0.8 * k[4];
          break;
        }
        case 'MOTOR_OVERHEAT': {
          q *= 1 - prog * 0.2 * k[0];
          qPump = q;
          const tBase = w.tRes + w.tRise;
          const target = fault!.mode === 0 ? w.tLimit + (-5 + 15 * k[1]) : tBase + 25 + 20 * k[1];
          dTemp = prog * Math.max(22, target - tBase);
          break;
        }
        case 'MOTOR_OVERLOAD': {
          const iNow = w.i0 + load;
          const target = iNow + prog * (w.ampsNp * (1.12 + 0.23 * k[0]) - iNow);
          tq *= 1 + (target - iNow) / load;
          load = target - w.i0;
          q *= 1 + prog * 0.1 * k[1];
          qPump = q;
          break;
        }
        case 'HIGH_VIBRATION': {
          const target = Math.max(w.vLimit * (1.1 + 0.9 * k[0]), w.vib0 * (3.5 + 2.5 * k[1]));
          vib += prog * (target - vib);
          break;
        }
        case 'UNKNOWN': {
          if (fault!.mode === 0) pipTarget *= 1 - prog * (0.3 + 0.2 * k[0]); // intake pressure falls alone
          else q *= 1 + prog * (0.3 + 0.3 * k[0]); // surface flow up alone (nothing else moves)
          break;
        }
        default:
          break;
      }
      cur = w.i0 + load;
      if (sinceStart === 0 && dt <= MIN) cur = w.ampsNp * r.range(3, 6); // inrush on the start sample
      const cool = 0.35 + 0.65 * Math.min(1.3, qPump / qOp0);
      const heat = (cur / (w.i0 + w.iLoad)) ** 2;
      dTemp += (w.tRise * heat) / cool - w.tRise;
    } else {
      f = 0;
      tauT = 0.7 * w.tauT + 20 * MIN;
      dTemp = -w.tRise;
    }
    if (label === 'FREQUENT_CYCLING' && ts >= onset && running) dTemp += 5; // repeated starts heat the motor
    const tTarget = w.tRes + w.tRise + dTemp;
    if (Number.isNaN(temp)) temp = tTarget;
    else temp += (tTarget - temp) * (1 - Math.exp(-dt / tauT));
    if (code === 'GAS_LOCK' || code === 'GAS_INTERFERENCE') pip = pipTarget;
    else pip += (pipTarget - pip) * (1 - Math.exp(-dt / tauP));

    // Sensors.
    const days = (ts - start) / DAY;
    const val = (c: Channel, x: number, extra = 1): number | null => {
      let y = x;
      const sg = sensor.sig[c] * extra;
      if (c === 'motor_temp') y += sg * r.n();
      else if (c !== 'vsd_frequency' || running) y *= 1 + sg * (sensor.kinds.includes('heavy') ? r.t(4) / 1.41 : r.n());
      if (sensor.spikeP > 0 && running && c !== 'vsd_frequency' && r.p(sensor.spikeP)) y *= 1 + (r.p(0.5) ? 1 : -1) * r.range(0.1, 0.5);
      if (c === 'pip') y *= 1 + sensor.pipDriftPerDay * days;
      if (c === 'motor_temp') y += sensor.tempDriftPerDay * days;
      y = Math.max(0, y);
      return quantise(y, sensor.quant[c]);
    };
    const out: Reading = {
      well_id: id,
      ts,
      vsd_frequency: running ? val('vsd_frequency', f) : 0,
      flow_rate: running ? val('flow_rate', q, flowNoise) : 0,
      pip: val('pip', pip),
      motor_current: running ? val('motor_current', cur, curNoise) : 0,
      motor_temp: val('motor_temp', temp),
      vibration: running ? val('vibration', vib) : quantise(0.01, sensor.quant.vibration),
      flow_variance: running ? val('flow_variance', fv) : 0,
      torque: running ? val('torque', tq, curNoise) : 0,
      gor: running && gor !== null ? val('gor', gor) : null,
    };
    if (fault && fault.code === 'SENSOR_FAULT' && ts >= fault.onset && fault.channel) {
      const c = fault.channel;
      if (fault.mode === 0) {
        if (fault.stuck === null || fault.stuck === undefined) fault.stuck = out[c];
        out[c] = fault.stuck;
      } else {
        out[c] = ({ pip: 10_000, motor_temp: 300, vibration: 50, flow_rate: 60_000, torque: 0 } as Record<string, number>)[c] ?? 0;
      }
    }
    if (sensor.dropP > 0) for (const c of DROPPABLE) if (!(label === 'SENSOR_FAULT' && c === fault?.channel) && r.p(sensor.dropP)) out[c] = null;
    for (const c of missing) out[c] = null;
    readings.push(out);
  }

  const desc = `seed=${seed} dt=${dt / 1000}s fb=${w.fb} rated=${w.rated} A=${w.ampsNp} np=${npMode} hist=${((onset - start) / HOUR).toFixed(0)}h noise=${sensor.kinds.join('+')}${missing.length ? ` missing=${missing.join('+')}` : ''}${fault?.channel ? ` ch=${fault.channel}/${fault.mode}` : fault ? ` mode=${fault.mode}` : ''} steps=${steps.length} stops=${stops.length} n=${readings.length}`;
  return { label, well: w, given, npMode, dt, start, onset, end, missing, readings, desc };
}

// ---------------------------------------------------------------- evaluation
interface Row {
  label: DiagnosisCode;
  pred: DiagnosisCode;
  stream: DiagnosisCode;
  desc: string;
  dt: number;
  np: string;
}

function evalCase(c: Case): Row {
  const hist = c.readings.filter((x) => x.ts < c.onset);
  const baseline = learnBaseline(c.given, hist);
  const d = diagnose(c.given, c.readings, { baseline });
  const s = new DiagnosisStream(c.given, { baseline });
  for (const x of c.readings) s.push(x);
  const st = s.current().diagnosis;
  return { label: c.label, pred: d.diagnosis, stream: st, desc: `${c.desc} conf=${d.confidence}${baseline ? '' : ' no-baseline'}`, dt: c.dt, np: c.npMode };
}

function metrics(rows: Row[], key: 'pred' | 'stream', codes: readonly DiagnosisCode[]) {
  const idx = new Map(codes.map((c, i) => [c, i] as const));
  const cm = codes.map(() => codes.map(() => 0));
  for (const r of rows) cm[idx.get(r.label)!][idx.get(r[key])!]++;
  let correct = 0;
  const per: { code: DiagnosisCode; support: number; prec: number; rec: number; f1: number }[] = [];
  for (let i = 0; i < codes.length; i++) {
    correct += cm[i][i];
    const tp = cm[i][i];
    const support = cm[i].reduce((a, b) => a + b, 0);
    const predicted = cm.reduce((a, row) => a + row[i], 0);
    const prec = predicted ? tp / predicted : 0;
    const rec = support ? tp / support : 0;
    per.push({ code: codes[i], support, prec, rec, f1: prec + rec ? (2 * prec * rec) / (prec + rec) : 0 });
  }
  const sup = per.filter((p) => p.support > 0);
  const macroF1 = sup.reduce((a, p) => a + p.f1, 0) / sup.length;
  return { cm, acc: correct / rows.length, macroF1, per };
}

function main(): void {
  const t0 = performance.now();
  const codes = ONLY ? [ONLY] : DIAGNOSIS_CODES;
  const rows: Row[] = [];
  let n = 0;
  let readings = 0;
  for (const code of codes) {
    for (let k = 0; k < PER_CODE; k++) {
      const c = buildCase(code, SEED + 1_000_003 * (DIAGNOSIS_CODES.indexOf(code) + 1) + 7919 * k);
      readings += c.readings.length;
      rows.push(evalCase(c));
      n++;
    }
  }
  const extra: Row[] = [];
  if (!ONLY) {
    for (let k = 0; k < EXTRA_HEALTHY; k++) {
      const c = buildCase('NORMAL', SEED + 50_000_017 + 104_729 * k);
      readings += c.readings.length;
      extra.push(evalCase(c));
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const healthy = [...rows.filter((r) => r.label === 'NORMAL'), ...extra];
  const ab = DIAGNOSIS_CODES.map((c) => c.split('_').map((x) => x[0]).join('') + (c === 'SHUT_DOWN' ? 'D' : ''));
  console.log(`held-out cases: ${rows.length} (${PER_CODE} per code) + ${extra.length} extra healthy, readings: ${readings}, time: ${secs.toFixed(1)} s, seed ${SEED}`);
  for (const key of ['pred', 'stream'] as const) {
    const m = metrics(rows, key, DIAGNOSIS_CODES);
    const fa = healthy.filter((r) => r[key] !== 'NORMAL').length;
    console.log(`\n== ${key === 'pred' ? 'diagnose() (baseline from learnBaseline on the pre-fault history)' : 'DiagnosisStream (same baseline, all readings pushed, current())'} ==`);
    console.log(`accuracy: ${(m.acc * 100).toFixed(1)} %   macro-F1: ${m.macroF1.toFixed(3)}   false alarms: ${fa}/${healthy.length} = ${((100 * fa) / healthy.length).toFixed(2)} %`);
    console.log('| code | support | precision | recall | F1 |\n|---|---:|---:|---:|---:|');
    for (const p of m.per) if (p.support > 0 || !ONLY) console.log(`| ${p.code} | ${p.support} | ${p.prec.toFixed(3)} | ${p.rec.toFixed(3)} | ${p.f1.toFixed(3)} |`);
    console.log(`${'true \\ predicted'.padEnd(18)}${ab.map((a) => a.padStart(5)).join('')}`);
    for (let i = 0; i < DIAGNOSIS_CODES.length; i++) if (m.cm[i].some((x) => x)) console.log(`${DIAGNOSIS_CODES[i].padEnd(18)}${m.cm[i].map((v) => (v ? String(v) : '.').padStart(5)).join('')}`);
  }
  const agree = rows.filter((r) => r.pred === r.stream).length;
  console.log(`\nstream vs batch agreement: ${agree}/${rows.length}`);
  const wrong = [...rows, ...extra].filter((r) => r.label !== r.pred);
  const byDt = new Map<number, [number, number]>();
  for (const r of [...rows, ...extra]) {
    const e = byDt.get(r.dt) ?? [0, 0];
    e[0]++;
    if (r.label === r.pred) e[1]++;
    byDt.set(r.dt, e);
  }
  console.log(`diagnose() accuracy by sampling: ${[...byDt.entries()].sort((a, b) => a[0] - b[0]).map(([dt, [t, ok]]) => `${dt / 1000}s ${ok}/${t}`).join(', ')}`);
  console.log(`\ndiagnose() misclassified (${wrong.length}):`);
  for (const r of wrong.slice(0, VERBOSE ? 400 : 80)) console.log(`  ${r.label} -> ${r.pred} (stream ${r.stream})  ${r.desc}`);
  const sw = [...rows, ...extra].filter((r) => r.label !== r.stream && r.label === r.pred);
  console.log(`\nstream-only misses (${sw.length}):`);
  for (const r of sw.slice(0, VERBOSE ? 400 : 40)) console.log(`  ${r.label} -> stream ${r.stream}  ${r.desc}`);
}

/** --debug CODE:seed  prints explain() and the stream's reported changes for one case. */
function debug(spec: string): void {
  const [code, seedS] = spec.split(':');
  const c = buildCase(code as DiagnosisCode, Number(seedS));
  const hist = c.readings.filter((x) => x.ts < c.onset);
  const baseline = learnBaseline(c.given, hist);
  const ex = explain(c.given, c.readings, { baseline });
  console.log(c.desc);
  console.log('given', JSON.stringify(c.given));
  console.log('baseline', JSON.stringify(baseline));
  console.log('diagnosis', ex.diagnosis.diagnosis, ex.diagnosis.confidence, ex.diagnosis.summary);
  for (const e of ex.diagnosis.evidence) console.log('  ev', JSON.stringify(e));
  console.log('scores', ex.scores.map((s) => `${s.code}=${s.score}`).join(' '));
  const s = new DiagnosisStream(c.given, { baseline });
  for (const x of c.readings) {
    const d = s.push(x);
    if (d) console.log(`  stream @${((x.ts - c.onset) / 60_000).toFixed(0)} min: ${d.diagnosis} ${d.confidence}`);
  }
  const tail = c.readings.slice(-Number(process.argv[process.argv.indexOf('--debug') + 2] ?? 8) || -8);
  for (const x of tail) console.log(`  ${((x.ts - c.onset) / 60_000).toFixed(0)}m f=${x.vsd_frequency} q=${x.flow_rate} pip=${x.pip} I=${x.motor_current} T=${x.motor_temp} v=${x.vibration} fv=${x.flow_variance} tq=${x.torque} gor=${x.gor}`);
}

// ---------------------------------------------------------------- slow degradation over weeks
// Written from ESP-DIAGNOSTICS.md §3, §4 and §6 (not from src/simulator): 60 days sampled every 30 min – 2 h, a
// random well and sensor model (above), operator speed steps every 1–10 days throughout (the degradation too),
// planned stops, nameplate full / partial / absent, missing channels, 2 % of readings lost, and the history
// delivered in shuffled batches. Degradations grow smoothly from an onset 10–50 days before the end:
//   wear  — stages lose head: flow at a given speed falls (12–35 % at full wear), the load follows the hydraulic
//           power down a little, PIP rises as the drawdown shrinks, vibration rises (bearings and imbalance);
//   scale — deposits choke the stages and drag the impellers: flow falls, load (current, torque) rises 5–15 %,
//           the motor runs warmer (more current, less flow past it);
//   drifts toward a limit — motor-temperature creep (linear), bearing vibration doubling every 5–15 days,
//           current creep (linear load increase); the truth is the time the noise-free reading crosses the limit
//           at the final speed.
type LongKind = 'NORMAL' | 'PUMP_WEAR' | 'SCALE' | 'TEMP_CREEP' | 'VIB_GROWTH' | 'CURRENT_CREEP';

interface LongCase {
  kind: LongKind;
  given: Partial<WellNameplate>;
  readings: Reading[];
  end: number;
  channel: 'motor_temp' | 'vibration' | 'motor_current' | null;
  /** Days from the end until the noise-free channel reaches its limit at the final speed (drifts). */
  truthDays: number | null;
  desc: string;
}

function buildLongCase(kind: LongKind, seed: number): LongCase {
  const r = new R(seed);
  const w = makeWell(r, false);
  const sensor = makeSensor(r, w);
  const dt = r.of([30 * MIN, HOUR, HOUR, 2 * HOUR]);
  const start = Date.UTC(2025, 4, 1) + Math.floor(r.range(0, 120)) * DAY;
  const end = start + 60 * DAY;
  const onset = end - r.range(10, 50) * DAY;
  const full = fullNameplate(w);
  // A drift toward a limit is judged against the limit: those wells keep the relevant nameplate field.
  const needs: (keyof WellNameplate)[] = kind === 'TEMP_CREEP' ? ['motor_temp_limit_c'] : kind === 'VIB_GROWTH' ? ['vibration_limit_g'] : kind === 'CURRENT_CREEP' ? ['rated_current_a', 'base_frequency_hz'] : [];
  const { npMode, given } = givenNameplate(r, full, needs);
  const keep: Channel[] = kind === 'TEMP_CREEP' ? ['motor_temp'] : kind === 'VIB_GROWTH' ? ['vibration'] : [];
  const missing: Channel[] = [];
  if (r.p(0.35)) {
    const can = DROPPABLE.filter((c) => !keep.includes(c));
    missing.push(r.of(can));
  }
  const steps: { at: number; to: number }[] = [];
  let fCur = w.f0;
  for (let t = start + r.range(1, 10) * DAY; t < end - 6 * HOUR; t += r.range(1, 10) * DAY) {
    fCur = Math.min(1.08 * w.fb, Math.max(0.75 * w.fb, fCur + r.range(1.5, 6) * (r.p(0.5) ? 1 : -1)));
    steps.push({ at: t, to: fCur });
  }
  const fEnd = fCur;
  const stops: { from: number; to: number }[] = [];
  if (r.p(0.6)) {
    const at = start + r.range(0.1, 0.9) * 60 * DAY;
    stops.push({ from: at, to: at + r.range(1, 12) * HOUR });
  }
  // Growth of wear / scale from 0 at the onset: a smooth power law reaching `level` after `len` days.
  const len = r.range(20, 70) * DAY;
  const gamma = r.range(1, 1.8);
  const level = r.range(0.12, 0.35);
  const grow = (ts: number): number => (ts <= onset ? 0 : level * Math.min(1.2, ((ts - onset) / len) ** gamma));
  const k1 = r.u();
  const k2 = r.u();
  const qOp0 = (w.q0 * w.f0) / w.fb;
  const pi = qOp0 / (w.ps - w.pipOp);
  // Drift rates set from the well's own limits so that the limit falls 5–40 days after the end (at onset speed).
  const toLimit = r.range(5, 40);
  const ageEnd = (end - onset) / DAY;
  const rfEnd = fEnd / w.fb;
  const iNomEnd = w.i0 + w.iLoad * rfEnd * rfEnd;
  const tNomEnd = w.tRes + w.tRise * (iNomEnd / (w.i0 + w.iLoad)) ** 2 / (0.35 + 0.65 * Math.min(1.3, (w.q0 * rfEnd) / qOp0));
  const vNomEnd = w.vib0 * (0.7 + 0.3 * rfEnd * rfEnd);
  const total = ageEnd + toLimit;
  const tempRate = (w.tLimit - tNomEnd) / total; // °C/day
  const doubling = r.range(5, 15);
  const vibAmp = (w.vLimit / vNomEnd - 1) / (2 ** (total / doubling) - 1);
  const loadRate = ((w.ampsNp - iNomEnd) / (iNomEnd - w.i0)) / total; // fraction of the load per day
  const drift = (ts: number): { dT: number; vMul: number; lMul: number } => {
    const d = Math.max(0, (ts - onset) / DAY);
    return {
      dT: kind === 'TEMP_CREEP' ? tempRate * d : 0,
      vMul: kind === 'VIB_GROWTH' ? 1 + vibAmp * (2 ** (d / doubling) - 1) : 1,
      lMul: kind === 'CURRENT_CREEP' ? 1 + loadRate * d : 1,
    };
  };
  const readings: Reading[] = [];
  let pip = w.pipOp;
  let temp = NaN;
  const id = `HL-${kind}-${seed}`;
  for (let ts = start; ts <= end; ts += dt) {
    let f = w.f0;
    for (const s2 of steps) if (s2.at <= ts) f = s2.to;
    let running = true;
    for (const s2 of stops) if (ts >= s2.from && ts < s2.to) running = false;
    const rf = f / w.fb;
    const g = grow(ts);
    const dr = drift(ts);
    let q = 0, load = 0, tq = 0, vib = 0.01, pipT = w.ps, tT = w.tRes;
    if (running) {
      q = w.q0 * rf;
      load = w.iLoad * rf * rf;
      tq = w.tq0 * rf * rf;
      vib = w.vib0 * (0.7 + 0.3 * rf * rf);
      if (kind === 'PUMP_WEAR') {
        q *= 1 - g;
        const lf = 1 - g * (0.1 + 0.25 * k1);
        load *= lf;
        tq *= lf;
        vib *= 1 + g * (1 + 3 * k2);
      } else if (kind === 'SCALE') {
        q *= 1 - g;
        const up = g * (0.3 + 0.4 * k1); // load part rises with the drag
        load *= 1 + up;
        tq *= 1 + up;
      }
      load *= dr.lMul;
      tq *= dr.lMul;
      vib *= dr.vMul;
      pipT = w.ps - q / pi;
      const cur0 = w.i0 + load;
      const cool = 0.35 + 0.65 * Math.min(1.3, q / qOp0);
      tT = w.tRes + (w.tRise * (cur0 / (w.i0 + w.iLoad)) ** 2) / cool + dr.dT;
    }
    temp = Number.isNaN(temp) ? tT : temp + (tT - temp) * (1 - Math.exp(-dt / w.tauT));
    pip += (pipT - pip) * (1 - Math.exp(-dt / (running ? w.tauP : 1.2 * HOUR)));
    if (!running && r.p(0.5)) continue; // some stopped samples are simply not sent
    const days = (ts - start) / DAY;
    const val = (c: Channel, x: number): number => {
      let y = x;
      const sg = sensor.sig[c];
      if (c === 'motor_temp') y += sg * r.n();
      else if (c !== 'vsd_frequency' || running) y *= 1 + sg * (sensor.kinds.includes('heavy') ? r.t(4) / 1.41 : r.n());
      if (sensor.spikeP > 0 && running && c !== 'vsd_frequency' && r.p(sensor.spikeP)) y *= 1 + (r.p(0.5) ? 1 : -1) * r.range(0.1, 0.5);
      if (c === 'pip') y *= 1 + sensor.pipDriftPerDay * days;
      if (c === 'motor_temp') y += sensor.tempDriftPerDay * days;
      return quantise(Math.max(0, y), sensor.quant[c]);
    };
    const out: Reading = {
      well_id: id,
      ts,
      vsd_frequency: running ? val('vsd_frequency', f) : 0,
      flow_rate: running ? val('flow_rate', q) : 0,
      pip: val('pip', pip),
      motor_current: running ? val('motor_current', w.i0 + load) : 0,
      motor_temp: val('motor_temp', temp),
      vibration: running ? val('vibration', vib) : 0.01,
      flow_variance: running ? val('flow_variance', w.fv0) : 0,
      torque: running ? val('torque', tq) : 0,
      gor: running ? val('gor', w.gor0) : null,
    };
    for (const c of missing) out[c] = null;
    readings.push(out);
  }
  // 2 % of readings lost, the rest delivered in shuffled batches (a backfill).
  const kept = readings.filter(() => !r.p(0.02));
  const batches: Reading[][] = [];
  for (let i = 0; i < kept.length; ) {
    const n = 12 + Math.floor(r.u() * 150);
    batches.push(kept.slice(i, i + n));
    i += n;
  }
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(r.u() * (i + 1));
    [batches[i], batches[j]] = [batches[j], batches[i]];
  }
  // Truth for drifts: noise-free reading at the final speed, scanned hourly after the end.
  let channel: LongCase['channel'] = null;
  let truthDays: number | null = null;
  if (kind === 'TEMP_CREEP' || kind === 'VIB_GROWTH' || kind === 'CURRENT_CREEP') {
    channel = kind === 'TEMP_CREEP' ? 'motor_temp' : kind === 'VIB_GROWTH' ? 'vibration' : 'motor_current';
    const endDays = 60;
    for (let h = 0; h <= 400 * 24; h++) {
      const ts = end + h * HOUR;
      const dr = drift(ts);
      const load = w.iLoad * rfEnd * rfEnd * dr.lMul;
      const cur = w.i0 + load;
      const v =
        channel === 'motor_temp'
          ? w.tRes + (w.tRise * (cur / (w.i0 + w.iLoad)) ** 2) / (0.35 + 0.65 * Math.min(1.3, (w.q0 * rfEnd) / qOp0)) + dr.dT + sensor.tempDriftPerDay * (endDays + h / 24)
          : channel === 'vibration'
            ? vNomEnd * dr.vMul
            : cur;
      const lim = channel === 'motor_temp' ? w.tLimit : channel === 'vibration' ? w.vLimit : w.ampsNp;
      if (v >= lim) {
        truthDays = h / 24;
        break;
      }
    }
  }
  const desc = `seed=${seed} dt=${dt / MIN}min fb=${w.fb} np=${npMode} onset=${((end - onset) / DAY).toFixed(0)}d steps=${steps.length}${missing.length ? ` missing=${missing.join('+')}` : ''} noise=${sensor.kinds.join('+')}`;
  return { kind, given, readings: batches.flat(), end, channel, truthDays, desc };
}

function longMain(): void {
  if (LONG_PER_CLASS <= 0) return;
  const t0 = performance.now();
  const kinds: LongKind[] = ['PUMP_WEAR', 'SCALE', 'NORMAL', 'TEMP_CREEP', 'VIB_GROWTH', 'CURRENT_CREEP'];
  const rows: { kind: LongKind; pred: string; desc: string }[] = [];
  let within = 0;
  let drifting = 0;
  let healthyWarned = 0;
  let healthy = 0;
  const misses: string[] = [];
  let n = 0;
  for (const kind of kinds) {
    for (let k = 0; k < LONG_PER_CLASS; k++) {
      const c = buildLongCase(kind, SEED + 90_000_049 + 15_485_863 * ++n);
      const h = diagnoseHistory(c.given, c.readings);
      const tr = VERBOSE && (kind === 'PUMP_WEAR' || kind === 'SCALE') && h.diagnosis.diagnosis !== kind ? ` trends ${h.trends.map((t) => `${t.channel}:${t.change_since_reference}/p${t.p_value}`).join(' ')}` : '';
      rows.push({ kind, pred: h.diagnosis.diagnosis, desc: c.desc + tr });
      if (kind === 'NORMAL') {
        healthy++;
        const fc = forecastWell(c.given, c.readings, { now: c.end, horizonDays: 30 });
        if (fc.warnings.length) {
          healthyWarned++;
          misses.push(`NORMAL warned ${fc.warnings.map((x) => `${x.code}@${x.lead_days}d`).join(',')}  ${c.desc}`);
        }
      } else if (c.channel && c.truthDays !== null) {
        drifting++;
        const fc = forecastWell(c.given, c.readings, { now: c.end, horizonDays: 365 });
        const ch = fc.channels.find((x) => x.channel === c.channel);
        const got = ch?.time_to_limit_days ?? null;
        if (got !== null && Math.abs(got - c.truthDays) <= Math.max(0.35 * c.truthDays, 3)) within++;
        else misses.push(`${kind} truth ${c.truthDays.toFixed(1)} d, forecast ${got === null ? 'none' : `${got.toFixed(1)} d (${ch!.model})`}  ${c.desc}`);
      }
    }
  }
  console.log(`\n== slow degradation over 60 days (${rows.length} wells, shuffled backfill, 2 % lost; diagnoseHistory and forecastWell), ${((performance.now() - t0) / 1000).toFixed(1)} s ==`);
  for (const code of ['PUMP_WEAR', 'SCALE']) {
    const tp = rows.filter((x) => x.kind === code && x.pred === code).length;
    const fp = rows.filter((x) => x.kind !== code && x.pred === code).length;
    const fn = rows.filter((x) => x.kind === code && x.pred !== code).length;
    const p = tp + fp ? tp / (tp + fp) : 0;
    const rc = tp + fn ? tp / (tp + fn) : 0;
    console.log(`${code.padEnd(10)} precision ${p.toFixed(3)} recall ${rc.toFixed(3)} F1 ${(p + rc ? (2 * p * rc) / (p + rc) : 0).toFixed(3)}`);
  }
  for (const kind of kinds) {
    const m = new Map<string, number>();
    for (const x of rows.filter((y) => y.kind === kind)) m.set(x.pred, (m.get(x.pred) ?? 0) + 1);
    console.log(`  ${kind.padEnd(14)} → ${[...m.entries()].sort((a, b) => b[1] - a[1]).map(([c, v]) => `${c} ${v}`).join(', ')}`);
  }
  console.log(`forecast: time to limit within 35 % (or 3 days) on ${within}/${drifting} drifting wells = ${((100 * within) / Math.max(1, drifting)).toFixed(1)} %; healthy wells without a warning ${healthy - healthyWarned}/${healthy}`);
  const wrong = rows.filter((x) => (x.kind === 'PUMP_WEAR' || x.kind === 'SCALE' || x.pred === 'PUMP_WEAR' || x.pred === 'SCALE') && x.kind !== x.pred);
  for (const x of wrong.slice(0, VERBOSE ? 200 : 20)) console.log(`  ${x.kind} -> ${x.pred}  ${x.desc}`);
  for (const m of misses.slice(0, VERBOSE ? 200 : 20)) console.log(`  ${m}`);
}

if (process.argv.includes('--debug')) debug(process.argv[process.argv.indexOf('--debug') + 1]);
else {
  if (!LONG_ONLY) main();
  longMain();
}
