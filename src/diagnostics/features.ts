// Turns the recent window (and the coarse history) into fuzzy "features": degrees in [0,1] that a named
// condition of the signatures table holds (flow gone, current at no-load, PIP toward zero, ...), each with the
// evidence an engineer needs. A feature is null when the data to judge it is absent.
import type { Evidence } from '../domain/diagnosis.js';
import type { Baseline, ChannelStat } from './baseline.js';
import type { EvidenceMaker } from './evidence.js';
import { usefulMinFrequency, type WellParams } from './physics.js';
import { relSigma, type RecentStats } from './recent.js';
import { band, clamp01, MAD_TO_SIGMA, ramp, round } from './stats.js';
import { BUCKET_MS, F, FV, I, N_BUCKETS, P, Q, T, TQ, G, V, type WindowState } from './window.js';

export interface Feature {
  d: number;
  ev: Evidence;
}
export type Features = Record<string, Feature | null>;

/** How much PIP may move per unit relative speed change (drawdown/PIP ratio of typical wells, 0.3–2). */
export const PIP_SPEED_GAIN = 2;

/**
 * Expected PIP at drive frequency fNow from the baseline, and the interval [lo, hi] of relative deviations a
 * speed change explains. PIP = static − Q/PI and Q ∝ f, so PIP falls linearly as speed rises: at a speed the
 * history ran at, the baseline's PIP there; within or near the speeds seen, a straight-line fit over them (must
 * slope down); otherwise one-sided slack in the physical direction only (a PIP drop after a slow-down is not
 * explained by it).
 */
export function pipExpectation(b: Baseline | null, fNow: number): { ref: number; lo: number; hi: number } {
  const ref = b?.pip?.median ?? NaN;
  const fRef = b?.frequency_hz?.median ?? NaN;
  if (!Number.isFinite(ref) || !Number.isFinite(fNow) || !(fNow > 0)) return { ref, lo: 0, hi: 0 };
  const bins = b?.pip_by_frequency;
  if (bins && bins.length > 0) {
    let best: [number, number] | null = null;
    for (const bin of bins) if (!best || Math.abs(bin[0] - fNow) < Math.abs(best[0] - fNow)) best = bin;
    if (best && Math.abs(best[0] - fNow) <= 1) return oneSided(best[1], fNow / best[0] - 1);
    if (bins.length >= 2) {
      let sf = 0, sp = 0, sff = 0, sfp = 0;
      let fmin = Infinity, fmax = -Infinity;
      for (const [f, pp] of bins) {
        sf += f; sp += pp; sff += f * f; sfp += f * pp;
        if (f < fmin) fmin = f;
        if (f > fmax) fmax = f;
      }
      const nb = bins.length;
      const den = nb * sff - sf * sf;
      if (fmax - fmin >= 2 && den > 0) {
        const slope = (nb * sfp - sf * sp) / den;
        const at = (sp - slope * sf) / nb + slope * fNow;
        if (slope < 0 && at > 0) {
          const out = fNow < fmin ? fmin - fNow : fNow > fmax ? fNow - fmax : 0;
          const m = 0.02 + 0.5 * PIP_SPEED_GAIN * (out / fNow);
          return { ref: at, lo: -m, hi: m };
        }
      }
    }
  }
  return oneSided(ref, Number.isFinite(fRef) && fRef > 0 ? fNow / fRef - 1 : 0);
}

function oneSided(ref: number, dF: number): { ref: number; lo: number; hi: number } {
  const k = PIP_SPEED_GAIN * Math.abs(dF);
  return dF > 0 ? { ref, lo: -k, hi: 0 } : { ref, lo: 0, hi: k };
}

export interface TrendInfo {
  /** Hours over which the change from baseline to the present level happened; null when not visible. */
  transitionHours: number | null;
}

/**
 * Step or slow? Walk the 2-hour history of a normalised channel (as deviation from baseline): find the last
 * bucket still near baseline and the first later bucket already near the present level. A step takes hours,
 * wear and scale take days to weeks.
 */
