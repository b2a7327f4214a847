// Slow degradation (ESP-DIAGNOSTICS.md §6): a reference period that does not drift, robust daily aggregates of the
// frequency-normalised channels, Theil–Sen trends with Mann–Kendall significance, the slow codes (PUMP_WEAR,
// SCALE) judged against the reference, and time-to-limit forecasts. Pure functions; readings may arrive in any
// order (backfills, shuffled batches): everything is sorted by timestamp first.
import type { Evidence } from '../domain/diagnosis.js';
import type { Reading } from '../domain/reading.js';
import type {
  ChannelTrend,
  Forecast,
  ForecastChannel,
  ForecastModel,
  ForecastPoint,
  ForecastWarning,
  ReferencePeriod,
  TrendChannel,
} from '../domain/surveillance.js';
import { TREND_CHANNELS } from '../domain/surveillance.js';
import type { WellNameplate } from '../domain/well.js';
import { healthyRow, outOfRange, SettledRunning } from './baseline.js';
import { prepareReadings } from './engine.js';
import { MIN_NORMALISABLE_HZ, NO_LOAD_FRACTION, NO_LOAD_FRACTION_OF_BASELINE, resolveWell, stopCurrentThreshold, type WellParams } from './physics.js';
import { clamp01, MAD_TO_SIGMA, median, ramp, round } from './stats.js';
import { mannKendall, theilSen } from './trendstats.js';
import { F, FV, G, I, NCH, P, Q, readingValue, T, TQ, V } from './window.js';

const DAY = 86_400_000;
/** Days of settled, healthy running data that make an automatic reference. */
export const REFERENCE_DAYS = 5;
export const REFERENCE_MIN_BUCKETS = 3;
/** Trends look back at most this far. */
export const TREND_MAX_DAYS = 60;
export const TREND_MIN_POINTS = 5;
/** Mann–Kendall two-sided significance level. */
export const TREND_ALPHA = 0.01;
/** Sparse wells: a bucket holds at least this many samples (per-N-samples aggregates instead of daily). */
const BUCKET_MIN_SAMPLES = 6;

/** Indices into a bucket's values, in TREND_CHANNELS order. */
const C_FLOW = 0, C_CUR = 1, C_TQ = 2, C_PIP = 3, C_TEMP = 4, C_VIB = 5;
const NT = TREND_CHANNELS.length;
/** Channels without an affinity law: their residual dependence on speed is measured at operator steps. */
const SPEED_REGRESSED = [C_PIP, C_TEMP, C_VIB];
/**
 * Vibration scales with speed multiplicatively (the exciting forces grow with ω², and a worn bearing multiplies the
 * response): its speed dependence is measured and taken out on the log scale, so it stays right as the level grows.
 */
const SPEED_RELATIVE = C_VIB;

export interface ReferenceStat {
  /** Median of the bucket medians over the reference period (normalised units, see ChannelTrend). */
  median: number;
  /** Robust day-to-day scatter (1.4826 × MAD of the bucket medians). */
  scatter: number;
  n: number;
}

/** A well's reference: the healthy, settled days that slow degradation is judged against. Plain JSON. */
export interface Reference {
  period: ReferencePeriod;
  from_ts: number;
  to_ts: number;
  buckets: number;
  no_load_current_a: number | null;
  /** Median drive frequency over the reference, Hz. */
  frequency_hz: number | null;
  channels: Partial<Record<TrendChannel, ReferenceStat>>;
}

/** One aggregate (a day, or N samples for sparse wells) of settled running data. */
export interface Bucket {
  from: number;
  to: number;
  /** Mid time of the samples in it. */
  ts: number;
  n: number;
  /** Median drive frequency (NaN when not measured). */
  f: number;
  /** Medians: flow at base frequency, current at base frequency, torque at base frequency, PIP, motor temp, vibration. */
  y: number[];
  /** ≥ 80 % of its samples pass the hard limits (usable for a reference). */
  healthy: boolean;
}

export interface Series {
  p: WellParams;
  i0: number | null;
  bucketMs: number;
  buckets: Bucket[];
  /** Residual sensitivity to drive frequency of PIP and motor temp (units per Hz) and vibration (log units per Hz). */
  speedCoef: number[];
  /** Frequency of the newest bucket (values are reported at it). */
  fNow: number;
}

// ------------------------------------------------------------------------------------------------ series

interface Sample {
  ts: number;
  f: number;
  v: Float64Array; // TREND_CHANNELS order, raw except flow/current/torque normalised later
  healthy: boolean;
}

function runningSamples(p: WellParams, readings: readonly Reading[]): Sample[] {
  const state = new SettledRunning(stopCurrentThreshold(p.ratedCurrentA));
  const out: Sample[] = [];
  const raw = new Float64Array(NCH);
  for (const r of readings) {
    for (let c = 0; c < NCH; c++) {
      const x = readingValue(r, c);
      raw[c] = Number.isNaN(x) || outOfRange(c, x) ? NaN : x;
    }
    if (!state.settled(r.ts, raw[F], raw[I])) continue;
    const f = Number.isNaN(raw[F]) ? p.baseFrequencyHz : raw[F];
    if (f < MIN_NORMALISABLE_HZ) continue;
    const v = new Float64Array(NT);
    v[C_FLOW] = raw[Q];
    v[C_CUR] = raw[I];
    v[C_TQ] = raw[TQ];
    v[C_PIP] = raw[P];
    v[C_TEMP] = raw[T];
    v[C_VIB] = raw[V];
    void FV;
    void G;
    out.push({ ts: r.ts, f, v, healthy: healthyRow(p, raw) });
  }
  return out;
}

function estimateNoLoad(p: WellParams, samples: readonly Sample[]): number | null {
  if (p.ratedCurrentA !== null) return NO_LOAD_FRACTION * p.ratedCurrentA;
  // Early samples (before any slow change): no-load ≈ 35 % of the healthy current at base frequency.
  const early = samples.slice(0, Math.max(8, Math.floor(samples.length / 5)));
  const fb = p.baseFrequencyHz;
  let est = NaN;
  for (let it = 0; it < 3; it++) {
    const e = Number.isNaN(est) ? 0 : est;
    const xs = early.filter((s) => !Number.isNaN(s.v[C_CUR])).map((s) => e + (s.v[C_CUR] - e) * (fb / s.f) ** 2);
    if (xs.length < 4) return null;
    est = NO_LOAD_FRACTION_OF_BASELINE * median(xs);
  }
  return est;
}

