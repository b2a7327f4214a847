// The recent window of a well, summarised: settled running samples of the current run, per channel median,
// robust CV and spike share (normalised to base frequency where physics allows), plus the drive's frequency
// behaviour and the motor temperature trend. Features are judged on this summary.
import type { Baseline, ChannelStat } from './baseline.js';
import { currentAtBase, flowAtBase, MIN_NORMALISABLE_HZ, NO_LOAD_FRACTION_OF_BASELINE, noLoadCurrent, torqueAtBase } from './physics.js';
import type { EngineScratch } from './scratch.js';
import { MAD_TO_SIGMA, medianInPlace, madInPlace } from './stats.js';
import { F, FLAG_RUNNING, FLAG_SETTLED, FV, G, I, NCH, P, Q, RECENT_MAX_SAMPLES, RECENT_MIN_SAMPLES, RECENT_SPAN_MS, T, TQ, V, type WindowState } from './window.js';

/** Summary of the recent window, per channel (normalised where physics allows). */
export interface RecentStats {
  n: number;
  spanMs: number;
  /** Per channel: median, robust CV, spike fraction, roughness, sample count. Index = channel. */
  med: Float64Array;
  cv: Float64Array;
  spike: Float64Array;
  count: Int32Array;
  /** Median raw current (not normalised), for comparison with nameplate amps. */
  rawCurrent: number;
  /** Fraction of consecutive samples whose frequency moved by more than 0.5 Hz. */
  freqMoves: number;
  freqReversals: number;
  i0: number | null;
  i0Estimated: boolean;
  /** Mean |deviation| (Hz) of the window's frequency from the best "level, or one step" fit: a commanded change
   * moves the drive once and leaves ~0; hunting without a command leaves its scatter. */
  freqMedStep: number;
  /** Median |successive frequency difference| (Hz): hunting moves on most samples, a commanded step once. */
  freqMedAbsDiff: number;
  /** Reversals of direction among frequency moves > 0.2 Hz. */
  freqReversalsFine: number;
  /** Median motor temperature of the older and the newer half of the window (trend: heating or cooling). */
  tempOld: number;
  tempNew: number;
}

/** Robust relative noise of a baseline channel, with a floor so noiseless synthetic data does not divide by 0. */
export function relSigma(s: ChannelStat | null | undefined, floor = 0.01): number {
  if (!s || !(Math.abs(s.median) > 0)) return floor;
  return Math.max(floor, (MAD_TO_SIGMA * s.mad) / Math.abs(s.median));
}

/**
 * Collect the recent window: settled running samples of the current run, newest backwards, until it spans
 * RECENT_SPAN_MS and holds RECENT_MIN_SAMPLES (persistence in time and in count), at most RECENT_MAX_SAMPLES.
 */
