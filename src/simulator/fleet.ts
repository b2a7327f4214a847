// A live fleet: one WellModel per well, advanced in step with the clock; faults injected and cleared at will.
import type { DiagnosisCode } from '../domain/diagnosis.js';
import type { Channel, Reading } from '../domain/reading.js';
import { DRIFT_KINDS, WellModel, type DriftKind, type SimWell } from './model.js';
import { Rng } from './rng.js';

export interface FleetOptions {
  wells: number;
  seed?: number;
  /** Share of wells that start with a fault (drawn from `faults`). */
  faultFraction?: number;
  /** Faults and slow drifts (TEMP_CREEP, VIBRATION_GROWTH, CURRENT_CREEP) to start on `faultFraction` of the wells. */
  faults?: (DiagnosisCode | DriftKind)[];
  startTs?: number;
  /** Share of wells with one or two channels not measured. */
  missingFraction?: number;
  /** Compress slow faults (wear, scale) from weeks to this ramp, for demos. */
  slowRampMs?: number;
  /** Drifts reach their limit this long after they start (default 30 days). */
  driftToLimitMs?: number;
}

const DEFAULT_FAULTS: (DiagnosisCode | DriftKind)[] = ['GAS_LOCK', 'GAS_INTERFERENCE', 'PUMP_OFF', 'BROKEN_SHAFT', 'CLOSED_VALVE', 'TUBING_LEAK', 'SAND_PRODUCTION', 'MOTOR_OVERHEAT', 'MOTOR_OVERLOAD', 'HIGH_VIBRATION', 'VSD_ISSUE', 'SENSOR_FAULT'];
const OPTIONAL: Channel[] = ['torque', 'gor', 'flow_variance', 'vibration'];

export class FleetSimulator {
  private models: WellModel[] = [];
  private byId = new Map<string, WellModel>();
  private rng: Rng;
  private slowRampMs: number | undefined;
  private driftToLimitMs: number;

  constructor(o: FleetOptions) {
    this.rng = new Rng(o.seed ?? 1);
    this.slowRampMs = o.slowRampMs;
    this.driftToLimitMs = o.driftToLimitMs ?? 30 * 86_400_000;
    const start = o.startTs ?? Date.now();
    const faults = o.faults && o.faults.length ? o.faults : DEFAULT_FAULTS;
    const nFault = Math.round((o.faultFraction ?? 0) * o.wells);
    const width = String(o.wells).length;
    for (let i = 0; i < o.wells; i++) {
      const rng = new Rng((o.seed ?? 1) * 1_000_003 + i);
      const missing = rng.chance(o.missingFraction ?? 0.15) ? [rng.pick(OPTIONAL)] : [];
      const m = new WellModel({ rng, wellId: `WELL-${String(i + 1).padStart(Math.max(3, width), '0')}`, missing, operatorStepMeanMs: 2 * 86_400_000 });
      m.setOperatorSteps(2 * 86_400_000, start);
      this.models.push(m);
      this.byId.set(m.well.well_id, m);
    }
    // Faulty wells spread over the fleet, each starting a little after the start.
    for (let j = 0; j < nFault; j++) {
      const idx = Math.floor((j * o.wells) / nFault);
      const code = faults[j % faults.length];
      this.injectFault(this.models[idx].well.well_id, code, start + this.rng.uniform(1, 20) * 60_000);
    }
  }

  wells(): SimWell[] {
    return this.models.map((m) => m.well);
  }

  /** One reading per well at ts, continuing each well's state. */
  next(ts: number): Reading[] {
    const out: Reading[] = new Array(this.models.length);
    for (let i = 0; i < this.models.length; i++) out[i] = this.models[i].step(ts);
    return out;
  }

  injectFault(wellId: string, code: DiagnosisCode | DriftKind, ts: number): void {
    const m = this.byId.get(wellId);
    if (!m) throw new Error(`unknown well ${wellId}`);
    if ((DRIFT_KINDS as readonly string[]).includes(code)) {
      this.startDrift(m, code as DriftKind, ts);
      return;
    }
    const slow = code === 'PUMP_WEAR' || code === 'SCALE';
    m.injectFault(code as DiagnosisCode, ts, slow ? this.slowRampMs : undefined);
  }

  /** A drift sized so the channel reaches the well's limit driftToLimitMs after ts (at the present setpoint). */
  private startDrift(m: WellModel, kind: DriftKind, ts: number): void {
    const days = this.driftToLimitMs / 86_400_000;
    const ph = m.phys;
    const w = m.well;
    if (kind === 'TEMP_CREEP') m.addDrift({ kind, start: ts, rate: ((w.motor_temp_limit_c ?? 150) - m.nominal(ts, 'motor_temp')) / days });
    else if (kind === 'CURRENT_CREEP') {
      const i = m.nominal(ts, 'motor_current');
      m.addDrift({ kind, start: ts, rate: ((w.rated_current_a ?? 1.25 * i) - i) / (i - ph.i0) / days });
    } else {
      const v = m.nominal(ts, 'vibration');
      const k = 4 / days; // about four e-foldings to the limit
      m.addDrift({ kind, start: ts, rate: k, amp: ((w.vibration_limit_g ?? 2) / v - 1) / (Math.exp(k * days) - 1) });
    }
  }

  clearFault(wellId: string, ts: number): void {
    this.byId.get(wellId)?.clearFault(ts);
  }

  faultOf(wellId: string): DiagnosisCode | null {
    // (drifts are not faults: they show up in trends and forecasts)
    return this.byId.get(wellId)?.fault?.code ?? null;
  }
}
