// A well's own normal: robust statistics (median, MAD) of frequency-normalised channels over healthy running
// periods. Plain JSON so it can be stored (JSONB) and passed back in.
import type { Reading } from '../domain/reading.js';
import { CHANNEL_SPECS } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import {
  currentAtBase,
  flowAtBase,
  isStopped,
  MIN_NORMALISABLE_HZ,
  NO_LOAD_FRACTION,
  NO_LOAD_FRACTION_OF_BASELINE,
  resolveWell,
  stopCurrentThreshold,
  torqueAtBase,
  usefulMinFrequency,
  type WellParams,
} from './physics.js';
import { madInPlace, medianInPlace, round } from './stats.js';
import { CH_FIELDS, F, FV, G, I, NCH, P, Q, readingValue, SETTLE_MS, T, TQ, V } from './window.js';

export interface ChannelStat {
  median: number;
  /** Median absolute deviation (robust spread; × 1.4826 ≈ σ for normal noise). */
  mad: number;
  n: number;
}

export interface Baseline {
  version: 1;
  from_ts: number;
  to_ts: number;
  samples: number;
  /** Base frequency the normalised channels refer to. */
  base_frequency_hz: number;
  /** No-load amps used to normalise current (from the nameplate, or estimated). */
  no_load_current_a: number | null;
  frequency_hz: ChannelStat | null;
  /** Flow at base frequency (affinity law), bbl/day. */
  flow_norm: ChannelStat | null;
  /** Current at base frequency (no-load + load·(fb/f)²), A. */
  current_norm: ChannelStat | null;
  pip: ChannelStat | null;
  motor_temp: ChannelStat | null;
  vibration: ChannelStat | null;
  flow_variance: ChannelStat | null;
  /** Torque at base frequency (∝ f²), N·m. */
  torque_norm: ChannelStat | null;
  gor: ChannelStat | null;
  /** Median PIP per 1 Hz drive-frequency bin ([hz, psi] pairs): PIP depends on drawdown, hence on speed. */
  pip_by_frequency?: [number, number][];
}

export const BASELINE_MIN_SAMPLES = 8;
export const BASELINE_MIN_SPAN_MS = 20 * 60_000;
const MAX_BASELINE_SAMPLES = 4096;

/** A raw sample row: ts plus the nine channels in CH_FIELDS order, NaN = absent. */
export interface SampleRow {
  ts: number;
  v: Float64Array;
}

/** True when a value is impossible or pinned at gauge full scale (never healthy data). */
export function outOfRange(c: number, x: number): boolean {
  const spec = CHANNEL_SPECS[CH_FIELDS[c]];
  if (x < spec.min) return true;
  if (spec.max === undefined) return false;
  if (x > spec.max) return true;
  // Pinned at (near) gauge full scale; frequency and torque have no gauge full scale in the spec.
  return c !== F && c !== TQ && x >= 0.98 * spec.max;
}

/** Rows that look like healthy, settled running data by hard limits alone (no baseline needed). */
export function healthyRow(p: WellParams, v: Float64Array): boolean {
  const f = v[F];
  if (!Number.isNaN(f) && f < usefulMinFrequency(p.baseFrequencyHz)) return false;
  if (!Number.isNaN(v[T]) && v[T] >= p.motorTempLimitC - 5) return false;
  if (!Number.isNaN(v[V]) && v[V] >= p.vibrationLimitG) return false;
  if (p.ratedCurrentA !== null && !Number.isNaN(v[I]) && v[I] > 1.1 * p.ratedCurrentA) return false;
  for (let c = 0; c < NCH; c++) if (!Number.isNaN(v[c]) && outOfRange(c, v[c])) return false;
  return true;
}

function stat(buf: Float64Array, n: number, digits = 4): ChannelStat | null {
  if (n < BASELINE_MIN_SAMPLES / 2) return null;
  const m = medianInPlace(buf, n);
  const mad = madInPlace(buf, n, m);
  return { median: round(m, digits), mad: round(mad, digits), n };
}

