// Labelled scenarios: a healthy history long enough to learn a baseline, then the fault (or healthy data).
import type { DiagnosisCode } from '../domain/diagnosis.js';
import type { Channel, Reading } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import { defaultRamp, WellModel, type SimWell } from './model.js';
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
