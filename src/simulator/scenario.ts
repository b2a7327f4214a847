// Labelled scenarios: a healthy history long enough to learn a baseline, then the fault (or healthy data).
import type { DiagnosisCode } from '../domain/diagnosis.js';
import type { Channel, Reading } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import { defaultRamp, WellModel, type DriftKind, type SimWell } from './model.js';
import { Rng } from './rng.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ScenarioOptions {
  code: DiagnosisCode;
  seed: number;
  intervalMs: number;
  /** Nameplate fields to fix (the rest random). */
  nameplate?: Partial<WellNameplate>;
  missing?: Channel[];
  /** Healthy history before the fault; default max(2 days, 48 samples). */
  historyMs?: number;
  startTs?: number;
  wellId?: string;
}

export interface Scenario {
  well: SimWell;
  readings: Reading[];
  label: DiagnosisCode;
  faultStartTs?: number;
  /** End of the healthy history (= fault start; for NORMAL, where the scenario's final stretch begins). */
  historyEndTs: number;
}

/** How long the fault has been present when the scenario ends: long enough to be persistent. */
function faultDuration(code: DiagnosisCode, intervalMs: number, ramp: number, r: Rng): number {
  const hold = Math.max(HOUR, 8 * intervalMs) * r.uniform(1, 1.5);
  switch (code) {
    case 'PUMP_WEAR':
    case 'SCALE':
      return ramp * r.uniform(0.85, 1.05);
    case 'FREQUENT_CYCLING':
      return r.uniform(1.5, 2.5) * DAY;
    case 'SHUT_DOWN':
      return Math.max(HOUR, 3 * intervalMs) * r.uniform(1, 1.5);
    default:
      return ramp + hold;
  }
}

export function generateScenario(o: ScenarioOptions): Scenario {
  const r = new Rng(o.seed);
  const start = o.startTs ?? Date.UTC(2025, 0, 1) + Math.floor(r.uniform(0, 200)) * DAY;
  const model = new WellModel({
    rng: r,
    nameplate: o.nameplate,
    wellId: o.wellId ?? `SIM-${o.code}-${o.seed}`,
    missing: o.missing,
    lowFlow: o.code === 'LOW_FLOW',
    operatorStepMeanMs: 2 * DAY,
  });
  const dt = o.intervalMs;
  const history = o.historyMs ?? Math.max(2 * DAY, 48 * dt);
  const faultStart = start + Math.round(history / dt) * dt;
  // A planned stop somewhere in the history (stopped is not failed: it must not poison the baseline).
  if (r.chance(0.5)) {
    // ...ending well before the fault, so the well has long settled again when the fault starts.
    const at = start + r.uniform(0.1, 0.4) * history;
    model.scheduleStop(at, at + Math.min(r.uniform(1, 4) * HOUR, 0.3 * history));
  }
  model.setOperatorSteps(2 * DAY, start);
  const ramp = defaultRamp(o.code, r);
  const dur = faultDuration(o.code, dt, ramp, r);
  const end = faultStart + Math.round(dur / dt) * dt;
  // Healthy wells often see an operator frequency change near the end: must stay NORMAL (affinity laws).
  if ((o.code === 'NORMAL' || o.code === 'LOW_FLOW') && r.chance(0.5)) {
    const fb = model.phys.fb;
    const to = Math.min(1.08 * fb, Math.max(0.75 * fb, model.phys.f0 + r.uniform(3, 7) * (r.chance(0.5) ? 1 : -1)));
    model.scheduleFrequencyStep(faultStart + r.uniform(0, 0.6) * (end - faultStart), to);
  }
  const readings: Reading[] = [];
  let injected = false;
  for (let ts = start; ts <= end; ts += dt) {
    if (!injected && ts >= faultStart) {
      injected = true;
      model.setOperatorSteps(0, ts); // no random operator steps once the scenario's event has begun
      if (o.code !== 'NORMAL' && o.code !== 'LOW_FLOW') model.injectFault(o.code, ts, ramp);
    }
    readings.push(model.step(ts));
  }
  const s: Scenario = { well: model.well, readings, label: o.code, historyEndTs: faultStart };
  if (o.code !== 'NORMAL') s.faultStartTs = faultStart;
  return s;
}

export { MIN as MINUTE_MS };

/** Slow cases over weeks of history: a slow fault, a drift toward a limit, an acute step days ago, or healthy. */
export type LongKind = 'NORMAL' | 'PUMP_WEAR' | 'SCALE' | 'TUBING_LEAK' | 'LOW_FLOW' | DriftKind;