/** Core: robust stats over already selected healthy running rows. */
export function baselineFromRows(p: WellParams, rows: readonly SampleRow[]): Baseline | null {
  if (rows.length < BASELINE_MIN_SAMPLES) return null;
  const span = rows[rows.length - 1].ts - rows[0].ts;
  if (span < BASELINE_MIN_SPAN_MS) return null;
  const fb = p.baseFrequencyHz;
  const n = rows.length;
  const buf = new Float64Array(n);
  const col = (fn: (v: Float64Array) => number): number => {
    let k = 0;
    for (const r of rows) {
      const x = fn(r.v);
      if (Number.isFinite(x)) buf[k++] = x;
    }
    return k;
  };
  // Missing frequency: assume the well runs at base frequency (no normalisation possible).
  const fOf = (v: Float64Array): number => (Number.isNaN(v[F]) ? fb : v[F]);
  let i0: number | null = p.ratedCurrentA !== null ? NO_LOAD_FRACTION * p.ratedCurrentA : null;
  if (i0 === null) {
    // Estimate no-load amps from the well's own current (two fixed-point passes are plenty).
    let k = col((v) => currentAtBase(v[I], fOf(v), fb, 0));
    if (k >= BASELINE_MIN_SAMPLES / 2) {
      let est = NO_LOAD_FRACTION_OF_BASELINE * medianInPlace(buf, k);
      for (let it = 0; it < 2; it++) {
        const e = est;
        k = col((v) => currentAtBase(v[I], fOf(v), fb, e));
        est = NO_LOAD_FRACTION_OF_BASELINE * medianInPlace(buf, k);
      }
      i0 = est;
    }
  }
  const i0v = i0 ?? 0;
  const b: Baseline = {
    version: 1,
    from_ts: rows[0].ts,
    to_ts: rows[n - 1].ts,
    samples: n,
    base_frequency_hz: fb,
    no_load_current_a: i0 === null ? null : round(i0, 3),
    frequency_hz: stat(buf, col((v) => v[F])),
    flow_norm: stat(buf, col((v) => flowAtBase(v[Q], fOf(v), fb))),
    current_norm: stat(buf, col((v) => currentAtBase(v[I], fOf(v), fb, i0v))),
    pip: stat(buf, col((v) => v[P])),
    motor_temp: stat(buf, col((v) => v[T])),
    vibration: stat(buf, col((v) => v[V])),
    flow_variance: stat(buf, col((v) => v[FV])),
    torque_norm: stat(buf, col((v) => torqueAtBase(v[TQ], fOf(v), fb))),
    gor: stat(buf, col((v) => v[G])),
  };
  // PIP per frequency bin, so that after an operator speed change PIP is compared at the same speed.
  const bins = new Map<number, number[]>();
  for (const r of rows) {
    if (Number.isNaN(r.v[F]) || Number.isNaN(r.v[P])) continue;
    const k = Math.round(r.v[F]);
    let a = bins.get(k);
    if (!a) bins.set(k, (a = []));
    a.push(r.v[P]);
  }
  const table: [number, number][] = [];
  for (const [k, a] of [...bins.entries()].sort((x, y) => x[0] - y[0])) {
    if (a.length < 4) continue;
    const fa = Float64Array.from(a);
    table.push([k, round(medianInPlace(fa, fa.length), 2)]);
  }
  if (table.length > 0) b.pip_by_frequency = table;
  return b;
}

/**
 * Follows a well's running state through readings in timestamp order: a reading is settled running data when the
 * pump runs and, after a start seen in the data, has run SETTLE_MS (a history that opens mid-run is settled at once).
 */
export class SettledRunning {
  private running = false;
  private since = NaN;
  private observed = false;
  private first = true;

  constructor(private readonly stopCurrentA: number) {}

  /** Feeds one reading's frequency and current; true when it is settled running data. */
  settled(ts: number, frequencyHz: number, currentA: number): boolean {
    if (isStopped(frequencyHz, currentA, this.stopCurrentA)) this.running = false;
    else if (!this.running) {
      this.running = true;
      this.since = ts;
      this.observed = !this.first;
    }
    this.first = false;
    return this.running && !(this.observed && ts - this.since < SETTLE_MS);
  }
}

/** Select settled running rows that pass the hard limits (stops and start-up transients excluded). */
export function selectHealthyRows(p: WellParams, readings: readonly Reading[]): SampleRow[] {
  const state = new SettledRunning(stopCurrentThreshold(p.ratedCurrentA));
  const rows: SampleRow[] = [];
  for (const r of readings) {
    const v = new Float64Array(NCH);
    for (let c = 0; c < NCH; c++) v[c] = readingValue(r, c);
    if (!state.settled(r.ts, v[F], v[I])) continue;
    if (!Number.isNaN(v[F]) && v[F] < MIN_NORMALISABLE_HZ) continue;
    if (!healthyRow(p, v)) continue;
    rows.push({ ts: r.ts, v });
  }
  if (rows.length <= MAX_BASELINE_SAMPLES) return rows;
  const stride = rows.length / MAX_BASELINE_SAMPLES;
  const out: SampleRow[] = [];
  for (let k = 0; k < MAX_BASELINE_SAMPLES; k++) out.push(rows[Math.floor(k * stride)]);
  out.push(rows[rows.length - 1]);
  return out;
}

/**
 * Learn a baseline from readings believed healthy (e.g. the weeks before a diagnosis window). Returns null when
 * there are too few settled running samples (fewer than 8, or spanning less than 20 minutes).
 */
export function learnBaseline(well: Partial<WellNameplate>, readings: Reading[]): Baseline | null {
  const p = resolveWell(well);
  const sorted = isSorted(readings) ? readings : [...readings].sort((a, b) => a.ts - b.ts);
  return baselineFromRows(p, selectHealthyRows(p, sorted));
}

export function isSorted(readings: readonly Reading[]): boolean {
  for (let k = 1; k < readings.length; k++) if (readings[k].ts < readings[k - 1].ts) return false;
  return true;
}

/** Defensive check for a baseline coming back from storage (JSON). */
export function isBaseline(x: unknown): x is Baseline {
  return typeof x === 'object' && x !== null && (x as Baseline).version === 1 && typeof (x as Baseline).base_frequency_hz === 'number';
}