/** Robust aggregates of the normalised channels, oldest first. */
export function buildSeries(p: WellParams, sorted: readonly Reading[], noLoadA?: number | null): Series {
  const samples = runningSamples(p, sorted);
  const fb = p.baseFrequencyHz;
  const i0 = noLoadA ?? estimateNoLoad(p, samples);
  // Sampling interval (median gap) decides daily vs per-N-samples buckets.
  const gaps: number[] = [];
  for (let k = 1; k < sorted.length; k++) gaps.push(sorted[k].ts - sorted[k - 1].ts);
  const dt = gaps.length ? median(gaps) : DAY;
  const bucketMs = BUCKET_MIN_SAMPLES * dt <= DAY ? DAY : Math.ceil((BUCKET_MIN_SAMPLES * dt) / DAY) * DAY;
  const minN = Math.max(3, Math.min(12, Math.floor((0.25 * bucketMs) / Math.max(dt, 1))));
  const buckets: Bucket[] = [];
  let k = 0;
  while (k < samples.length) {
    const id = Math.floor(samples[k].ts / bucketMs);
    let e = k;
    while (e < samples.length && Math.floor(samples[e].ts / bucketMs) === id) e++;
    const n = e - k;
    if (n >= minN) {
      const cols: number[][] = Array.from({ length: NT }, () => []);
      const fs: number[] = [];
      let healthy = 0;
      for (let j = k; j < e; j++) {
        const s = samples[j];
        const r = fb / s.f;
        fs.push(s.f);
        if (s.healthy) healthy++;
        if (!Number.isNaN(s.v[C_FLOW])) cols[C_FLOW].push(s.v[C_FLOW] * r);
        if (!Number.isNaN(s.v[C_CUR]) && i0 !== null) cols[C_CUR].push(i0 + (s.v[C_CUR] - i0) * r * r);
        if (!Number.isNaN(s.v[C_TQ])) cols[C_TQ].push(s.v[C_TQ] * r * r);
        for (const c of [C_PIP, C_TEMP, C_VIB]) if (!Number.isNaN(s.v[c])) cols[c].push(s.v[c]);
      }
      const y = cols.map((a) => (a.length >= Math.max(2, Math.floor(n / 3)) ? median(a) : NaN));
      buckets.push({ from: samples[k].ts, to: samples[e - 1].ts, ts: (samples[k].ts + samples[e - 1].ts) / 2, n, f: median(fs), y, healthy: healthy >= 0.8 * n });
    }
    k = e;
  }
  // PIP, motor temperature and vibration also move with speed (drawdown, load, rotor dynamics): measure how much
  // at the operator's steps (consecutive buckets whose frequency differs by ≥ 1 Hz) and take it out.
  const speedCoef = new Array<number>(NT).fill(0);
  for (const c of SPEED_REGRESSED) {
    const ratios: number[] = [];
    for (let j = 1; j < buckets.length; j++) {
      if (Math.abs(buckets[j].f - buckets[j - 1].f) < 1) continue;
      // The aggregate in which the step happened holds both speeds (and the channel's settling after it): compare
      // the one before with the next one at the new speed when there is one.
      const after = j + 1 < buckets.length && Math.abs(buckets[j + 1].f - buckets[j].f) < 0.5 ? j + 1 : j;
      const df = buckets[after].f - buckets[j - 1].f;
      const dy = scaleFor(c, buckets[after].y[c]) - scaleFor(c, buckets[j - 1].y[c]);
      if (Math.abs(df) < 1 || !Number.isFinite(dy)) continue;
      // A degradation under way also moves the channel between the two aggregates: take out the local drift
      // (median change between neighbouring aggregates at a steady speed).
      const drift: number[] = [];
      for (let i = Math.max(1, j - 5); i <= Math.min(buckets.length - 1, after + 5); i++) {
        if (i === j || i === after || Math.abs(buckets[i].f - buckets[i - 1].f) >= 0.5) continue;
        const d = scaleFor(c, buckets[i].y[c]) - scaleFor(c, buckets[i - 1].y[c]);
        if (Number.isFinite(d)) drift.push(d);
      }
      ratios.push((dy - (drift.length >= 2 ? (after - j + 1) * median(drift) : 0)) / df);
    }
    if (ratios.length) speedCoef[c] = median(ratios);
  }
  // Values are reported at the drive's present speed (the newest samples, not the newest day's median).
  const fNow = samples.length ? median(samples.slice(-6).map((x) => x.f)) : fb;
  return { p, i0, bucketMs, buckets, speedCoef, fNow };
}

/** The scale on which channel c's speed dependence is linear. */
function scaleFor(c: number, y: number): number {
  return c === SPEED_RELATIVE ? (y > 0 ? Math.log(y) : NaN) : y;
}

/** Channel c's value y measured at frequency f, referred to frequency fRef. */
function atFrequency(s: Series, c: number, y: number, f: number, fRef: number): number {
  const coef = s.speedCoef[c];
  if (coef === 0 || !Number.isFinite(f)) return y;
  return c === SPEED_RELATIVE ? y * Math.exp(-coef * (f - fRef)) : y - coef * (f - fRef);
}

/** A bucket's value of channel c, with the speed dependence referred to frequency fRef. */
function valueAt(s: Series, b: Bucket, c: number, fRef: number): number {
  return atFrequency(s, c, b.y[c], b.f, fRef);
}

// ------------------------------------------------------------------------------------------------ reference

function toIso(ts: number): string {
  return new Date(ts).toISOString();
}

export interface ReferenceOptions {
  /** An explicit period (an engineer's choice); otherwise the first settled, healthy days. */
  period?: { from: string | number; to: string | number } | null;
}

