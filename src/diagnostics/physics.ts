// ESP physics used to compare readings across operating points (ESP-DIAGNOSTICS.md section 3).
import type { WellNameplate } from '../domain/well.js';
import { NAMEPLATE_DEFAULTS } from '../domain/well.js';

/** No-load (magnetising + friction) current as a fraction of nameplate amps: 25–35 % in practice. */
export const NO_LOAD_FRACTION = 0.3;
/** A healthy ESP typically draws 75–95 % of nameplate at base frequency: used to guess no-load amps from a
 * learned baseline when the nameplate current is unknown (0.3 / 0.85 ≈ 0.35). */
export const NO_LOAD_FRACTION_OF_BASELINE = 0.35;
/** Below this the affinity normalisation divides by ~0 and is meaningless. */
export const MIN_NORMALISABLE_HZ = 5;
/** Drive output below this is "stopped". */
export const STOP_FREQUENCY_HZ = 1;
/** Below ~55 % of base frequency an ESP makes too little head to lift and thrust bearings suffer. */
export const USEFUL_MIN_FREQUENCY_FRACTION = 0.55;

/** The nameplate with defaults applied; null where neither the nameplate nor a default gives a value. */
export interface WellParams {
  baseFrequencyHz: number;
  baseFrequencyKnown: boolean;
  ratedFlowBpd: number | null;
  minFlowBpd: number | null;
  maxFlowBpd: number | null;
  ratedCurrentA: number | null;
  motorTempLimitC: number;
  bubblePointPsi: number | null;
  vibrationLimitG: number;
}

function positive(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

export function resolveWell(well: Partial<WellNameplate> | null | undefined): WellParams {
  const w = well ?? {};
  const fb = positive(w.base_frequency_hz);
  const rated = positive(w.rated_flow_bpd);
  return {
    baseFrequencyHz: fb ?? NAMEPLATE_DEFAULTS.base_frequency_hz,
    baseFrequencyKnown: fb !== null,
    ratedFlowBpd: rated,
    minFlowBpd: positive(w.min_flow_bpd) ?? (rated !== null ? rated * NAMEPLATE_DEFAULTS.min_flow_fraction_of_rated : null),
    maxFlowBpd: positive(w.max_flow_bpd) ?? (rated !== null ? rated * NAMEPLATE_DEFAULTS.max_flow_fraction_of_rated : null),
    ratedCurrentA: positive(w.rated_current_a),
    motorTempLimitC: positive(w.motor_temp_limit_c) ?? NAMEPLATE_DEFAULTS.motor_temp_limit_c,
    bubblePointPsi: positive(w.bubble_point_psi),
    vibrationLimitG: positive(w.vibration_limit_g) ?? NAMEPLATE_DEFAULTS.vibration_limit_g,
  };
}

/** Affinity law: flow at base frequency, Q_base = Q · fb / f. NaN when the drive is (nearly) stopped. */
export function flowAtBase(q: number, f: number, fb: number): number {
  return f >= MIN_NORMALISABLE_HZ ? (q * fb) / f : NaN;
}

/** Current at base frequency: no-load part constant, load part ∝ (f/fb)² at constant V/Hz. */
export function currentAtBase(i: number, f: number, fb: number, i0: number): number {
  if (f < MIN_NORMALISABLE_HZ) return NaN;
  const r = (fb / f) ** 2;
  return i0 + (i - i0) * r;
}

/** Inverse of currentAtBase: what a healthy motor should draw at frequency f. */
export function currentAtFrequency(iBase: number, f: number, fb: number, i0: number): number {
  return i0 + (iBase - i0) * (f / fb) ** 2;
}

/** Shaft torque ∝ hydraulic power / speed ∝ f². */
export function torqueAtBase(tq: number, f: number, fb: number): number {
  return f >= MIN_NORMALISABLE_HZ ? tq * (fb / f) ** 2 : NaN;
}

export function noLoadCurrent(ratedCurrentA: number | null, baselineCurrentAtBase: number | null): number | null {
  if (ratedCurrentA !== null) return NO_LOAD_FRACTION * ratedCurrentA;
  if (baselineCurrentAtBase !== null && baselineCurrentAtBase > 0) return NO_LOAD_FRACTION_OF_BASELINE * baselineCurrentAtBase;
  return null;
}

/** Amps below which a motor is off (not merely unloaded, which still draws no-load current). */
export function stopCurrentThreshold(ratedCurrentA: number | null): number {
  return ratedCurrentA !== null ? Math.max(0.5, 0.08 * ratedCurrentA) : 1.0;
}

/**
 * Stopped = drive frequency ≈ 0 and current ≈ 0. Uses whichever of the two is measured; with neither, a zero
 * flow alone cannot tell a stop from a fault, so the well counts as running.
 */
export function isStopped(freq: number, current: number, stopCurrentA: number): boolean {
  const fKnown = !Number.isNaN(freq);
  const iKnown = !Number.isNaN(current);
  if (!fKnown && !iKnown) return false;
  if (fKnown && freq >= STOP_FREQUENCY_HZ) return false;
  if (iKnown && current > stopCurrentA) return false;
  return true;
}

export function usefulMinFrequency(fb: number): number {
  return USEFUL_MIN_FREQUENCY_FRACTION * fb;
}