export function recentStats(w: WindowState, b: Baseline | null, masked: Uint8Array, scratch: EngineScratch): RecentStats {
  const fb = w.fb;
  const { sampleSlots: idxBuf, columns: cols, rawCurrent: rawI, frequencies: freqSeq, work } = scratch;
  // Indices of usable ring samples, newest first.
  let haveSettled = false;
  for (let k = 0; k < w.ringSize; k++) {
    const s = w.ringIndex(k);
    if (!(w.ringFlag[s] & FLAG_RUNNING)) break;
    if (w.ringFlag[s] & FLAG_SETTLED) haveSettled = true;
  }
  let n = 0;
  for (let k = 0; k < w.ringSize && n < RECENT_MAX_SAMPLES; k++) {
    const s = w.ringIndex(k);
    const fl = w.ringFlag[s];
    if (!(fl & FLAG_RUNNING)) break;
    if (haveSettled && !(fl & FLAG_SETTLED)) continue;
    idxBuf[n++] = s;
    const span = w.ringTs[idxBuf[0]] - w.ringTs[s];
    if (span >= RECENT_SPAN_MS && n >= RECENT_MIN_SAMPLES) break;
  }
  const idx = idxBuf.subarray(0, n).reverse(); // oldest first, for successive differences
  const med = scratch.median.fill(NaN);
  const cv = scratch.cv.fill(NaN);
  const spike = scratch.spike.fill(NaN);
  const count = scratch.count.fill(0);
  const st: RecentStats = {
    n,
    spanMs: n > 0 ? w.ringTs[idx[n - 1]] - w.ringTs[idx[0]] : 0,
    med,
    cv,
    spike,
    count,
    rawCurrent: NaN,
    freqMoves: 0,
    freqReversals: 0,
    i0: null,
    i0Estimated: false,
    freqMedStep: NaN,
    freqReversalsFine: 0,
    freqMedAbsDiff: NaN,
    tempOld: NaN,
    tempNew: NaN,
  };
  if (n === 0) return st;
  const fMasked = masked[F] === 1;
  const fAt = (s: number): number => {
    const f = fMasked ? NaN : w.ringVal[s * NCH + F];
    return Number.isNaN(f) ? fb : f; // no frequency channel: assume base, no normalisation
  };
  // No-load current: nameplate, then the baseline's, then a guess from this window.
  let i0 = b?.no_load_current_a ?? noLoadCurrent(w.params.ratedCurrentA, null);
  if (i0 === null) {
    let k = 0;
    for (const s of idx) {
      const x = w.ringVal[s * NCH + I];
      if (!Number.isNaN(x)) work[k++] = currentAtBase(x, fAt(s), fb, 0);
    }
    if (k > 0) {
      i0 = NO_LOAD_FRACTION_OF_BASELINE * medianInPlace(work, k);
      st.i0Estimated = true;
    }
  }
  st.i0 = i0;
  const i0v = i0 ?? 0;
  let nf = 0;
  let nRaw = 0;
  for (const s of idx) {
    const base = s * NCH;
    const f = fAt(s);
    const fOk = f >= MIN_NORMALISABLE_HZ;
    for (let c = 0; c < NCH; c++) {
      if (masked[c]) continue;
      let x = w.ringVal[base + c];
      if (Number.isNaN(x)) continue;
      if (c === Q) x = fOk ? flowAtBase(x, f, fb) : NaN;
      else if (c === I) {
        rawI[nRaw++] = x;
        x = fOk ? currentAtBase(x, f, fb, i0v) : NaN;
      } else if (c === TQ) x = fOk ? torqueAtBase(x, f, fb) : NaN;
      if (Number.isNaN(x)) continue;
      cols[c][count[c]++] = x;
    }
    if (!fMasked && !Number.isNaN(w.ringVal[base + F])) freqSeq[nf++] = w.ringVal[base + F];
  }
  const sigmaOf: (c: number) => number = (c) => {
    if (!b) return 0.01;
    const m: Record<number, ChannelStat | null> = { [Q]: b.flow_norm, [P]: b.pip, [I]: b.current_norm, [T]: b.motor_temp, [V]: b.vibration, [FV]: b.flow_variance, [TQ]: b.torque_norm, [G]: b.gor };
    return relSigma(m[c] ?? null);
  };
  for (let c = 0; c < NCH; c++) {
    const k = count[c];
    if (k === 0) continue;
    work.set(cols[c].subarray(0, k));
    const m = medianInPlace(work, k);
    med[c] = m;
    if (k >= 3) {
      work.set(cols[c].subarray(0, k));
      const mad = madInPlace(work, k, m);
      const am = Math.abs(m) > 1e-9 ? Math.abs(m) : 1;
      cv[c] = (MAD_TO_SIGMA * mad) / am;
      // Spikes: samples far from the window median, relative to the well's normal noise.
      const thr = Math.max(5 * sigmaOf(c), 0.07) * am;
      let sp = 0;
      for (let j = 0; j < k; j++) if (Math.abs(cols[c][j] - m) > thr) sp++;
      spike[c] = sp / k;
    }
  }
  if (nRaw > 0) {
    work.set(rawI.subarray(0, nRaw));
    st.rawCurrent = medianInPlace(work, nRaw);
  }
  if (nf >= 3) {
    let moves = 0;
    let rev = 0;
    let lastSign = 0;
    for (let j = 1; j < nf; j++) {
      const d = freqSeq[j] - freqSeq[j - 1];
      if (Math.abs(d) > 0.5) {
        moves++;
        const sg = Math.sign(d);
        if (lastSign !== 0 && sg !== lastSign) rev++;
        lastSign = sg;
      }
    }
    st.freqMoves = moves / (nf - 1);
    st.freqReversals = rev;
    st.freqMedStep = stepResidual(freqSeq, nf, scratch.segment);
    for (let j = 1; j < nf; j++) work[j - 1] = Math.abs(freqSeq[j] - freqSeq[j - 1]);
    st.freqMedAbsDiff = medianInPlace(work, nf - 1);
    // Direction reversals among moves above the drive's normal ±0.1 Hz jitter (operator steps rarely reverse twice).
    let last2 = 0;
    for (let j = 1; j < nf; j++) {
      const d = freqSeq[j] - freqSeq[j - 1];
      if (Math.abs(d) > 0.2) {
        const sg = Math.sign(d);
        if (last2 !== 0 && sg !== last2) st.freqReversalsFine++;
        last2 = sg;
      }
    }
  }
  const kT = count[T];
  if (kT >= 4) {
    const h = kT >> 1;
    work.set(cols[T].subarray(0, h));
    st.tempOld = medianInPlace(work, h);
    work.set(cols[T].subarray(kT - h, kT));
    st.tempNew = medianInPlace(work, h);
  }
  return st;
}

function segDev(x: Float64Array, a: number, b: number, segBuf: Float64Array): number {
  const n = b - a;
  if (n <= 0) return 0;
  for (let j = 0; j < n; j++) segBuf[j] = x[a + j];
  const m = medianInPlace(segBuf, n);
  let d = 0;
  for (let j = a; j < b; j++) d += Math.abs(x[j] - m);
  return d;
}

/** Residual scatter of a series after the best piecewise-constant fit with at most one step (mean |dev|). */
export function stepResidual(x: Float64Array, n: number, segment: Float64Array): number {
  let best = segDev(x, 0, n, segment);
  for (let k = 2; k <= n - 2; k++) {
    const d = segDev(x, 0, k, segment) + segDev(x, k, n, segment);
    if (d < best) best = d;
  }
  return best / n;
}