export interface LongScenarioOptions {
  kind: LongKind;
  seed: number;
  /** Sampling interval; default 1 h. */
  intervalMs?: number;
  /** History length; default 60 days. */
  days?: number;
  /** Days between the onset and the end of the history; default 10–50 (random). */
  onsetDaysBeforeEnd?: number;
  /**
   * Drifts: days after the end at which the channel reaches its limit (nominal, at the final setpoint); default
   * 5–40 (random). Slow faults: the ramp is chosen so the pump is worn/scaled partially at the end.
   */
  limitDaysAfterEnd?: number;
  nameplate?: Partial<WellNameplate>;
  missing?: Channel[];
  /** Mean time between operator speed steps; default 5 days (0: none). */
  operatorStepMeanMs?: number;
  startTs?: number;
  wellId?: string;
}

export interface LongScenario {
  well: SimWell;
  model: WellModel;
  readings: Reading[];
  kind: LongKind;
  onsetTs: number | null;
  endTs: number;
  /** Drifts: the channel heading to its limit. */
  channel: 'motor_temp' | 'vibration' | 'motor_current' | 'flow_rate' | null;
  limit: number | null;
}

const DRIFT_CHANNEL = { TEMP_CREEP: 'motor_temp', VIBRATION_GROWTH: 'vibration', CURRENT_CREEP: 'motor_current' } as const;

/**
 * Weeks of history (hourly by default) with operator speed steps and a planned stop, ending with a slow fault or a
 * drift that began `onsetDaysBeforeEnd` earlier. Drift rates are set so that the nominal channel reaches the
 * well's limit `limitDaysAfterEnd` days after the end at the final setpoint (the forecast's ground truth).
 */
export function generateLongScenario(o: LongScenarioOptions): LongScenario {
  const r = new Rng(o.seed);
  const days = o.days ?? 60;
  const dt = o.intervalMs ?? HOUR;
  const start = o.startTs ?? Date.UTC(2025, 0, 1) + Math.floor(r.uniform(0, 200)) * DAY;
  const end = start + Math.round((days * DAY) / dt) * dt;
  const onsetDays = o.onsetDaysBeforeEnd ?? r.uniform(10, 50);
  const onset = end - onsetDays * DAY;
  const model = new WellModel({
    rng: r,
    nameplate: o.nameplate,
    wellId: o.wellId ?? `SIM-${o.kind}-${o.seed}`,
    missing: o.missing,
    lowFlow: o.kind === 'LOW_FLOW',
    operatorStepMeanMs: o.operatorStepMeanMs ?? 5 * DAY,
  });
  const stepMean = o.operatorStepMeanMs ?? 5 * DAY;
  model.setOperatorSteps(stepMean, start);
  if (r.chance(0.6)) {
    const at = start + r.uniform(0.15, 0.9) * days * DAY;
    model.scheduleStop(at, at + r.uniform(1, 8) * HOUR);
  }
  const kind = o.kind;
  let channel: LongScenario['channel'] = null;
  let limit: number | null = null;
  const readings: Reading[] = [];
  let injected = false;
  const toLimit = o.limitDaysAfterEnd ?? r.uniform(5, 40);
  for (let ts = start; ts <= end; ts += dt) {
    if (!injected && ts >= onset && kind !== 'NORMAL' && kind !== 'LOW_FLOW') {
      injected = true;
      if (kind === 'PUMP_WEAR' || kind === 'SCALE') model.injectFault(kind, ts, onsetDays * r.uniform(1, 2.5) * DAY);
      else if (kind === 'TUBING_LEAK') {
        model.setOperatorSteps(0, ts);
        model.injectFault(kind, ts, 0);
      } else {
        const ch = DRIFT_CHANNEL[kind];
        channel = ch;
        const w = model.well;
        const ph = model.phys;
        limit = ch === 'motor_temp' ? (w.motor_temp_limit_c ?? 150) : ch === 'vibration' ? (w.vibration_limit_g ?? 2) : (w.rated_current_a ?? (ph.i0 + ph.iLoad) * 1.25);
        // Rate from the nominal value now (at the present setpoint) so that the limit falls toLimit days after the end.
        const total = onsetDays + toLimit;
        const v0 = model.nominal(ts, ch);
        if (kind === 'TEMP_CREEP') model.addDrift({ kind, start: ts, rate: (limit - v0) / total });
        else if (kind === 'CURRENT_CREEP') {
          const load0 = v0 - ph.i0;
          model.addDrift({ kind, start: ts, rate: (limit - v0) / load0 / total });
        } else {
          const k = r.uniform(0.04, 0.12);
          model.addDrift({ kind, start: ts, rate: k, amp: (limit / v0 - 1) / (Math.exp(k * total) - 1) });
        }
      }
    }
    readings.push(model.step(ts));
  }
  return { well: model.well, model, readings, kind, onsetTs: kind === 'NORMAL' || kind === 'LOW_FLOW' ? null : onset, endTs: end, channel, limit };
}