function parseTime(x: string | number): number {
  return typeof x === 'number' ? x : Date.parse(x);
}

function referenceFromSeries(s: Series, opts: ReferenceOptions): Reference | null {
  let chosen: Bucket[];
  let source: ReferencePeriod['source'];
  if (opts.period) {
    const from = parseTime(opts.period.from);
    const to = parseTime(opts.period.to);
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return null;
    chosen = s.buckets.filter((b) => b.ts >= from && b.ts <= to);
    source = 'engineer';
    if (chosen.length === 0) return null;
  } else {
    const all = s.buckets;
    // Skip the first aggregate (installation and start-up transients) when there is enough data.
    const start = all.length >= 8 ? 1 : 0;
    const want = Math.max(REFERENCE_MIN_BUCKETS, Math.min(Math.round(REFERENCE_DAYS * (DAY / s.bucketMs)), Math.floor(all.length / 3)));
    chosen = [];
    for (let j = start; j < all.length && chosen.length < want; j++) if (all[j].healthy) chosen.push(all[j]);
    source = 'auto';
    if (chosen.length < REFERENCE_MIN_BUCKETS) return null;
  }
  const fRef = median(chosen.map((b) => b.f));
  const channels: Partial<Record<TrendChannel, ReferenceStat>> = {};
  for (let c = 0; c < NT; c++) {
    const xs = chosen.map((b) => valueAt(s, b, c, fRef)).filter(Number.isFinite);
    if (xs.length < Math.min(REFERENCE_MIN_BUCKETS, chosen.length)) continue;
    const m = median(xs);
    const mad = median(xs.map((x) => Math.abs(x - m)));
    channels[TREND_CHANNELS[c]] = { median: round(m, 4), scatter: round(MAD_TO_SIGMA * mad, 5), n: xs.length };
  }
  const from = chosen[0].from;
  const to = chosen[chosen.length - 1].to;
  return {
    period: { from: toIso(from), to: toIso(to), source },
    from_ts: from,
    to_ts: to,
    buckets: chosen.length,
    no_load_current_a: s.i0 === null ? null : round(s.i0, 3),
    frequency_hz: Number.isFinite(fRef) ? round(fRef, 3) : null,
    channels,
  };
}

/**
 * Learn a well's reference from its readings (any arrival order): by default the first settled, healthy days of
 * running data (about REFERENCE_DAYS, at most a third of what there is), or an explicit `{from, to}` period.
 * Null when there is too little settled running data.
 */
export function learnReference(well: Partial<WellNameplate>, readings: readonly Reading[], opts: ReferenceOptions = {}): Reference | null {
  const p = resolveWell(well);
  return referenceFromSeries(buildSeries(p, prepareReadings(readings)), opts);
}

// ------------------------------------------------------------------------------------------------ trends

/** A trend plus what the slow-code and forecast logic need. */
interface TrendFit extends ChannelTrend {
  c: number;
  /** Days relative to now and values of the fit segment (after the detected onset). */
  xs: number[];
  ys: number[];
  /** The whole window (days relative to now, values). */
  allX: number[];
  allY: number[];
  /** The aggregates' drive frequency minus the present one, Hz (what is left of the speed effect goes with it). */
  allDf: number[];
  /** Median of the newest three aggregates. */
  recent: number;
  /** (recent − reference) / reference scatter. */
  z: number | null;
  /** Share of the change since the reference made in one aggregate-to-aggregate jump (a step, not a trend). */
  stepShare: number;
  /** TS fit value at now. */
  fitNow: number;
  intercept: number;
  residualSigma: number;
}

export interface TrendOptions {
  now?: number;
  /** A learned reference, an explicit period, or null for none; default: learned automatically. */
  reference?: Reference | ReferencePeriod | { from: string | number; to: string | number } | null;
  maxDays?: number;
}

export interface TrendAnalysis {
  params: WellParams;
  series: Series;
  reference: Reference | null;
  trends: TrendFit[];
  now: number;
}

function isReference(x: unknown): x is Reference {
  return typeof x === 'object' && x !== null && 'channels' in x && 'from_ts' in x;
}

/** Least-squares hinge: the aggregate after which the series bends (flat, then a trend). */
function onsetIndex(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2 * TREND_MIN_POINTS) return 0;
  let best = 0;
  let bestSse = Infinity;
  for (let k = 0; k <= n - TREND_MIN_POINTS; k++) {
    const xk = x[k];
    // y = a + b·max(0, x − xk)
    let sh = 0, sy = 0, shh = 0, shy = 0;
    for (let i = 0; i < n; i++) {
      const h = Math.max(0, x[i] - xk);
      sh += h;
      sy += y[i];
      shh += h * h;
      shy += h * y[i];
    }
    const den = n * shh - sh * sh;
    const b = den > 0 ? (n * shy - sh * sy) / den : 0;
    const a = (sy - b * sh) / n;
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const e = y[i] - a - b * Math.max(0, x[i] - xk);
      sse += e * e;
    }
    if (sse < bestSse - 1e-12) {
      bestSse = sse;
      best = k;
    }
  }
  return best;
}

