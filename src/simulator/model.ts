// One simulated ESP well: affinity laws, no-load + load current, inflow (PIP = static − Q/PI), motor cooling by
// flow with thermal lag, measurement noise, operator frequency steps, planned stops, and injected faults with
// the signatures of ESP-DIAGNOSTICS.md section 4.
import type { DiagnosisCode } from '../domain/diagnosis.js';
import type { Channel, Reading } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import { Rng } from './rng.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type SimWell = WellNameplate & { well_id: string };

/** Hidden physical truth of a well (the engine never sees it). */
export interface WellPhysics {
  fb: number;
  q0: number; // flow at base frequency, bbl/d
  i0: number; // true no-load amps
  iLoad: number; // load amps at base frequency
  ps: number; // static reservoir pressure at the intake, psi
  pi: number; // productivity index, bbl/d/psi
  tRes: number; // reservoir temperature, °C
  tRise: number; // motor rise over reservoir at nominal load and cooling, °C
  vib0: number;
  gor0: number;
  fv0: number;
  tq0: number; // torque at base frequency, N·m
  f0: number; // initial frequency setpoint
}

export interface FaultState {
  code: DiagnosisCode;
  start: number;
  /** Ramp duration (progress 0 → 1). 0 = step. */
  rampMs: number;
  k: number[]; // per-fault random parameters
  mode: number;
  channel?: Channel;
  frozen?: number | null;
  cycleNextTs?: number;
  cycleRunning?: boolean;
}

/**
 * Slow degradations that run alongside everything else (operator speed steps included) and, unlike faults, do not
 * change what the pump does otherwise: insulation/cooling decline (linear motor-temperature creep), bearing wear
 * (vibration growing exponentially), rising load (current creep, e.g. heavier fluid or a dragging rotor).
 */