export function transition(w: WindowState, value: (slot: number) => number, ref: number, present: number): TrendInfo {
  const D = present / ref - 1;
  if (!(Math.abs(D) >= 0.06) || !(ref > 0)) return { transitionHours: null };
  const lastB = Math.floor(w.lastTs / BUCKET_MS);
  const devs: number[] = [];
  const times: number[] = [];
  for (let b = lastB - N_BUCKETS + 1; b <= lastB; b++) {
    const s = ((b % N_BUCKETS) + N_BUCKETS) % N_BUCKETS;
    if (w.bucketId[s] !== b) continue;
    const x = value(s);
    if (!Number.isFinite(x)) continue;
    devs.push(x / ref - 1);
    times.push(b * BUCKET_MS);
  }
  let a = -1;
  for (let k = devs.length - 1; k >= 0; k--) {
    if (Math.abs(devs[k]) < 0.3 * Math.abs(D) || Math.sign(devs[k]) !== Math.sign(D)) {
      a = k;
      break;
    }
  }
  if (a < 0) return { transitionHours: null };
  for (let k = a + 1; k < devs.length; k++) {
    if (Math.sign(devs[k]) === Math.sign(D) && Math.abs(devs[k]) >= 0.7 * Math.abs(D)) {
      return { transitionHours: (times[k] - times[a]) / 3_600_000 };
    }
  }
  return { transitionHours: null };
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${Math.round(x * 100)} %`;
/**
 * What every feature group reads: the recent window's summary, the references it is judged against, and how to
 * build evidence. One object per computeFeatures() call, passed to each group.
 */
interface FeatureInputs {
  w: WindowState;
  p: WellParams;
  b: Baseline | null;
  st: RecentStats;
  masked: Uint8Array;
  ev: EvidenceMaker;
  /** Recent median per channel (st.med). */
  m: Float64Array;
  fb: number;
  // References: the learned baseline first; nameplate estimates only where they are meaningful.
  qRef: number;
  qRated: number;
  iRef: number;
  /** The baseline's PIP, or the PIP expected at the present speed (pe.ref) when that is known. */
  pRef: number;
  tRef: number;
  vRef: number;
  gRef: number;
  fvRef: number;
  tqRef: number;
  fRef: number;
  /** The PIP expected at the present drive speed and the deviations a speed change explains. */
  pe: { ref: number; lo: number; hi: number };
  pipSlack: number;
}

/** Measured in the recent window and not masked as a suspect sensor. */
function has(ctx: FeatureInputs, c: number): boolean {
  return ctx.st.count[c] > 0 && !ctx.masked[c];
}

export function computeFeatures(w: WindowState, p: WellParams, b: Baseline | null, st: RecentStats, masked: Uint8Array, ev: EvidenceMaker): Features {
  const fx: Features = {};
  const m = st.med;
  // Frequency moved away from the baseline's: pressures are then not comparable (PIP depends on drawdown).
  const fNow = st.count[F] > 0 && !masked[F] ? m[F] : NaN;
  // PIP = static − Q/PI with Q ∝ f: a commanded speed change moves PIP the OTHER way (speed up → more drawdown →
  // lower PIP). The expected interval comes from the baseline's PIP-by-speed table when it covers this speed.
  const pe = pipExpectation(b, fNow);
  const ctx: FeatureInputs = {
    w,
    p,
    b,
    st,
    masked,
    ev,
    m,
    fb: p.baseFrequencyHz,
    qRef: b?.flow_norm?.median ?? NaN,
    qRated: p.ratedFlowBpd ?? NaN,
    iRef: b?.current_norm?.median ?? NaN,
    pRef: Number.isFinite(pe.ref) ? pe.ref : (b?.pip?.median ?? NaN),
    tRef: b?.motor_temp?.median ?? NaN,
    vRef: b?.vibration?.median ?? NaN,
    gRef: b?.gor?.median ?? NaN,
    fvRef: b?.flow_variance?.median ?? NaN,
    tqRef: b?.torque_norm?.median ?? NaN,
    fRef: b?.frequency_hz?.median ?? NaN,
    pe,
    pipSlack: Math.max(-pe.lo, pe.hi),
  };
  // Order matters: the temperature group reads the flow and current features.
  flowFeatures(fx, ctx);
  currentFeatures(fx, ctx);
  pipFeatures(fx, ctx);
  motorTempFeatures(fx, ctx);
  vibrationFeatures(fx, ctx);
  gasFeatures(fx, ctx);
  torqueFeatures(fx, ctx);
  driveFeatures(fx, ctx);
  trendFeatures(fx, ctx);
  compositeFeatures(fx, ctx);
  return fx;
}

/** Flow, normalised to base frequency (affinity law Q·fb/f): gone, dropped, below the recommended minimum, erratic. */
function flowFeatures(fx: Features, ctx: FeatureInputs): void {
  const { p, b, st, ev, m, qRef, qRated } = ctx;
  if (!has(ctx, Q)) return;
  const q = m[Q];
  const dQ = q / qRef - 1;
  const refQ = Number.isFinite(qRef) ? qRef : qRated;
  const refName = Number.isFinite(qRef) ? 'baseline' : 'rated flow';
  if (Number.isFinite(refQ) && refQ > 0) {
    fx.flow_gone = { d: ramp(q / refQ, 0.35, 0.12), ev: ev.of('flow_norm', q, refQ, 0.12 * refQ, 'flow.gone', () => `normalised flow ${Math.round(q)} bbl/d is ${Math.round((100 * q) / refQ)} % of ${refName}`) };
    fx.flow_drop_strong = { d: ramp(q / refQ, 0.7, 0.5), ev: ev.of('flow_norm', q, refQ, 0.5 * refQ, 'flow.strong_drop', () => `normalised flow ${pct(q / refQ - 1)} vs ${refName}`) };
    fx.flow_not_gone = { d: 1 - fx.flow_gone.d, ev: fx.flow_gone.ev };
  } else if (q <= 0.5) {
    fx.flow_gone = { d: 1, ev: ev.of('flow_rate', q, null, null, 'flow.gone', () => 'no flow while the drive runs') };
    fx.flow_not_gone = { d: 0, ev: fx.flow_gone.ev };
  }
  if (Number.isFinite(qRef) && qRef > 0) {
    const e = ev.of('flow_norm', q, qRef, null, 'flow.vs_baseline', () => `normalised flow ${pct(dQ)} vs baseline (affinity law Q·fb/f)`);
    fx.flow_drop_gi = { d: band(dQ, -0.6, -0.38, -0.09, -0.05), ev: ev.as(e, 'flow.moderate_drop') };
    fx.flow_drop_step = { d: band(dQ, -0.75, -0.58, -0.18, -0.12), ev: ev.as(e, 'flow.step_drop') };
    fx.flow_drop_slow = { d: band(dQ, -0.75, -0.55, -0.1, -0.06), ev: ev.as(e, 'flow.decline') };
    fx.flow_normal = { d: 1 - ramp(Math.abs(dQ), 0.06, 0.12), ev: ev.as(e, 'flow.steady') };
    fx.flow_not_down = { d: ramp(dQ, -0.12, -0.05), ev: ev.as(e, 'flow.not_down') };
  } else if (Number.isFinite(qRated)) {
    fx.flow_not_down = { d: ramp(m[Q] / qRated, 0.6, 0.7), ev: ev.of('flow_norm', q, qRated, null, 'flow.not_down', () => 'normalised flow vs rated') };
  }
  if (p.minFlowBpd !== null) {
    fx.flow_below_min = { d: ramp(q / p.minFlowBpd, 1.0, 0.9), ev: ev.of('flow_norm', q, Number.isFinite(qRef) ? qRef : null, p.minFlowBpd, 'flow.below_min', () => `normalised flow ${Math.round(q)} bbl/d vs recommended minimum ${Math.round(p.minFlowBpd ?? NaN)} bbl/d (downthrust risk)`) };
  }
  if (Number.isFinite(st.cv[Q])) {
    const s = relSigma(b?.flow_norm);
    const fl = b?.flow_norm ? 0.03 : 0.06; // with a baseline, the well's own scatter sets the scale
    fx.flow_erratic = { d: ramp(st.cv[Q], Math.max(3 * s, fl), Math.max(6 * s, 2 * fl)), ev: ev.of('flow_norm.cv', st.cv[Q], s, null, 'flow.erratic', () => 'short-term flow scatter') };
  }
}

/** Motor current, normalised (no-load + load·(fb/f)²): at no-load, dropped, over nameplate, erratic. */
function currentFeatures(fx: Features, ctx: FeatureInputs): void {
  if (!has(ctx, I)) return;
  const { p, b, st, ev, m, iRef } = ctx;
  const ir = p.ratedCurrentA;
  const i0 = st.i0;
  const x = m[I];
  if (i0 !== null && i0 > 0 && !st.i0Estimated) {
    const r = x / i0;
    fx.current_noload = { d: r <= 1.35 ? 1 : ramp(r, 1.75, 1.35), ev: ev.of('current_norm', x, Number.isFinite(iRef) ? iRef : null, 1.35 * i0, 'current.no_load', () => `current ${x.toFixed(1)} A vs no-load ≈ ${i0.toFixed(1)} A: motor spins without pumping`) };
  }
  let refI = iRef;
  let est = false;
  if (!Number.isFinite(refI) && ir !== null) {
    refI = 0.85 * ir; // typical loading at base frequency
    est = true;
  }
  if (Number.isFinite(refI) && refI > 0) {
    const rI = x / refI;
    const e = ev.of('current_norm', x, refI, null, 'current.vs_baseline', () => `current ${pct(rI - 1)} vs ${est ? 'typical load (85 % nameplate)' : 'baseline'} at the same normalised frequency`);
    const k = est ? 0.8 : 1;
    fx.current_drop_cv = { d: k * band(rI, 0.5, 0.62, 0.86, 0.93), ev: ev.as(e, 'current.drop_15_30') };
    fx.current_low_gl = { d: k * ramp(rI, 0.92, 0.7), ev: ev.as(e, 'current.toward_no_load') };
    if (!est) {
      fx.current_drop_gi = { d: band(rI, 0.7, 0.8, 0.95, 0.975), ev: ev.as(e, 'current.drop_5_15') };
      fx.current_normal = { d: 1 - ramp(Math.abs(rI - 1), 0.06, 0.1), ev: ev.as(e, 'current.steady_level') };
      fx.current_up_creep = { d: ramp(rI, 1.04, 1.08), ev: ev.as(e, 'current.creep_up') };
      fx.current_not_up = { d: 1 - ramp(rI, 1.03, 1.07), ev: ev.as(e, 'current.not_up') };
    } else {
      fx.current_normal = { d: 0.8 * band(st.rawCurrent / (ir as number), 0.4, 0.5, 1.0, 1.08), ev: ev.as(e, 'current.within_nameplate') };
    }
  }
  if (ir !== null && Number.isFinite(st.rawCurrent)) {
    const r = st.rawCurrent / ir;
    fx.current_over_nameplate = { d: ramp(r, 1.05, 1.12), ev: ev.of('motor_current', st.rawCurrent, Number.isFinite(iRef) ? iRef : null, 1.1 * ir, 'current.over_nameplate', () => `current ${Math.round(r * 100)} % of nameplate ${ir} A`) };
  } else if (Number.isFinite(iRef) && iRef > 0) {
    // No nameplate: a healthy motor runs at ~75–95 % of it, so > 110 % nameplate ≈ > 1.2–1.3 × baseline.
    fx.current_over_nameplate = { d: ramp(x / iRef, 1.15, 1.27), ev: ev.of('current_norm', x, iRef, 1.27 * iRef, 'current.over_estimated_nameplate', () => `current ${pct(x / iRef - 1)} vs baseline (nameplate unknown)`) };
  }
  if (Number.isFinite(st.cv[I])) {
    const s = relSigma(b?.current_norm);
    // Judged against the well's own normal scatter (baseline MAD); the floors only guard noiseless data.
    const erratic = ramp(st.cv[I], Math.max(3 * s, b?.current_norm ? 0.02 : 0.03), Math.max(6 * s, b?.current_norm ? 0.05 : 0.08));
    const spiky = ramp(st.spike[I], 0.04, 0.12);
    fx.current_erratic = { d: erratic, ev: ev.of('current_norm.cv', st.cv[I], s, Math.max(3 * s, 0.03), 'current.erratic', () => 'current scatter (robust CV) vs the well’s normal noise') };
    fx.current_spiky = { d: spiky, ev: ev.of('current.spike_fraction', st.spike[I], 0, 0.04, 'current.spikes', () => 'share of samples far off the window median') };
    fx.current_steady = { d: 1 - Math.max(erratic, spiky), ev: ev.as(fx.current_erratic.ev, 'current.steady') };
    fx.current_irregular = { d: Math.max(erratic, spiky), ev: fx.current_erratic.ev };
    if (Number.isFinite(refI) && refI > 0) {
      fx.current_smooth_decline = { d: (1 - erratic) * ramp(x / refI, 0.96, 0.85), ev: ev.of('current_norm', x, refI, null, 'current.smooth_decline', () => 'current declines smoothly (no gas ragging)') };
    }
  }
}

/** Pump intake pressure, against what the speed change explains: up, toward zero, below the bubble point. */
function pipFeatures(fx: Features, ctx: FeatureInputs): void {
  const { p, b, st, ev, m, pRef, pe, pipSlack } = ctx;
  if (!has(ctx, P)) return;
  const x = m[P];
  if (Number.isFinite(pRef) && pRef > 0) {
    const dRaw = x / pRef - 1;
    const dP = dRaw - Math.min(pe.hi, Math.max(pe.lo, dRaw)); // only the part the speed change cannot explain
    const s = relSigma(b?.pip, 0.005);
    const e = ev.of('pip', x, pRef, null, 'pip.vs_baseline', () => `PIP ${pct(dRaw)} vs baseline${pipSlack > 0.02 ? ` (${Math.round(pe.lo * 100)} … +${Math.round(pe.hi * 100)} % explained by the speed change)` : ''}`);
    fx.pip_up = { d: ramp(dP, Math.max(0.03, 3 * s), Math.max(0.07, 5 * s)), ev: ev.as(e, 'pip.rise') };
    fx.pip_up_leak = { d: band(dP, 0.025, 0.045, 0.25, 0.4), ev: ev.as(e, 'pip.rise_5_20') };
    fx.pip_normal = { d: 1 - ramp(Math.abs(dP), 0.04, 0.08), ev: ev.as(e, 'pip.steady') };
    fx.pip_not_up = { d: 1 - ramp(dP, 0.03, 0.07), ev: ev.as(e, 'pip.not_up') };
    fx.pip_to_zero = { d: Math.max(ramp(x / pRef, 0.45, 0.2), ramp(x, 150, 60)), ev: ev.of('pip', x, pRef, 0.2 * pRef, 'pip.toward_zero', () => `PIP ${Math.round(x)} psi, ${Math.round((100 * x) / pRef)} % of baseline: fluid level near the intake`) };
  } else {
    fx.pip_to_zero = { d: ramp(x, 200, 60), ev: ev.of('pip', x, null, 60, 'pip.toward_zero', () => `PIP ${Math.round(x)} psi: fluid level near the intake`) };
  }
  if (p.bubblePointPsi !== null) {
    fx.pip_below_bubble = { d: ramp(x / p.bubblePointPsi, 1.15, 1.0), ev: ev.of('pip', x, Number.isFinite(pRef) ? pRef : null, p.bubblePointPsi, 'pip.below_bubble_point', () => `PIP vs bubble point ${p.bubblePointPsi} psi: free gas at the intake`) };
  }
  if (Number.isFinite(st.cv[P])) {
    const s = relSigma(b?.pip, 0.005);
    fx.pip_fluct = { d: ramp(st.cv[P], Math.max(3 * s, 0.03), Math.max(6 * s, 0.07)), ev: ev.of('pip.cv', st.cv[P], s, null, 'pip.fluctuating', () => 'PIP fluctuation') };
  }
}

/** Motor temperature against baseline and insulation limit, and whether it is cooling back. */
function motorTempFeatures(fx: Features, ctx: FeatureInputs): void {
  const { p, b, st, ev, m, tRef } = ctx;
  if (!has(ctx, T)) return;
  const x = m[T];
  const lim = p.motorTempLimitC;
  const near = ramp(x, lim - 12, lim - 2);
  // Recovering: hotter than baseline but cooling back toward it (older half of the window hotter than the newer
  // half by a clear margin) while flow and amps are normal again, e.g. after a closed valve was reopened.
  if (Number.isFinite(tRef) && Number.isFinite(st.tempOld) && st.tempNew > tRef) {
    const exc = st.tempOld - tRef;
    const drop = st.tempOld - st.tempNew;
    const flowOk = fx.flow_normal?.d ?? fx.flow_not_gone?.d ?? 1;
    const curOk = fx.current_normal?.d ?? 1;
    const d = ramp(drop, Math.max(1.5, 0.1 * exc), Math.max(3, 0.2 * exc)) * Math.min(flowOk, curOk);
    fx.temp_recovering = { d, ev: ev.of('motor_temp.trend', -drop, tRef, null, 'temp.recovering', () => `motor cooling back toward baseline (${drop.toFixed(1)} °C down across the window) with flow and amps normal`) };
  }
  const rec = fx.temp_recovering?.d ?? 0;
  if (Number.isFinite(tRef)) {
    const dT = x - tRef;
    const e = ev.of('motor_temp', x, tRef, lim, 'temp.vs_baseline', () => `motor ${dT >= 0 ? '+' : ''}${dT.toFixed(1)} °C vs baseline, limit ${lim} °C`);
    fx.temp_up = { d: ramp(dT, 3, 8), ev: ev.as(e, 'temp.rise') };
    fx.temp_up_strong = { d: ramp(dT, 8, 18), ev: ev.as(e, 'temp.fast_rise') };
    // "Far above baseline": beyond the well's own temperature scatter (speed changes move it a few °C), and
    // consistent with the abnormality check below, which calls 12–20 °C "far" (a hot motor at normal amps is
    // this signature, not an unexplained anomaly).
    const tSig = b?.motor_temp ? MAD_TO_SIGMA * b.motor_temp.mad : 0;
    fx.temp_hot = { d: Math.max(near, ramp(dT, Math.max(12, 4 * tSig), Math.max(22, 6 * tSig)) * (1 - rec)), ev: ev.as(e, 'temp.hot') };
    fx.temp_not_up = { d: 1 - ramp(dT, 4, 9), ev: ev.as(e, 'temp.not_up') };
    fx.temp_normal = { d: 1 - ramp(Math.abs(dT), 4, 9), ev: ev.as(e, 'temp.steady') };
  } else {
    const e = ev.of('motor_temp', x, null, lim, 'temp.vs_limit', () => `motor ${x.toFixed(1)} °C vs limit ${lim} °C`);
    fx.temp_hot = { d: near, ev: ev.as(e, 'temp.hot') };
    fx.temp_not_up = { d: 1 - ramp(x, lim - 25, lim - 10), ev: ev.as(e, 'temp.not_up') };
  }
}

/** Vibration level against baseline and limit, and its spikiness. */
function vibrationFeatures(fx: Features, ctx: FeatureInputs): void {
  const { p, b, st, ev, m, vRef } = ctx;
  if (!has(ctx, V)) return;
  const x = m[V];
  const lim = p.vibrationLimitG;
  const ratio = Number.isFinite(vRef) && vRef > 0 ? x / vRef : NaN;
  const e = ev.of('vibration', x, Number.isFinite(vRef) ? vRef : null, lim, 'vib.level', () => `vibration ${x.toFixed(2)} g${Number.isFinite(ratio) ? ` (${ratio.toFixed(1)}× baseline)` : ''}, limit ${lim} g`);
  fx.vib_high = { d: Math.max(ramp(x / lim, 0.92, 1.05), Number.isFinite(ratio) ? ramp(ratio, 2.5, 3.5) : 0), ev: ev.as(e, 'vib.high') };
  if (Number.isFinite(ratio)) {
    fx.vib_up = { d: ramp(ratio, 1.2, 1.5), ev: ev.as(e, 'vib.rise') };
    fx.vib_normal = { d: 1 - ramp(Math.abs(ratio - 1), 0.2, 0.4), ev: ev.as(e, 'vib.steady_level') };
  } else {
    fx.vib_normal = { d: 1 - ramp(x / lim, 0.6, 0.9), ev: ev.as(e, 'vib.below_limit') };
  }
  if (Number.isFinite(st.cv[V])) {
    const s = relSigma(b?.vibration, 0.03);
    const spiky = Math.max(ramp(st.cv[V], Math.max(3 * s, 0.15), Math.max(6 * s, 0.3)), ramp(st.spike[V], 0.06, 0.15));
    fx.vib_spiky = { d: spiky, ev: ev.of('vibration.cv', st.cv[V], s, null, 'vib.spiky', () => 'vibration scatter / spikes') };
    fx.vib_steady = { d: 1 - spiky, ev: ev.as(fx.vib_spiky.ev, 'vib.steady') };
  }
}

/** Gas: GOR against baseline, and flow variance. */
function gasFeatures(fx: Features, ctx: FeatureInputs): void {
  const { ev, m, gRef, fvRef } = ctx;
  if (has(ctx, G) && Number.isFinite(gRef) && gRef > 0) {
    const r = m[G] / gRef;
    const e = ev.of('gor', m[G], gRef, null, 'gor.vs_baseline', () => `GOR ${r.toFixed(1)}× baseline`);
    fx.gor_up = { d: ramp(r, 1.2, 1.5), ev: ev.as(e, 'gor.rise') };
    fx.gor_up_strong = { d: ramp(r, 1.8, 2.8), ev: ev.as(e, 'gor.strong_rise') };
    fx.gor_normal = { d: 1 - ramp(r, 1.2, 1.5), ev: ev.as(e, 'gor.normal') };
  }
  if (has(ctx, FV)) {
    const x = m[FV];
    const ref = Number.isFinite(fvRef) && fvRef > 0 ? fvRef : 6; // typical 2–10 %
    const e = ev.of('flow_variance', x, Number.isFinite(fvRef) ? fvRef : null, null, 'flow_variance.level', () => `flow variance ${x.toFixed(1)} %`);
    fx.fvar_up = { d: ramp(x, Math.max(12, 2 * ref), Math.max(18, 3 * ref)), ev: ev.as(e, 'flow_variance.high', Math.max(12, 2 * ref)) };
    fx.fvar_very_high = { d: ramp(x, Math.max(25, 4 * ref), Math.max(40, 6 * ref)), ev: ev.as(e, 'flow_variance.very_high', Math.max(25, 4 * ref)) };
    fx.fvar_normal = { d: 1 - fx.fvar_up.d, ev: ev.as(e, 'flow_variance.normal') };
  }
}

/** Torque, normalised (∝ f²): near zero, up, spiky. */
function torqueFeatures(fx: Features, ctx: FeatureInputs): void {
  const { b, st, ev, m, tqRef } = ctx;
  if (!has(ctx, TQ)) return;
  const x = m[TQ];
  if (Number.isFinite(tqRef) && tqRef > 0) {
    const r = x / tqRef;
    const e = ev.of('torque_norm', x, tqRef, null, 'torque.vs_baseline', () => `torque ${pct(r - 1)} vs baseline`);
    fx.torque_near_zero = { d: ramp(r, 0.35, 0.15), ev: ev.as(e, 'torque.near_zero') };
    fx.torque_up = { d: ramp(r, 1.04, 1.1), ev: ev.as(e, 'torque.rise') };
  }
  if (Number.isFinite(st.cv[TQ])) {
    const s = relSigma(b?.torque_norm);
    fx.torque_spiky = { d: Math.max(ramp(st.cv[TQ], Math.max(3 * s, 0.04), Math.max(6 * s, 0.1)), ramp(st.spike[TQ], 0.04, 0.12)), ev: ev.of('torque.cv', st.cv[TQ], s, null, 'torque.spikes', () => 'torque scatter / spikes') };
  }
}

/** Drive frequency: below the useful minimum, or hunting. */
function driveFeatures(fx: Features, ctx: FeatureInputs): void {
  const { st, ev, m, fb, fRef } = ctx;
  if (!has(ctx, F)) return;
  const fmin = usefulMinFrequency(fb);
  fx.freq_below_min = { d: ramp(m[F] / fb, 0.6, 0.55), ev: ev.of('vsd_frequency', m[F], Number.isFinite(fRef) ? fRef : null, fmin, 'vsd.below_useful_min', () => `drive at ${m[F].toFixed(1)} Hz, useful minimum ≈ ${fmin.toFixed(0)} Hz`) };
  if (st.n >= 4) {
    // Hunting moves the frequency on most samples; a commanded step moves it once (and leaves no residual).
    // A drive holds its output within ~0.1 Hz; a scatter of 0.2–0.5 Hz that no single step explains is hunting.
    // It also keeps reversing: two commanded steps (down, then back up) reverse once.
    // Or it moves on most samples (the median successive move is large: one or two steps leave it at 0).
    const hunting = st.n >= 5 ? Math.max(ramp(st.freqMedStep, 0.2, 0.5) * ramp(st.freqReversalsFine, 1, 2), ramp(st.freqMedAbsDiff, 0.4, 1.0)) : 0;
    const d = Math.max(ramp(st.freqMoves, 0.25, 0.5) * ramp(st.freqReversals, 0, 2), hunting);
    fx.freq_unstable = { d, ev: ev.of('vsd_frequency.moves', st.freqMoves, 0, 0.25, 'vsd.unstable', () => `${Math.round(st.freqMoves * 100)} % of samples show frequency moves > 0.5 Hz, ${st.freqReversals} reversals (a commanded step moves once)`) };
  }
}

/** Trend of the flow change: a step (hours) or slow (days–weeks)? */
function trendFeatures(fx: Features, ctx: FeatureInputs): void {
  const { w, ev, m, qRef } = ctx;
  if (!(has(ctx, Q) && Number.isFinite(qRef) && qRef > 0)) return;
  const tr = transition(w, (s) => (w.bQN[s] > 0 ? w.bQSum[s] / w.bQN[s] : NaN), qRef, m[Q]);
  if (tr.transitionHours !== null) {
    const h = tr.transitionHours;
    const e = ev.of('flow_norm.transition_hours', h, null, null, 'trend.flow', () => `normalised flow moved from baseline to its present level over ≈ ${h < 48 ? `${Math.round(h)} h` : `${(h / 24).toFixed(1)} days`}`);
    fx.change_step = { d: ramp(h, 16, 6), ev: ev.as(e, 'trend.step') };
    fx.change_slow = { d: ramp(h, 36, 96), ev: ev.as(e, 'trend.slow') };
  }
}

/** Composites used by several signatures. */
function compositeFeatures(fx: Features, ctx: FeatureInputs): void {
  const { ev } = ctx;
  fx.gas_strong = maxOf(fx.gor_up_strong, fx.fvar_very_high);
  fx.gas_any = maxOf(fx.gor_up, fx.fvar_up, fx.pip_below_bubble);
  fx.current_gl = maxOf(fx.current_low_gl, fx.current_erratic);
  fx.current_gi = maxOf(fx.current_drop_gi, fx.current_erratic);
  fx.temp_rise = maxOf(fx.temp_up, fx.temp_hot);
  fx.wear_sign = maxOf(fx.change_slow, fx.vib_up);
  fx.vsd = maxOf(fx.freq_unstable, fx.freq_below_min);
  fx.not_step = neg(ev, fx.change_step, 'not a step change');
  fx.not_slow = neg(ev, fx.change_slow, 'not a slow (days–weeks) decline');
  fx.not_erratic = neg(ev, fx.current_erratic, 'current is not erratic');
  fx.not_noload = neg(ev, fx.current_noload, 'current stays well above no-load: the pump still loads the motor');
  fx.not_over = neg(ev, fx.current_over_nameplate, 'current within nameplate');
  fx.not_pip_zero = neg(ev, fx.pip_to_zero, 'PIP is not draining toward zero');
  fx.not_gas_strong = neg(ev, fx.gas_strong, 'no strong gas signs (GOR, flow variance)');
  // Sand texture: vibration spiky, or current / torque / flow erratic across samples (vs the well's own normal
  // scatter). Sparse sampling (15 min – 1 h) rarely catches vibration spikes, but one of these usually shows.
  fx.mech_texture = maxOf(fx.vib_spiky, fx.current_irregular, fx.torque_spiky, fx.flow_erratic);
  fx.not_gas_any = neg(ev, maxOf(fx.gor_up, fx.fvar_very_high, fx.pip_below_bubble), 'no gas signs');
}

/** The complement of a feature, with evidence that says so (an engineer must not read the opposite). */
function neg(ev: EvidenceMaker, f: Feature | null | undefined, note: string): Feature | null {
  if (!f) return null;
  return { d: 1 - f.d, ev: ev.build(() => ({ ...f.ev, rule: `${f.ev.rule}.absent`, note })) };
}

function maxOf(...fs: (Feature | null | undefined)[]): Feature | null {
  let best: Feature | null = null;
  for (const f of fs) if (f && (!best || f.d > best.d)) best = f;
  return best;
}

/** How far from its own normal the well is on any channel, whether or not a signature explains it. */
export function abnormality(_fx: Features, st: RecentStats, b: Baseline | null, ev: EvidenceMaker): { d: number; ev: Feature | null } {
  const m = st.med;
  // Evidence is built only for the winning deviation, and not at all in lite mode.
  let bestD = 0;
  let bestEv: (() => Evidence) | null = null;
  const add = (d: number, e: () => Evidence): void => {
    const x = clamp01(d);
    if (bestEv === null || x > bestD) {
      bestD = x;
      bestEv = e;
    }
  };
  if (b) {
    // PIP moves with drawdown when the operator changes speed (one-sided, see pipExpectation).
    const pe = pipExpectation(b, m[F]);
    const pairs: [number, ChannelStat | null, number, number, string][] = [
      [Q, b.flow_norm, 0.2, 0.35, 'flow_norm'],
      [I, b.current_norm, 0.15, 0.3, 'current_norm'],
      [P, b.pip, 0.2, 0.35, 'pip'],
      [TQ, b.torque_norm, 0.25, 0.4, 'torque_norm'],
    ];
    for (const [c, s, lo, hi, name] of pairs) {
      if (!s || !(s.median > 0) || !Number.isFinite(m[c])) continue;
      const ref = c === P && Number.isFinite(pe.ref) ? pe.ref : s.median;
      const raw = m[c] / ref - 1;
      const dv = Math.abs(c === P ? raw - Math.min(pe.hi, Math.max(pe.lo, raw)) : raw);
      add(ramp(dv, lo, hi), () => ({ channel: name, observed: round(m[c], 3), baseline: round(ref, 3), rule: 'anomaly.deviation', note: `${pct(m[c] / ref - 1)} vs baseline${c === P && pe.hi - pe.lo > 0.02 ? ' (beyond what the speed change explains)' : ''}, no signature matches` }));
    }
    if (b.motor_temp && Number.isFinite(m[T])) {
      const dT = Math.abs(m[T] - b.motor_temp.median);
      // A hot motor cooling back toward baseline while flow and amps are normal is recovering, not abnormal.
      const rec = _fx.temp_recovering?.d ?? 0;
      const tSig = MAD_TO_SIGMA * b.motor_temp.mad;
      add(ramp(dT, Math.max(12, 4 * tSig), Math.max(20, 6 * tSig)) * (1 - rec), () => ({ channel: 'motor_temp', observed: round(m[T], 2), baseline: b.motor_temp!.median, rule: 'anomaly.deviation', note: 'temperature far from baseline, no signature matches' }));
    }
    if (b.vibration && b.vibration.median > 0 && Number.isFinite(m[V])) {
      const r = m[V] / b.vibration.median;
      add(Math.max(ramp(r, 2, 3), ramp(1 / r, 2.5, 4)), () => ({ channel: 'vibration', observed: round(m[V], 3), baseline: b.vibration!.median, rule: 'anomaly.deviation', note: 'vibration far from baseline, no signature matches' }));
    }
  }
  const mk = bestEv as (() => Evidence) | null;
  return { d: bestD, ev: mk === null ? null : { d: bestD, ev: ev.build(mk) } };
}