function fitChannel(s: Series, ref: Reference | null, c: number, now: number, maxDays: number): TrendFit | null {
  const fNow = s.fNow;
  const xs: number[] = [];
  const ys: number[] = [];
  const dfs: number[] = [];
  for (const b of s.buckets) {
    if (b.ts > now || b.ts < now - maxDays * DAY) continue;
    const y = valueAt(s, b, c, fNow);
    if (!Number.isFinite(y)) continue;
    xs.push((b.ts - now) / DAY);
    ys.push(y);
    dfs.push(Number.isFinite(b.f) ? b.f - fNow : 0);
  }
  const n = xs.length;
  if (n < TREND_MIN_POINTS || xs[n - 1] - xs[0] < 3 * Math.min(1, s.bucketMs / DAY)) return null;
  const mk = mannKendall(ys);
  const k0 = onsetIndex(xs, ys);
  const segX = xs.slice(k0);
  const segY = ys.slice(k0);
  const ts = theilSen(segX, segY);
  // Flat, then a trend: the test over the whole window is diluted by the flat part (and by any wander in it), the
  // test over the segment after the detected onset is not; the segment was picked from the data, so its p-value
  // is penalised.
  const p = k0 > 0 ? Math.min(mk.p, Math.min(1, 4 * mannKendall(segY).p)) : mk.p;
  const resid = segY.map((y, i) => y - ts.intercept - ts.slope * segX[i]);
  const residualSigma = MAD_TO_SIGMA * median(resid.map(Math.abs));
  const recent = median(ys.slice(-3));
  const channel = TREND_CHANNELS[c];
  const rs = ref?.channels[channel];
  // The reference is referred to its own frequency: move it to the present one as the values are.
  const refValue = rs && ref ? atFrequency(s, c, rs.median, ref.frequency_hz ?? fNow, fNow) : null;
  const change = refValue !== null && refValue !== 0 ? (recent - refValue) / Math.abs(refValue) : null;
  const z = refValue !== null && rs ? (recent - refValue) / Math.max(rs.scatter, 0.005 * Math.abs(refValue), 1e-9) : null;
  let maxJump = 0;
  for (let i = 1; i < n; i++) {
    const d = ys[i] - ys[i - 1];
    if (refValue !== null && Math.sign(d) === Math.sign(recent - refValue) && Math.abs(d) > maxJump) maxJump = Math.abs(d);
  }
  const total = refValue !== null ? Math.abs(recent - refValue) : 0;
  const stepShare = total > 0 ? Math.min(1, maxJump / total) : 0;
  const segDays = segX[segX.length - 1] - segX[0];
  const sameSign = Math.sign(ts.low) === Math.sign(ts.high) && ts.low !== 0;
  const material = Math.abs(ts.slope) * Math.max(segDays, 1) >= 2 * residualSigma;
  const significant = p < TREND_ALPHA && sameSign && material;
  const digits = c === C_VIB ? 5 : 4;
  return {
    channel,
    slope_per_day: round(ts.slope, digits + 1),
    slope_per_day_low: round(ts.low, digits + 1),
    slope_per_day_high: round(ts.high, digits + 1),
    p_value: round(p, 6),
    significant,
    days: round(xs[n - 1] - xs[0], 2),
    points: n,
    value_now: round(ys[n - 1], digits),
    reference_value: refValue === null ? null : round(refValue, digits),
    change_since_reference: change === null ? null : round(change, 4),
    c,
    xs: segX,
    ys: segY,
    allX: xs,
    allY: ys,
    allDf: dfs,
    recent,
    z,
    stepShare,
    fitNow: ts.intercept,
    intercept: ts.intercept,
    residualSigma,
  };
}

/** Everything the slow judgement and the forecast need, from one pass over the readings. */
export function analyseTrends(well: Partial<WellNameplate>, readings: readonly Reading[], opts: TrendOptions = {}): TrendAnalysis {
  const p = resolveWell(well);
  let sorted = prepareReadings(readings);
  const now = opts.now ?? (sorted.length ? sorted[sorted.length - 1].ts : Date.now());
  if (sorted.length && sorted[sorted.length - 1].ts > now) sorted = sorted.filter((r) => r.ts <= now);
  const given = opts.reference;
  const series = buildSeries(p, sorted, isReference(given) ? given.no_load_current_a : undefined);
  let reference: Reference | null;
  if (given === null) reference = null;
  else if (given === undefined) reference = referenceFromSeries(series, {});
  else if (isReference(given)) reference = given;
  else reference = referenceFromSeries(series, { period: given });
  const maxDays = Math.min(opts.maxDays ?? TREND_MAX_DAYS, TREND_MAX_DAYS);
  const trends: TrendFit[] = [];
  for (let c = 0; c < NT; c++) {
    const t = fitChannel(series, reference, c, now, maxDays);
    if (t) trends.push(t);
  }
  return { params: p, series, reference, trends, now };
}

function publicTrend(t: TrendFit): ChannelTrend {
  return {
    channel: t.channel,
    slope_per_day: t.slope_per_day,
    slope_per_day_low: t.slope_per_day_low,
    slope_per_day_high: t.slope_per_day_high,
    p_value: t.p_value,
    significant: t.significant,
    days: t.days,
    points: t.points,
    value_now: t.value_now,
    reference_value: t.reference_value,
    change_since_reference: t.change_since_reference,
  };
}

/**
 * Robust trends of a well's frequency-normalised channels over the last (up to) 60 days: flow and torque at base
 * frequency, current at base frequency (no-load + load·(fb/f)²), PIP, motor temperature and vibration with
 * their speed dependence taken out. Stops and start-up transients are excluded; arrival order does not matter.
 */
export function computeTrends(well: Partial<WellNameplate>, readings: readonly Reading[], opts: TrendOptions = {}): ChannelTrend[] {
  return analyseTrends(well, readings, opts).trends.map(publicTrend);
}

// ------------------------------------------------------------------------------------------------ slow codes

export interface SlowFinding {
  code: 'PUMP_WEAR' | 'SCALE';
  confidence: number;
  evidence: Evidence[];
  summary: string;
}

function trendOf(a: TrendAnalysis, c: number): TrendFit | undefined {
  return a.trends.find((t) => t.c === c);
}

function trendEvidence(t: TrendFit, rule: string, unit: string): Evidence {
  const pct = t.change_since_reference !== null ? `${(t.change_since_reference * 100).toFixed(1)} % since the reference` : 'no reference';
  return {
    channel: `${t.channel}_trend`,
    observed: round(t.recent, 4),
    baseline: t.reference_value,
    rule,
    note: `${t.channel} ${t.slope_per_day >= 0 ? '+' : ''}${t.slope_per_day} ${unit}/day [${t.slope_per_day_low}, ${t.slope_per_day_high}] over ${t.days} days, ${pct}, Mann–Kendall p = ${t.p_value < 1e-4 ? t.p_value.toExponential(1) : t.p_value}`,
  };
}

const UNITS: Record<TrendChannel, string> = { flow_rate: 'bbl/d', motor_current: 'A', torque: 'N·m', pip: 'psi', motor_temp: '°C', vibration: 'g' };