export const DRIFT_KINDS = ['TEMP_CREEP', 'VIBRATION_GROWTH', 'CURRENT_CREEP'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface Drift {
  kind: DriftKind;
  start: number;
  /** TEMP_CREEP: °C per day; CURRENT_CREEP: fraction of the load per day; VIBRATION_GROWTH: e-folding rate per day. */
  rate: number;
  /** VIBRATION_GROWTH: v = v₀·(1 + amp·(e^{rate·days} − 1)). */
  amp?: number;
}

export interface WellModelOptions {
  rng: Rng;
  nameplate?: Partial<WellNameplate>;
  wellId: string;
  missing?: Channel[];
  /** Random operator frequency steps (mean interval); 0 disables. */
  operatorStepMeanMs?: number;
  /** Force a low-flow operating point (normalised flow below the recommended minimum). */
  lowFlow?: boolean;
}

export function randomNameplate(rng: Rng, fb?: number): WellNameplate {
  const base = fb ?? (rng.chance(0.5) ? 60 : 50);
  const rated = Math.round(Math.exp(rng.uniform(Math.log(300), Math.log(20_000))));
  const amps = Math.round(rng.uniform(20, 180));
  return {
    name: null,
    field: null,
    rated_flow_bpd: rated,
    min_flow_bpd: Math.round(rated * 0.7),
    max_flow_bpd: Math.round(rated * 1.25),
    rated_current_a: amps,
    base_frequency_hz: base,
    motor_temp_limit_c: rng.pick([150, 150, 155, 165, 180]),
    bubble_point_psi: 0, // set from the inflow model below
    vibration_limit_g: rng.pick([2.0, 2.0, 2.0, 1.5, 2.5]),
  };
}

export class WellModel {
  readonly well: SimWell;
  readonly phys: WellPhysics;
  private rng: Rng;
  private missing: Set<Channel>;
  private f: number;
  private running = true;
  private stopUntil = -Infinity;
  private temp = NaN;
  private pip = NaN;
  private lastTs = NaN;
  private nextOpStep = Infinity;
  private opStepMean: number;
  fault: FaultState | null = null;
  readonly drifts: Drift[] = [];
  private scheduledStop: { at: number; until: number } | null = null;
  private scheduledStep: { at: number; to: number } | null = null;

  constructor(o: WellModelOptions) {
    this.rng = o.rng;
    const rng = o.rng;
    const np = { ...randomNameplate(rng, o.nameplate?.base_frequency_hz ?? undefined), ...stripNulls(o.nameplate ?? {}) };
    const fb = np.base_frequency_hz ?? 60;
    const rated = np.rated_flow_bpd ?? 1000;
    const ir = np.rated_current_a ?? 80;
    const q0 = o.lowFlow ? rated * rng.uniform(0.38, 0.6) : rated * rng.uniform(0.85, 1.12);
    const ps = rng.uniform(1500, 4000);
    const pipOp = ps * rng.uniform(0.35, 0.7);
    const f0 = fb * rng.uniform(0.85, 1.05);
    const qOp = (q0 * f0) / fb;
    const i0 = ir * rng.uniform(0.27, 0.33);
    const ibase = ir * rng.uniform(0.72, 0.92);
    this.phys = {
      fb,
      q0,
      i0,
      iLoad: ibase - i0,
      ps,
      pi: qOp / (ps - pipOp),
      tRes: rng.uniform(70, 110),
      tRise: rng.uniform(12, 28),
      vib0: rng.uniform(0.15, 0.7),
      gor0: rng.uniform(80, 1500),
      fv0: rng.uniform(2, 8),
      tq0: ibase * rng.uniform(3, 6),
      f0,
    };
    if (!np.bubble_point_psi) np.bubble_point_psi = Math.round(pipOp * rng.uniform(0.45, 0.8));
    // Keep the limit above the healthy running temperature (a sane design).
    const tRun = this.phys.tRes + this.phys.tRise * 1.2;
    if ((np.motor_temp_limit_c ?? 150) < tRun + 25) np.motor_temp_limit_c = Math.ceil((tRun + 25) / 5) * 5;
    if ((np.vibration_limit_g ?? 2) < this.phys.vib0 * 2.5) np.vibration_limit_g = Math.round(this.phys.vib0 * 3 * 10) / 10;
    this.well = { ...np, well_id: o.wellId };
    this.missing = new Set(o.missing ?? []);
    this.f = f0;
    this.opStepMean = o.operatorStepMeanMs ?? 3 * DAY;
  }

  get isRunning(): boolean {
    return this.running;
  }

  setOperatorSteps(meanMs: number, fromTs: number): void {
    this.opStepMean = meanMs;
    this.nextOpStep = meanMs > 0 ? fromTs + this.rng.exp(meanMs) : Infinity;
  }

  scheduleStop(at: number, until: number): void {
    this.scheduledStop = { at, until };
  }

  scheduleFrequencyStep(at: number, to: number): void {
    this.scheduledStep = { at, to };
  }

  addDrift(d: Drift): void {
    this.drifts.push(d);
  }

  /** Multipliers and offsets of the active drifts at ts. */
  private driftAt(ts: number): { tempAdd: number; vibMul: number; curMul: number } {
    let tempAdd = 0;
    let vibMul = 1;
    let curMul = 1;
    for (const d of this.drifts) {
      if (ts < d.start) continue;
      const days = (ts - d.start) / DAY;
      if (d.kind === 'TEMP_CREEP') tempAdd += d.rate * days;
      else if (d.kind === 'VIBRATION_GROWTH') vibMul *= 1 + (d.amp ?? 0.05) * (Math.exp(d.rate * days) - 1);
      else curMul *= 1 + d.rate * days;
    }
    return { tempAdd, vibMul, curMul };
  }

  /**
   * Noise-free value of a channel at ts if the drive stays at today's setpoint and the pump keeps running (the
   * ground truth a forecast is judged against). Flow is given at base frequency (where the nameplate range applies).
   */
  nominal(ts: number, channel: 'motor_temp' | 'vibration' | 'motor_current' | 'flow_rate'): number {
    const ph = this.phys;
    const fr = this.f / ph.fb;
    const dr = this.driftAt(ts);
    const f = this.fault;
    const prog = f && ts >= f.start ? (f.rampMs <= 0 ? 1 : Math.min(1, (ts - f.start) / f.rampMs)) : 0;
    const ibase = ph.i0 + ph.iLoad;
    let cur = ph.i0 + ph.iLoad * fr * fr;
    if (f?.code === 'PUMP_WEAR') cur *= 1 - prog * 0.05 * f.k[3];
    if (f?.code === 'SCALE') cur *= 1 + prog * (0.1 + 0.12 * f.k[1]);
    cur = ph.i0 + (cur - ph.i0) * dr.curMul;
    if (channel === 'motor_current') return cur;
    if (channel === 'vibration') return ph.vib0 * (0.6 + 0.4 * fr * fr) * (f?.code === 'PUMP_WEAR' ? 1 + prog * (0.6 + 0.9 * f.k[2]) : 1) * dr.vibMul;
    let q = ph.q0;
    if (f?.code === 'PUMP_WEAR') q *= 1 - prog * (0.2 + 0.2 * f.k[0]);
    if (f?.code === 'SCALE') q *= 1 - prog * (0.15 + 0.2 * f.k[0]);
    if (channel === 'flow_rate') return q;
    const cooling = 0.4 + 0.6 * Math.min(1.2, q / ph.q0);
    return ph.tRes + (ph.tRise * (cur / ibase) ** 2) / cooling + dr.tempAdd + (f?.code === 'SCALE' ? prog * 6 * f.k[2] : 0);
  }

  /** First time after `from` (scanning hourly up to maxDays) at which the nominal channel crosses limit. */
  crossing(from: number, channel: 'motor_temp' | 'vibration' | 'motor_current' | 'flow_rate', limit: number, maxDays = 400): number | null {
    const falling = channel === 'flow_rate';
    for (let ts = from; ts <= from + maxDays * DAY; ts += HOUR) {
      const v = this.nominal(ts, channel);
      if (falling ? v <= limit : v >= limit) return ts;
    }
    return null;
  }

  /** The drive's present setpoint, Hz. */
  get setpointHz(): number {
    return this.f;
  }

  injectFault(code: DiagnosisCode, ts: number, rampMs?: number): void {
    const r = this.rng;
    const k = Array.from({ length: 8 }, () => r.next());
    const f: FaultState = { code, start: ts, rampMs: rampMs ?? defaultRamp(code, r), k, mode: r.int(0, 2) };
    if (code === 'SENSOR_FAULT') {
      const present = (['pip', 'motor_temp', 'vibration', 'flow_rate', 'torque'] as Channel[]).filter((c) => !this.missing.has(c));
      f.channel = present.length ? r.pick(present) : 'motor_temp';
      f.frozen = null;
      // 0 = flat line at last value, 1 = full scale, 2 = stuck at zero
      if (f.channel === 'torque' || f.channel === 'motor_temp') f.mode = f.mode === 2 ? 0 : f.mode;
      if (f.channel === 'torque' && f.mode === 1) f.mode = 0;
    }
    if (code === 'FREQUENT_CYCLING') {
      f.cycleRunning = true;
      f.cycleNextTs = ts + r.uniform(0.2, 1) * HOUR;
    }
    if (code === 'SHUT_DOWN') {
      this.running = false;
      this.stopUntil = Infinity;
    }
    this.fault = f;
  }

  clearFault(_ts: number): void {
    if (this.fault?.code === 'SHUT_DOWN' || this.fault?.code === 'FREQUENT_CYCLING') {
      this.running = true;
      this.stopUntil = -Infinity;
    }
    this.fault = null;
  }

  /** Advance to ts and return the reading there. */
  step(ts: number): Reading {
    const dt = Number.isNaN(this.lastTs) ? 0 : Math.max(0, ts - this.lastTs);
    this.lastTs = ts;
    const fault = this.fault;
    const justStarted = this.applyEvents(ts, fault);
    const prog = fault ? (fault.rampMs <= 0 ? (ts >= fault.start ? 1 : 0) : Math.min(1, Math.max(0, (ts - fault.start) / fault.rampMs))) : 0;
    const k = fault?.k ?? [];
    const code = fault && ts >= fault.start ? fault.code : null;
    const f = this.driveFrequency(code, fault, k);
    const pt = this.running ? this.runningPoint(ts, f, code, fault, prog, k, justStarted) : stoppedPoint(this.phys);
    const pipOut = this.applyLags(pt, dt, code);
    return this.reading(ts, f, pt, pipOut, code, fault);
  }

  /** Operator speed steps, scheduled stops and steps, and the on/off cycle of FREQUENT_CYCLING; true on a restart. */
  private applyEvents(ts: number, fault: FaultState | null): boolean {
    const r = this.rng;
    const ph = this.phys;
    if (this.scheduledStep && ts >= this.scheduledStep.at) {
      this.f = this.scheduledStep.to;
      this.scheduledStep = null;
    }
    // Operators keep adjusting the speed through slow degradations (never during an acute event).
    if ((!fault || fault.code === 'PUMP_WEAR' || fault.code === 'SCALE') && ts >= this.nextOpStep) {
      const d = r.uniform(2, 6) * (r.chance(0.5) ? 1 : -1);
      this.f = Math.min(1.08 * ph.fb, Math.max(0.75 * ph.fb, this.f + d));
      this.nextOpStep = this.opStepMean > 0 ? ts + r.exp(this.opStepMean) : Infinity;
    }
    if (this.scheduledStop && ts >= this.scheduledStop.at) {
      this.running = false;
      this.stopUntil = this.scheduledStop.until;
      this.scheduledStop = null;
    }
    if (!this.running && ts >= this.stopUntil) this.running = true;
    let justStarted = false;
    if (fault?.code === 'FREQUENT_CYCLING' && fault.cycleNextTs !== undefined) {
      while (ts >= fault.cycleNextTs) {
        fault.cycleRunning = !fault.cycleRunning;
        fault.cycleNextTs += fault.cycleRunning ? r.uniform(1.5, 5) * HOUR : r.uniform(0.3, 1.5) * HOUR;
        if (fault.cycleRunning) justStarted = true;
      }
      this.running = fault.cycleRunning === true;
    }
    return justStarted;
  }

  /** The drive's output frequency: the setpoint, 0 when stopped, or what a faulty drive makes of it. */
  private driveFrequency(code: DiagnosisCode | null, fault: FaultState | null, k: number[]): number {
    const ph = this.phys;
    let f = this.running ? this.f : 0;
    if (code === 'VSD_ISSUE' && this.running) {
      if (fault!.mode === 0) f = this.f + this.rng.gauss() * (2 + 3 * k[0]);
      else f = ph.fb * (0.35 + 0.15 * k[0]);
      f = Math.max(5, Math.min(1.15 * ph.fb, f));
    }
    return f;
  }

  /**
   * The running pump at drive frequency f: the healthy operating point (affinity laws), then the active fault's
   * effect, the drifts, the temperature and intake pressure it heads for, and measurement noise.
   */
  private runningPoint(ts: number, f: number, code: DiagnosisCode | null, fault: FaultState | null, prog: number, k: number[], justStarted: boolean): OperatingPoint {
    const r = this.rng;
    const ph = this.phys;
    const fr = f / ph.fb;
    const qExp = ph.q0 * fr;
    const ibase = ph.i0 + ph.iLoad;
    const pt: OperatingPoint = {
      q: qExp,
      cur: ph.i0 + ph.iLoad * fr * fr,
      tq: ph.tq0 * fr * fr,
      vib: ph.vib0 * (0.6 + 0.4 * fr * fr),
      gor: ph.gor0,
      fv: ph.fv0,
      dTemp: 0,
      pipOverride: null,
      noiseQ: 0.015,
      noiseI: 0.01,
      noiseV: 0.04,
      noiseP: 0.006,
      tauT: 25 * MIN,
      tauP: 15 * MIN,
      pipTarget: ph.ps,
      tempTarget: ph.tRes,
    };
    if (code !== null) FAULT_EFFECTS[code]?.(pt, fault!, { prog, k, fr, qExp, ph, well: this.well, r });
    if (this.drifts.length) {
      const dr = this.driftAt(ts);
      // Current creep raises the load part (and torque with it); heat follows the current below.
      const load = pt.cur - ph.i0;
      pt.cur = ph.i0 + load * dr.curMul;
      pt.tq *= dr.curMul;
      pt.vib *= dr.vibMul;
      pt.dTemp += dr.tempAdd;
    }
    // Cooling by flow past the motor (≈ 1 ft/s needed): less flow → hotter.
    const flowFrac = Math.max(0, Math.min(1.2, pt.q / Math.max(1e-6, qExp)));
    const cooling = 0.4 + 0.6 * flowFrac;
    const heat = (pt.cur / ibase) ** 2;
    pt.tempTarget = ph.tRes + (ph.tRise * heat) / cooling + pt.dTemp;
    // A broken shaft (little load) and a closed valve have explicit temperature behaviour: no generic no-flow
    // heating for them.
    if (code === 'BROKEN_SHAFT' || code === 'CLOSED_VALVE') pt.tempTarget = ph.tRes + ph.tRise + pt.dTemp;
    pt.pipTarget = pt.pipOverride ?? ph.ps - pt.q / ph.pi;
    if (code === 'GAS_LOCK') pt.pipTarget = ph.ps - qExp / ph.pi;
    if (justStarted) pt.cur = (this.well.rated_current_a ?? ibase) * (3 + 3 * r.next()); // inrush if sampled
    pt.q *= 1 + pt.noiseQ * r.gauss();
    pt.cur *= 1 + pt.noiseI * r.gauss();
    pt.tq *= 1 + Math.max(0.015, pt.noiseI) * r.gauss();
    pt.vib *= 1 + pt.noiseV * r.gauss();
    pt.gor = (pt.gor ?? ph.gor0) * (1 + 0.03 * r.gauss());
    pt.fv = pt.fv * (1 + 0.12 * r.gauss());
    pt.pipTarget *= 1 + pt.noiseP * r.gauss();
    return pt;
  }

  /** Thermal and pressure lags: the motor temperature and PIP move toward their targets; returns the PIP read. */
  private applyLags(pt: OperatingPoint, dt: number, code: DiagnosisCode | null): number {
    const ph = this.phys;
    if (Number.isNaN(this.temp)) this.temp = pt.tempTarget;
    else this.temp += (pt.tempTarget - this.temp) * (1 - Math.exp(-dt / pt.tauT));
    if (Number.isNaN(this.pip) || !this.running) {
      if (Number.isNaN(this.pip)) this.pip = pt.pipTarget;
      else this.pip += (ph.ps - this.pip) * (1 - Math.exp(-dt / (1.5 * HOUR)));
    } else {
      const lagged = this.pip + (pt.pipTarget - this.pip) * (1 - Math.exp(-dt / pt.tauP));
      // Measurement noise is already in pipTarget: keep the lagged mean, except under gas, where the noise is the
      // signal.
      this.pip = code === 'GAS_LOCK' || code === 'GAS_INTERFERENCE' ? pt.pipTarget : lagged;
    }
    return this.running && pt.tauP <= 15 * MIN ? this.pip * (1 + 0.004 * this.rng.gauss()) : this.pip;
  }

  /** The reading as the gateway sends it: rounded, with a faulty sensor's value and the channels not measured. */
  private reading(ts: number, f: number, pt: OperatingPoint, pipOut: number, code: DiagnosisCode | null, fault: FaultState | null): Reading {
    const out: Reading = {
      well_id: this.well.well_id,
      ts,
      flow_rate: rnd(Math.max(0, pt.q), 1),
      pip: rnd(Math.max(0, pipOut), 1),
      motor_current: rnd(Math.max(0, pt.cur), 2),
      motor_temp: rnd(this.temp + (this.running ? 0.3 * this.rng.gauss() : 0), 2),
      vibration: rnd(Math.max(0, pt.vib), 3),
      vsd_frequency: rnd(f, 2),
      flow_variance: rnd(Math.max(0, pt.fv), 2),
      torque: rnd(Math.max(0, pt.tq), 1),
      gor: pt.gor === null ? null : rnd(Math.max(0, pt.gor), 1),
    };
    if (code === 'SENSOR_FAULT' && fault!.channel && this.running) {
      const c = fault!.channel;
      if (fault!.mode === 0) {
        if (fault!.frozen === null || fault!.frozen === undefined) fault!.frozen = out[c];
        out[c] = fault!.frozen;
      } else if (fault!.mode === 1) {
        out[c] = ({ pip: 10_000, motor_temp: 300, vibration: 50, flow_rate: 60_000, torque: 0 } as Record<string, number>)[c] ?? 0;
      } else out[c] = 0;
    }
    for (const c of this.missing) out[c] = null;
    return out;
  }
}

/** One step of a well before lags and rounding: channel values, what temperature and PIP head for, and how fast. */
interface OperatingPoint {
  q: number;
  cur: number;
  tq: number;
  vib: number;
  gor: number | null;
  fv: number;
  /** Temperature offset from the fault and drifts, °C. */
  dTemp: number;
  /** PIP the fault imposes instead of the inflow relation (static − Q/PI). */
  pipOverride: number | null;
  /** Relative measurement noise of flow, current, vibration and PIP. */
  noiseQ: number;
  noiseI: number;
  noiseV: number;
  noiseP: number;
  /** Time constants of the temperature and PIP lags, ms. */
  tauT: number;
  tauP: number;
  tempTarget: number;
  pipTarget: number;
}

/** A stopped pump: nothing flows or turns, the intake recovers to static pressure, the motor cools to reservoir. */
function stoppedPoint(ph: WellPhysics): OperatingPoint {
  return { q: 0, cur: 0, tq: 0, vib: 0, gor: null, fv: 0, dTemp: 0, pipOverride: null, noiseQ: 0, noiseI: 0, noiseV: 0, noiseP: 0, tauT: 25 * MIN, tauP: 15 * MIN, pipTarget: ph.ps, tempTarget: ph.tRes };
}

interface FaultContext {
  /** How far the fault has developed, 0–1. */
  prog: number;
  /** The fault's random draws (severity, flavour), fixed when it was injected. */
  k: number[];
  /** Drive frequency as a fraction of base. */
  fr: number;
  /** Healthy flow at this frequency. */
  qExp: number;
  ph: WellPhysics;
  well: SimWell;
  r: Rng;
}

/** What each developing fault does to the running pump's operating point (the signatures the engine looks for). */
const FAULT_EFFECTS: Partial<Record<DiagnosisCode, (pt: OperatingPoint, fault: FaultState, c: FaultContext) => void>> = {
  GAS_LOCK: (pt, _fault, { prog, k, fr, ph }) => {
    pt.q *= 1 - prog * (0.85 + 0.12 * k[0]);
    pt.noiseQ = 0.015 + prog * 0.3;
    pt.cur = ph.i0 * 1.1 + (pt.cur - ph.i0 * 1.1) * (1 - prog * (0.55 + 0.25 * k[1]));
    pt.noiseI = 0.01 + prog * (0.1 + 0.1 * k[2]);
    pt.gor = ph.gor0 * (1 + prog * (2 + 6 * k[3]));
    pt.fv = ph.fv0 + prog * (40 + 80 * k[4]);
    pt.noiseP = 0.006 + prog * (0.05 + 0.1 * k[5]);
    pt.dTemp = prog * (10 + 15 * k[6]);
    pt.tq *= (pt.cur - ph.i0) / Math.max(1e-6, ph.iLoad * fr * fr);
  },
  GAS_INTERFERENCE: (pt, _fault, { prog, k, ph, well }) => {
    pt.q *= 1 - prog * (0.12 + 0.16 * k[0]);
    pt.noiseQ = 0.015 + prog * 0.06;
    pt.cur *= 1 - prog * (0.06 + 0.07 * k[1]);
    pt.noiseI = 0.01 + prog * (0.025 + 0.02 * k[2]);
    pt.gor = ph.gor0 * (1 + prog * (0.6 + 1.4 * k[3]));
    pt.fv = ph.fv0 + prog * (12 + 18 * k[4]);
    pt.pipOverride = (well.bubble_point_psi ?? 1000) * (0.85 + 0.17 * k[5]);
    pt.dTemp = prog * (2 + 4 * k[6]);
    pt.vib *= 1 + prog * (0.1 + 0.2 * k[7]);
    pt.tq *= 1 - prog * 0.08;
  },
  PUMP_OFF: (pt, _fault, { prog, k, fr, qExp, ph }) => {
    pt.q *= 1 - prog * (0.5 + 0.3 * k[0]);
    pt.cur = ph.i0 + (pt.cur - ph.i0) * (1 - prog * (0.35 + 0.25 * k[1]));
    pt.pipOverride = ((ph.ps - qExp / ph.pi) * (1 - prog)) + prog * (ph.ps - qExp / ph.pi) * (0.03 + 0.09 * k[2]);
    pt.dTemp = prog * (8 + 12 * k[3]);
    pt.tq = ph.tq0 * fr * fr * (1 - prog * (0.35 + 0.25 * k[1]));
  },
  BROKEN_SHAFT: (pt, _fault, { k, ph }) => {
    pt.q *= 0.02 * k[0];
    pt.cur = ph.i0 * (1 + 0.03 * (k[1] - 0.5));
    pt.noiseI = 0.006;
    pt.tq = ph.tq0 * (0.02 + 0.04 * k[2]);
    pt.pipOverride = ph.ps;
    pt.tauP = (1 + k[3]) * HOUR;
    pt.dTemp = -ph.tRise * (0.1 + 0.4 * k[4]);
    pt.vib *= k[5] < 0.5 ? 0.4 + 0.3 * k[6] : 1.4 + 0.4 * k[6];
  },
  CLOSED_VALVE: (pt, _fault, { k, ph }) => {
    pt.q *= 0.03 * k[0];
    const drop = 0.15 + 0.15 * k[1];
    pt.cur = pt.cur * (1 - drop);
    pt.tq *= 1 - drop * 1.3;
    pt.pipOverride = ph.ps;
    pt.tauP = (1 + k[3]) * HOUR;
    pt.dTemp = 30 + 30 * k[2];
    pt.tauT = (8 + 15 * k[4]) * MIN;
  },
  TUBING_LEAK: (pt, _fault, { k, qExp, ph }) => {
    const lost = 0.22 + 0.26 * k[0];
    pt.q *= 1 - lost;
    pt.cur *= 1 + 0.04 * (k[1] - 0.5);
    pt.pipOverride = (ph.ps - qExp / ph.pi) * (1.06 + 0.12 * k[2]);
  },
  PUMP_WEAR: (pt, _fault, { prog, k, qExp, ph }) => {
    pt.q *= 1 - prog * (0.2 + 0.2 * k[0]);
    pt.pipOverride = (ph.ps - qExp / ph.pi) * (1 + prog * (0.05 + 0.1 * k[1]));
    pt.vib *= 1 + prog * (0.6 + 0.9 * k[2]);
    pt.cur *= 1 - prog * 0.05 * k[3];
  },
  SCALE: (pt, _fault, { prog, k }) => {
    pt.q *= 1 - prog * (0.15 + 0.2 * k[0]);
    const up = prog * (0.1 + 0.12 * k[1]);
    pt.cur *= 1 + up;
    pt.tq *= 1 + up * 1.4;
    pt.dTemp = prog * 6 * k[2];
  },
  SAND_PRODUCTION: (pt, _fault, { prog, k, ph, r }) => {
    pt.vib *= 1 + prog * (0.6 + 1.4 * k[0]);
    pt.noiseV = 0.04 + prog * 0.2;
    if (r.chance(0.2 * prog)) pt.vib *= 1.5 + 1.5 * r.next();
    if (r.chance(0.25 * prog)) {
      const s = 1 + (r.chance(0.5) ? 1 : -1) * (0.1 + 0.2 * r.next());
      pt.cur *= s;
      pt.tq *= s * s;
    }
    pt.noiseI = 0.01 + prog * 0.02;
    pt.noiseQ = 0.015 + prog * 0.05;
    pt.fv = ph.fv0 * (1 + prog * (0.5 + 1.5 * k[1]));
  },
  MOTOR_OVERHEAT: (pt, _fault, { prog, k, ph, well }) => {
    const lim = well.motor_temp_limit_c ?? 150;
    const runT = ph.tRes + ph.tRise;
    const target = k[0] < 0.5 ? lim - 3 + 20 * k[1] : runT + 28 + 20 * k[1];
    pt.dTemp = prog * (target - runT);
    pt.q *= 1 - prog * 0.12 * k[2];
  },
  MOTOR_OVERLOAD: (pt, _fault, { prog, k, fr, ph, well }) => {
    const ir = well.rated_current_a ?? ph.i0 / 0.3;
    const target = ir * (1.16 + 0.24 * k[0]);
    pt.cur = pt.cur + prog * (target - pt.cur);
    pt.tq *= 1 + prog * ((target - ph.i0) / Math.max(1e-6, ph.iLoad * fr * fr) - 1);
    pt.q *= 1 + prog * 0.05 * k[1];
    pt.dTemp = prog * (8 + 12 * k[2]);
  },
  HIGH_VIBRATION: (pt, _fault, { prog, k, ph, well }) => {
    const lim = well.vibration_limit_g ?? 2;
    const target = Math.max(lim * (1.1 + 0.9 * k[0]), ph.vib0 * (3.5 + 2.5 * k[1]));
    pt.vib = pt.vib + prog * (target - pt.vib);
  },
  UNKNOWN: (pt, fault, { k, qExp, ph }) => {
    // An anomaly that matches no signature: intake pressure collapses alone, or motor runs cold, or
    // surface flow reads high with everything else unchanged.
    if (fault.mode === 0) pt.pipOverride = (ph.ps - qExp / ph.pi) * (0.45 + 0.2 * k[0]);
    else if (fault.mode === 1) pt.dTemp = -(22 + 10 * k[0]);
    else pt.q *= 1.3 + 0.25 * k[0];
  },
  FREQUENT_CYCLING: (pt, _fault, { k }) => {
    pt.dTemp = 6 + 8 * k[0];
  },
};

function rnd(x: number, d: number): number {
  const p = 10 ** d;
  return Math.round(x * p) / p;
}

function stripNulls(o: Partial<WellNameplate>): Partial<WellNameplate> {
  const r: Partial<WellNameplate> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

export function defaultRamp(code: DiagnosisCode, r: Rng): number {
  switch (code) {
    case 'PUMP_WEAR':
    case 'SCALE':
      return r.uniform(14, 35) * DAY;
    case 'PUMP_OFF':
      return r.uniform(1, 3) * HOUR;
    case 'GAS_LOCK':
    case 'GAS_INTERFERENCE':
    case 'SAND_PRODUCTION':
    case 'MOTOR_OVERLOAD':
    case 'HIGH_VIBRATION':
      return r.uniform(10, 60) * MIN;
    case 'MOTOR_OVERHEAT':
      return r.uniform(30, 120) * MIN;
    default:
      return 0; // steps: broken shaft, closed valve, tubing leak, sensor, drive, stop
  }
}