/** A sustained trend in direction dir (+1 up, −1 down) that has moved the channel away from its reference. */
function moved(t: TrendFit | undefined, dir: 1 | -1, minChange: number, minZ: number): number {
  if (!t || t.change_since_reference === null || t.z === null) return 0;
  if (Math.sign(t.slope_per_day) !== dir && t.p_value >= TREND_ALPHA) return 0;
  const mkOk = t.p_value < TREND_ALPHA && Math.sign(t.slope_per_day) === dir ? 1 : 0.5;
  return mkOk * Math.min(ramp(dir * t.change_since_reference, minChange * 0.6, minChange), ramp(dir * t.z, minZ * 0.6, minZ));
}

/**
 * PUMP_WEAR or SCALE from weeks of history judged against the reference: normalised flow lost gradually (not in
 * one step) with the load flat or falling (wear: PIP and vibration creep up) or rising (scale: current, torque and
 * motor temperature creep up). Null when there is no such slow loss.
 */
export function judgeSlow(a: TrendAnalysis): SlowFinding | null {
  if (!a.reference) return null;
  const flow = trendOf(a, C_FLOW);
  if (!flow || flow.change_since_reference === null) return null;
  const cur = trendOf(a, C_CUR);
  const tq = trendOf(a, C_TQ);
  const temp = trendOf(a, C_TEMP);
  const pip = trendOf(a, C_PIP);
  const vib = trendOf(a, C_VIB);
  // Load: the load part of the current (above no-load) is what drag raises; torque says it directly. Wear lowers
  // the hydraulic load a little or leaves it flat, so any sustained rise separates scale from wear.
  const i0 = a.series.i0 ?? 0;
  let curLoadUp = 0;
  if (cur && cur.reference_value !== null && cur.z !== null) {
    const load = cur.reference_value - i0;
    const rel = load > 0 ? (cur.recent - cur.reference_value) / load : 0;
    curLoadUp = (cur.p_value < TREND_ALPHA && cur.slope_per_day > 0 ? 1 : 0.5) * Math.min(ramp(rel, 0.01, 0.02), ramp(cur.z, 1.5, 2.5));
  }
  const tqUp = moved(tq, 1, 0.012, 2.5);
  const loadUp = Math.max(curLoadUp, tqUp);
  const tempUp = temp && temp.reference_value !== null ? (temp.p_value < TREND_ALPHA && temp.slope_per_day > 0 ? 1 : 0.5) * ramp(temp.recent - temp.reference_value, 0.8, 2) : 0;
  const pipUp = moved(pip, 1, 0.03, 3);
  const vibUp = moved(vib, 1, 0.15, 3);
  // A clear loss (≥ 5 %), or a smaller one (≥ 3 %, far outside the reference scatter) that another channel of the
  // same signature confirms.
  const clear = moved(flow, -1, 0.05, 4);
  const mild = Math.max(pipUp, vibUp, loadUp) >= 0.5 ? moved(flow, -1, 0.03, 6) : 0;
  const down = Math.max(clear, mild);
  if (down < 0.5) return null;
  // A loss made in one jump is an acute event (tubing leak, valve), not a slow degradation.
  if (flow.stepShare > 0.5) return null;
  const ev: Evidence[] = [trendEvidence(flow, 'slow.flow_decline', UNITS.flow_rate)];
  const conf = (base: number, support: number): number => clamp01(base * (0.55 + 0.25 * ramp(-(flow.z ?? 0), 4, 12) + 0.2 * support));
  if (loadUp >= 0.5) {
    if (tq) ev.push(trendEvidence(tq, 'slow.torque_rise', UNITS.torque));
    if (cur) ev.push(trendEvidence(cur, 'slow.current_rise', UNITS.motor_current));
    if (temp && tempUp > 0) ev.push(trendEvidence(temp, 'slow.temp_rise', UNITS.motor_temp));
    return {
      code: 'SCALE',
      confidence: round(conf(down * loadUp, Math.max(tempUp, tqUp)), 3),
      evidence: ev,
      summary: `Scale deposition: normalised flow ${(flow.change_since_reference * 100).toFixed(1)} % since the reference while the load rises`,
    };
  }
  if (cur) ev.push(trendEvidence(cur, 'slow.current_not_up', UNITS.motor_current));
  if (pip && pipUp > 0) ev.push(trendEvidence(pip, 'slow.pip_rise', UNITS.pip));
  if (vib && vibUp > 0) ev.push(trendEvidence(vib, 'slow.vibration_rise', UNITS.vibration));
  return {
    code: 'PUMP_WEAR',
    confidence: round(conf(down * (1 - 0.5 * loadUp), Math.max(pipUp, vibUp)), 3),
    evidence: ev,
    summary: `Pump wear: normalised flow ${(flow.change_since_reference * 100).toFixed(1)} % since the reference with the load flat or falling`,
  };
}

/** Developing motor temperature, vibration and current trends, as evidence (before any limit is crossed). */
export function trendFindings(a: TrendAnalysis): Evidence[] {
  const out: Evidence[] = [];
  for (const t of a.trends) {
    if (!t.significant) continue;
    if ((t.c === C_TEMP || t.c === C_VIB || t.c === C_CUR) && t.slope_per_day > 0) out.push(trendEvidence(t, `trend.${t.channel}`, UNITS[t.channel]));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ forecast

export interface ForecastOptions {
  now?: number;
  /** Reported as the forecast's well_id (default: the well argument's well_id). */
  wellId?: string;
  horizonDays?: number;
  reference?: TrendOptions['reference'];
}

/** A projection from now: linear, or exponential growth above a floor; the interval's ends as projections too. */
interface Curve {
  /** Value at now and growth per day (linear: units/day; exponential: rate of log(value − floor)). */
  y0: number;
  rate: number;
  floor: number;
}

interface Projection extends Curve {
  model: ForecastModel;
  /** The ends of the 95 % interval (the slower and the faster growth). */
  slow: Curve;
  fast: Curve;
}

function project(model: ForecastModel, c: Curve, t: number): number {
  return model === 'linear' ? c.y0 + c.rate * t : c.floor + (c.y0 - c.floor) * Math.exp(c.rate * t);
}

function timeTo(model: ForecastModel, c: Curve, limit: number): number | null {
  if (model === 'linear') {
    if (c.rate === 0 || !Number.isFinite(c.rate)) return null;
    const t = (limit - c.y0) / c.rate;
    return t >= 0 ? t : null;
  }
  if (!(c.rate > 0) || limit <= c.floor || c.y0 <= c.floor) return null;
  const t = Math.log((limit - c.floor) / (c.y0 - c.floor)) / c.rate;
  return t >= 0 ? t : null;
}

/** Slope per day at now (units/day). */
function slopeNow(model: ForecastModel, c: Curve): number {
  return model === 'linear' ? c.rate : c.rate * (c.y0 - c.floor);
}

// Growth from an onset t0: y = b + a·g_k(max(0, x − t0)) with g_k(u) = (e^{k·u} − 1)/k and g_0(u) = u: a healthy
// level, then an excess that grows linearly (k = 0: temperature or load creep) or exponentially (k > 0: bearing
// wear feeds on itself). The linear hinge is the k → 0 limit of the exponential one, so the two are nested and can
// be compared by likelihood on the same data.
interface GrowthFit {
  k: number;
  t0: number;
  b: number;
  a: number;
  /** Residual speed sensitivity (units per Hz). */
  c: number;
  /** Weighted residual sum of squares. */
  sse: number;
}

/** Growth rates searched (per day): doubling times from ~70 days down to ~1.2 days. */
const GROWTH_RATES: readonly number[] = (() => {
  const out: number[] = [];
  for (let k = 0.01; k <= 0.6; k *= 1.08) out.push(k);
  return out;
})();
/** χ²₁ 95 % quantile: the profile-likelihood interval of the rate. */
const CHI2_1_95 = 3.841;
/**
 * Channels whose degradation feeds on itself and may grow exponentially: bearing wear (vibration). Motor
 * temperature and load (current) creep are near linear, and their response to a load change is a saturating lag,
 * never an accelerating one (ESP-DIAGNOSTICS.md §6).
 */
const EXPONENTIAL_CHANNELS: ReadonlySet<number> = new Set([C_VIB]);

function growthBasis(k: number, u: number): number {
  return u <= 0 ? 0 : k === 0 ? u : Math.expm1(k * u) / k;
}

/** The aggregates a growth model is fitted to: days from now, values, drive frequency minus the present one. */
interface GrowthData {
  xs: readonly number[];
  ys: readonly number[];
  dfs: readonly number[];
}

/**
 * Weighted least squares for b, a (and c) at a fixed rate and onset: y = b + a·g + c·Δf. The Δf term takes up
 * what the step-measured speed correction left (operator steps are discrete, growth is smooth, so the two are told
 * apart when the speed has changed); with no speed change it is dropped.
 */
function fitGrowthAt(d: GrowthData, w: readonly number[], k: number, t0: number): GrowthFit {
  const { xs, ys, dfs } = d;
  const n = xs.length;
  // Normal equations of [1, h, z].
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const r = [0, 0, 0];
  let zz = 0;
  for (let i = 0; i < n; i++) {
    const v = [1, growthBasis(k, xs[i] - t0), dfs[i]];
    zz += w[i] * dfs[i] * dfs[i];
    for (let p = 0; p < 3; p++) {
      r[p] += w[i] * v[p] * ys[i];
      for (let q = 0; q < 3; q++) m[3 * p + q] += w[i] * v[p] * v[q];
    }
  }
  let coef = zz > 1e-9 * m[0] ? solve3(m, r) : null;
  if (!coef) {
    const den = m[0] * m[4] - m[1] * m[1];
    const a = den > 1e-12 * m[0] * m[4] ? (m[0] * r[1] - m[1] * r[0]) / den : 0;
    coef = [(r[0] - a * m[1]) / m[0], a, 0];
  }
  const [b, a, c] = coef;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const e = ys[i] - b - a * growthBasis(k, xs[i] - t0) - c * dfs[i];
    sse += w[i] * e * e;
  }
  return { k, t0, b, a, c, sse };
}

/** Value of a growth fit at aggregate i. */
function growthAt(f: GrowthFit, d: GrowthData, i: number): number {
  return f.b + f.a * growthBasis(f.k, d.xs[i] - f.t0) + f.c * d.dfs[i];
}

/** Solves a symmetric 3×3 system (row-major) by Cramer's rule; null when it is (nearly) singular. */
function solve3(m: readonly number[], r: readonly number[]): [number, number, number] | null {
  const det = (a: readonly number[]): number =>
    a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
  const d = det(m);
  const scale = Math.abs(m[0] * m[4] * m[8]);
  if (!(Math.abs(d) > 1e-10 * scale)) return null;
  const col = (j: number): number[] => m.map((x, i) => (i % 3 === j ? r[Math.floor(i / 3)] : x));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

/** The best onset for a rate (onsets leave at least TREND_MIN_POINTS aggregates after them). */
function bestOnset(d: GrowthData, w: readonly number[], k: number): GrowthFit {
  let best: GrowthFit | null = null;
  for (let i = 0; i <= d.xs.length - TREND_MIN_POINTS; i++) {
    const f = fitGrowthAt(d, w, k, d.xs[i]);
    if (f.a > 0 && (!best || f.sse < best.sse)) best = f;
  }
  return best ?? fitGrowthAt(d, w, k, d.xs[0]);
}

interface GrowthProfile {
  linear: GrowthFit;
  exponential: GrowthFit;
  /** Profile-likelihood 95 % interval of the rate: the fits at its ends. */
  slowest: GrowthFit;
  fastest: GrowthFit;
  n: number;
}

/**
 * Fits the linear and the exponential growth models to a rising series (robustly: Huber weights from a first
 * fit), with the exponential rate's profile-likelihood interval.
 */
function growthProfile(d: GrowthData): GrowthProfile {
  const n = d.xs.length;
  let w: number[] = new Array<number>(n).fill(1);
  let profile: GrowthFit[] = [];
  let linear = bestOnset(d, w, 0);
  for (let pass = 0; pass < 2; pass++) {
    linear = bestOnset(d, w, 0);
    profile = GROWTH_RATES.map((k) => bestOnset(d, w, k));
    if (pass === 1) break;
    // Huber weights (c = 1.345σ) from the better of the two fits: a day of odd readings does not pull the curve.
    const best = profile.reduce((x, y) => (y.sse < x.sse ? y : x), linear);
    const res = d.ys.map((y, i) => y - growthAt(best, d, i));
    const sigma = MAD_TO_SIGMA * median(res.map(Math.abs));
    if (!(sigma > 0)) break;
    w = res.map((e) => Math.min(1, (1.345 * sigma) / Math.max(Math.abs(e), 1e-300)));
  }
  const exponential = profile.reduce((x, y) => (y.sse < x.sse ? y : x));
  // The interval: rates whose profile deviance n·ln(SSE/SSE_min) stays within χ²₁(95 %), each end placed between
  // the last grid rate inside and the first outside (linear interpolation of the deviance) and refitted there.
  const deviance = (f: GrowthFit): number => n * Math.log(f.sse / Math.max(exponential.sse, 1e-300));
  const edge = (inside: number, outside: number): GrowthFit => {
    if (outside < 0 || outside >= profile.length) return profile[inside];
    const dIn = deviance(profile[inside]);
    const dOut = deviance(profile[outside]);
    const share = dOut > dIn ? Math.min(1, Math.max(0, (CHI2_1_95 - dIn) / (dOut - dIn))) : 0;
    const k = profile[inside].k + share * (profile[outside].k - profile[inside].k);
    return bestOnset(d, w, k);
  };
  let lo = profile.indexOf(exponential);
  let hi = lo;
  while (lo > 0 && deviance(profile[lo - 1]) <= CHI2_1_95) lo--;
  while (hi < profile.length - 1 && deviance(profile[hi + 1]) <= CHI2_1_95) hi++;
  return { linear, exponential, slowest: edge(lo, lo - 1), fastest: edge(hi, hi + 1), n };
}

function aicc(sse: number, n: number, p: number): number {
  return n * Math.log(Math.max(sse, 1e-300) / n) + 2 * p + (2 * p * (p + 1)) / Math.max(n - p - 1, 1);
}

/** An exponential growth fit as a projection from now (x = 0): floor b − a/k, value b + a·g_k(−t0). */
function growthCurve(f: GrowthFit): Curve {
  return { floor: f.b - f.a / f.k, y0: f.b + f.a * growthBasis(f.k, -f.t0), rate: f.k };
}

/**
 * Linear or exponential growth, chosen from the data where the physics allows both (vibration). Both are fitted,
 * as an onset followed by growth, to the whole window of robust aggregates; the exponential model has one
 * parameter more (the rate) and is taken when it earns it by AICc. The linear projection is the Theil–Sen trend
 * after the onset with Sen's interval; the exponential one's interval is the rate's profile-likelihood interval.
 */
function chooseModel(t: TrendFit, rising: boolean): Projection {
  const lin: Projection = {
    model: 'linear',
    floor: 0,
    y0: t.intercept,
    rate: t.slope_per_day,
    slow: { floor: 0, y0: t.intercept, rate: rising ? t.slope_per_day_low : t.slope_per_day_high },
    fast: { floor: 0, y0: t.intercept, rate: rising ? t.slope_per_day_high : t.slope_per_day_low },
  };
  if (!rising || !EXPONENTIAL_CHANNELS.has(t.c) || t.allY.length < 2 * TREND_MIN_POINTS) return lin;
  const g = growthProfile({ xs: t.allX, ys: t.allY, dfs: t.allDf });
  const e = g.exponential;
  // A rate at the top of the searched range is not determined by the data (the last few aggregates bend the fit):
  // growth that fast is an acute event for the rules, not a trend to extrapolate.
  if (!(e.a > 0) || e.k >= GROWTH_RATES[GROWTH_RATES.length - 1]) return lin;
  // Parameters: level, slope at onset, onset (and the speed term when the speed changed); the exponential adds the rate.
  const p = 3 + (t.allDf.some((x) => x !== 0) ? 1 : 0);
  if (!(aicc(e.sse, g.n, p + 1) < aicc(g.linear.sse, g.n, p))) return lin;
  const now = growthCurve(e);
  // The growth so far must stand out of the scatter: an exponential read into a few noisy days is not evidence.
  if (!(now.y0 - e.b >= 2 * t.residualSigma)) return lin;
  return { model: 'exponential', ...now, slow: growthCurve(g.slowest), fast: growthCurve(g.fastest) };
}

const WARNING_CODE: Record<TrendChannel, string | null> = {
  motor_temp: 'MOTOR_OVERHEAT',
  vibration: 'HIGH_VIBRATION',
  motor_current: 'MOTOR_OVERLOAD',
  flow_rate: 'LOW_FLOW',
  torque: null,
  pip: null,
};

/** Measured units at the present frequency from the normalised value (flow and current are stored at base). */
function toMeasured(s: Series, c: number, x: number): number {
  const r = s.fNow / s.p.baseFrequencyHz;
  if (c === C_FLOW) return x * r;
  if (c === C_CUR) return (s.i0 ?? 0) + (x - (s.i0 ?? 0)) * r * r;
  if (c === C_TQ) return x * r * r;
  return x;
}

/**
 * Time-to-limit forecast for a well: for each channel with a significant trend heading towards its limit (motor
 * temperature and vibration limits, rated current, minimum recommended flow), the better of a linear and an
 * exponential growth model, the slope interval, the time to the limit with its interval and a daily projection.
 * Warnings for limits expected within the horizon, and PUMP_WEAR / SCALE when the slow judgement finds them.
 * A healthy, steady well gets empty lists.
 */
export function forecastWell(well: Partial<WellNameplate> & { well_id?: string }, readings: readonly Reading[], opts: ForecastOptions = {}): Forecast {
  const horizon = Math.max(1, Math.min(365, opts.horizonDays ?? 30));
  const a = analyseTrends(well, readings, { now: opts.now, reference: opts.reference });
  const now = a.now;
  const s = a.series;
  const p = a.params;
  const channels: ForecastChannel[] = [];
  const warnings: ForecastWarning[] = [];
  const slow = judgeSlow(a);
  for (const t of a.trends) {
    if (!t.significant) continue;
    let limitNorm: number | null = null;
    let source: 'nameplate' | 'default' = 'default';
    let rising = true;
    if (t.c === C_TEMP) {
      limitNorm = p.motorTempLimitC;
      source = well.motor_temp_limit_c ? 'nameplate' : 'default';
    } else if (t.c === C_VIB) {
      limitNorm = p.vibrationLimitG;
      source = well.vibration_limit_g ? 'nameplate' : 'default';
    } else if (t.c === C_CUR) {
      const i0 = s.i0 ?? 0;
      const rf = s.fNow / p.baseFrequencyHz;
      if (p.ratedCurrentA !== null) {
        limitNorm = i0 + (p.ratedCurrentA - i0) / (rf * rf);
        source = 'nameplate';
      } else if (t.reference_value !== null) {
        limitNorm = 1.2 * t.reference_value;
      }
    } else if (t.c === C_FLOW) {
      rising = false;
      if (p.minFlowBpd !== null) {
        limitNorm = p.minFlowBpd;
        source = 'nameplate';
      } else if (t.reference_value !== null) limitNorm = 0.7 * t.reference_value;
    }
    if (limitNorm === null) continue;
    const dir = rising ? 1 : -1;
    if (Math.sign(t.slope_per_day) !== dir) continue;
    const pr = chooseModel(t, rising);
    const beyond = dir * (pr.y0 - limitNorm) >= 0;
    const tt = beyond ? 0 : timeTo(pr.model, pr, limitNorm);
    // The interval's faster end reaches the limit sooner; its slower end may never reach it (no upper bound).
    const ends = [timeTo(pr.model, pr.fast, limitNorm), timeTo(pr.model, pr.slow, limitNorm)];
    const soonest = Math.min(...ends.map((x) => x ?? Infinity));
    const ttLow = beyond ? 0 : Number.isFinite(soonest) ? soonest : null;
    const ttHigh = beyond ? 0 : ends.some((x) => x === null) ? null : Math.max(...(ends as number[]));
    if (tt === null || tt > 2 * horizon) continue;
    const points: ForecastPoint[] = [];
    for (let d = 0; d <= horizon; d++) {
      const v = project(pr.model, pr, d);
      const e1 = project(pr.model, pr.slow, d);
      const e2 = project(pr.model, pr.fast, d);
      points.push({ at: toIso(now + d * DAY), value: round(toMeasured(s, t.c, v), 4), low: round(toMeasured(s, t.c, Math.min(e1, e2)), 4), high: round(toMeasured(s, t.c, Math.max(e1, e2)), 4) });
    }
    // Slopes at now in measured units (the normalisation is affine per channel).
    const measuredSlope = (c: Curve): number => toMeasured(s, t.c, pr.y0 + slopeNow(pr.model, c)) - toMeasured(s, t.c, pr.y0);
    const slopeEnds = [measuredSlope(pr.slow), measuredSlope(pr.fast)];
    const fc: ForecastChannel = {
      channel: t.channel,
      value_now: round(toMeasured(s, t.c, pr.y0), 4),
      slope_per_day: round(measuredSlope(pr), 6),
      slope_per_day_low: round(Math.min(...slopeEnds), 6),
      slope_per_day_high: round(Math.max(...slopeEnds), 6),
      limit: round(toMeasured(s, t.c, limitNorm), 4),
      limit_source: source,
      time_to_limit_days: tt <= horizon ? round(tt, 2) : null,
      time_to_limit_low_days: ttLow === null ? null : round(ttLow, 2),
      time_to_limit_high_days: ttHigh === null ? null : round(ttHigh, 2),
      model: pr.model,
      significant: true,
      points,
    };
    channels.push(fc);
    if (tt > horizon) continue;
    const base = t.c === C_FLOW && slow ? slow.code : WARNING_CODE[t.channel];
    if (!base) continue;
    const width = ttHigh === null ? 1 : (ttHigh - (ttLow ?? 0)) / Math.max(ttHigh + (ttLow ?? 0), 1e-9);
    const confidence = round(clamp01((1 - Math.min(1, t.p_value / TREND_ALPHA)) * (0.55 + 0.45 * (1 - Math.min(1, width)))), 3);
    warnings.push({
      code: base,
      channel: t.channel,
      expected_at: toIso(now + tt * DAY),
      lead_days: round(tt, 2),
      confidence,
      message: `${t.channel} expected to reach ${fc.limit} ${UNITS[t.channel]} (${source} limit) in ${tt.toFixed(1)} days${ttLow !== null ? ` (${ttLow.toFixed(1)}–${ttHigh === null ? '∞' : ttHigh.toFixed(1)})` : ''}, ${pr.model} trend`,
      evidence: [
        {
          channel: t.channel,
          value_now: fc.value_now,
          limit: fc.limit,
          limit_source: source,
          slope_per_day: fc.slope_per_day,
          slope_per_day_low: fc.slope_per_day_low,
          slope_per_day_high: fc.slope_per_day_high,
          p_value: t.p_value,
          change_since_reference: t.change_since_reference,
          model: pr.model,
        },
      ],
    });
  }
  if (slow && !warnings.some((w) => w.code === slow.code)) {
    const flowCh = channels.find((c) => c.channel === 'flow_rate');
    const lead = flowCh?.time_to_limit_days ?? 0;
    warnings.push({
      code: slow.code,
      channel: 'flow_rate',
      expected_at: toIso(now + lead * DAY),
      lead_days: round(lead, 2),
      confidence: slow.confidence,
      message: slow.summary,
      evidence: slow.evidence,
    });
  }
  warnings.sort((x, y) => x.lead_days - y.lead_days);
  return { well_id: opts.wellId ?? String(well.well_id ?? ''), generated_at: toIso(now), horizon_days: horizon, channels, warnings };
}
