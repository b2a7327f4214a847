// The diagnostic engine: pure and synchronous. Feeds the readings through the shared window state, matches the
// fault signatures and reports the best one with its evidence.
import type { Diagnosis, DiagnosisCode, Evidence } from '../domain/diagnosis.js';
import type { Reading } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import { baselineFromRows, isSorted, selectHealthyRows, type Baseline } from './baseline.js';
import { CODE_INFO } from './codes.js';
import { FULL_EVIDENCE, LITE_EVIDENCE } from './evidence.js';
import { abnormality, computeFeatures } from './features.js';
import { NO_LOAD_FRACTION, resolveWell, type WellParams } from './physics.js';
import { cycling, scoreSignature, sensorSuspects, shutDown, SIGNATURES, type Candidate } from './rules/index.js';
import { recentStats } from './recent.js';
import { EngineScratch } from './scratch.js';
import { clamp01, round } from './stats.js';
import { WindowState } from './window.js';

/** A signature must score at least this to be reported. */
export const FIRE_THRESHOLD = 0.5;
/** Abnormal enough to say "something is wrong" when no signature fits. */
export const UNKNOWN_THRESHOLD = 0.6;
/** Share of the window (by time) used to learn a baseline when none is given. */
export const EARLY_BASELINE_FRACTION = 0.4;

export interface DiagnoseOptions {
  baseline?: Baseline | null;
  /** Reported ts when there are no readings. */
  now?: number;
}

function build(code: DiagnosisCode, confidence: number, evidence: Evidence[], ts: number, summary: string): Diagnosis {
  const info = CODE_INFO[code];
  let severity = info.severity;
  // A hot motor at or above its insulation limit is critical (life halves every 10 °C over it).
  if (code === 'MOTOR_OVERHEAT' && evidence.some((e) => e.channel === 'motor_temp' && e.limit != null && e.observed != null && e.observed >= e.limit)) severity = 'critical';
  return {
    diagnosis: code,
    category: info.category,
    confidence: round(clamp01(confidence), 3),
    severity,
    actions: [...info.actions],
    resolution_time: info.resolution_time,
    evidence,
    ts,
    summary,
  };
}

function summarise(code: DiagnosisCode, evidence: Evidence[]): string {
  const notes = evidence
    .filter((e) => e.note)
    .slice(0, 3)
    .map((e) => e.note)
    .join('; ');
  return notes ? `${CODE_INFO[code].title}: ${notes}` : CODE_INFO[code].title;
}

/** Every signature's score for the current window, best first (for explanations and debugging). */
export interface Scored {
  code: DiagnosisCode;
  score: number;
}

/**
 * Judge the current state of a window. Exposed for the stream, which keeps its own window. `now` is the reported
 * ts when the window holds no readings; `scores`, when given, receives every signature's score, best first.
 */
export function evaluate(w: WindowState, p: WellParams, b: Baseline | null, scratch: EngineScratch, now?: number, scores?: Scored[]): Diagnosis {
  return judge(w, p, b, scratch, now, false, scores) as Diagnosis;
}

/**
 * The code evaluate() would report, without building evidence, strings or score lists (the stream's routine
 * evaluations; the full diagnosis is built only when the code changes or is asked for). Same decisions.
 */
export function evaluateCode(w: WindowState, p: WellParams, b: Baseline | null, scratch: EngineScratch): DiagnosisCode {
  return judge(w, p, b, scratch, undefined, true) as DiagnosisCode;
}

function judge(w: WindowState, p: WellParams, b: Baseline | null, scratch: EngineScratch, now: number | undefined, lite: boolean, scores?: Scored[]): Diagnosis | DiagnosisCode {
  if (w.count === 0) {
    return lite ? 'UNKNOWN' : build('UNKNOWN', 0, [], now ?? 0, 'No readings to judge');
  }
  const ts = w.lastTs;
  const cyc = cycling(w);
  if (!w.running) {
    if (lite) return cyc ? cyc.code : 'SHUT_DOWN';
    const sd = shutDown(w) as Candidate;
    const c = cyc ?? sd;
    return build(c.code, c.score, c.evidence, ts, summarise(c.code, c.evidence));
  }

  const suspects = sensorSuspects(w, b, scratch);
  const masked = scratch.masked.fill(0);
  for (const s of suspects) masked[s.channel] = 1;
  const st = recentStats(w, b, masked, scratch);
  const ev = lite ? LITE_EVIDENCE : FULL_EVIDENCE;
  const fx = computeFeatures(w, p, b, st, masked, ev);

  let best: Candidate | null = null;
  let state: Candidate | null = null;
  for (const sig of SIGNATURES) {
    const c = scoreSignature(sig, fx, lite);
    if (!c) continue;
    if (scores) scores.push({ code: c.code, score: round(c.score, 3) });
    if (c.code === 'LOW_FLOW') state = c;
    else if (!best || c.score > best.score) best = c;
  }
  // A state (flow below the recommended range) is the diagnosis only when no event signature explains the
  // well's condition: a pump-off, leak or gas lock also lowers flow below the minimum.
  if (state && (!best || best.score < FIRE_THRESHOLD) && (!best || state.score > best.score)) best = state;
  if (scores) scores.sort((a, b2) => b2.score - a.score);
  if (cyc && (!best || cyc.score > best.score)) best = cyc;

  if (lite) {
    if (best && best.score >= FIRE_THRESHOLD) return best.code;
    if (suspects.length > 0) return 'SENSOR_FAULT';
    const ab = abnormality(fx, st, b, ev);
    return ab.d >= UNKNOWN_THRESHOLD && ab.ev ? 'UNKNOWN' : 'NORMAL';
  }

  // Persistence: one or two samples are judged, but with less confidence.
  const persist = st.n >= 3 ? 1 : st.n === 2 ? 0.9 : 0.8;
  const sensorEv = suspects.map((s) => s.evidence);

  if (best && best.score >= FIRE_THRESHOLD) {
    const ev = [...best.evidence, ...sensorEv];
    return build(best.code, best.score * persist * (0.85 + 0.15 * best.coverage), ev, ts, summarise(best.code, ev));
  }
  if (suspects.length > 0) {
    return build('SENSOR_FAULT', 0.85 * persist, sensorEv, ts, summarise('SENSOR_FAULT', sensorEv));
  }
  const ab = abnormality(fx, st, b, ev);
  if (ab.d >= UNKNOWN_THRESHOLD && ab.ev) {
    const ev = [ab.ev.ev];
    if (best) ev.push({ channel: 'closest_signature', observed: round(best.score, 3), limit: FIRE_THRESHOLD, rule: `closest.${best.code}`, note: `closest signature ${best.code} scored ${round(best.score, 2)}, below ${FIRE_THRESHOLD}` });
    return build('UNKNOWN', 0.4 + 0.4 * ab.d, ev, ts, summarise('UNKNOWN', ev));
  }
  return build('NORMAL', normalConfidence(p, b, best) * persist, normalEvidence(fx, b), ts, normalSummary(b, p, fx));
}

function normalConfidence(p: WellParams, b: Baseline | null, best: Candidate | null): number {
  const known = b ? 1 : p.ratedCurrentA !== null || p.ratedFlowBpd !== null ? 0.8 : 0.6;
  return known * (1 - 0.6 * (best?.score ?? 0));
}

function normalEvidence(fx: ReturnType<typeof computeFeatures>, b: Baseline | null): Evidence[] {
  const ev: Evidence[] = [];
  for (const k of ['flow_normal', 'current_normal', 'pip_normal', 'temp_normal', 'vib_normal', 'flow_not_gone']) {
    const f = fx[k];
    if (f && !ev.some((e) => e.channel === f.ev.channel)) ev.push(f.ev);
  }
  if (!b) ev.push({ channel: 'baseline', observed: null, rule: 'context.no_baseline', note: 'no learned baseline: judged against nameplate and generic defaults only' });
  return ev;
}

function normalSummary(b: Baseline | null, p: WellParams, fx: ReturnType<typeof computeFeatures>): string {
  const f = fx.freq_below_min?.ev.observed;
  const fRef = b?.frequency_hz?.median;
  const step = f != null && fRef != null && Math.abs(f / fRef - 1) > 0.03;
  return `${CODE_INFO.NORMAL.title}${step ? ` (frequency ${fRef} → ${f} Hz obeys the affinity laws)` : ''}${b ? '' : p.ratedFlowBpd !== null || p.ratedCurrentA !== null ? ' (nameplate only, no baseline yet)' : ' (generic defaults only)'}`;
}

/**
 * Discard baseline channels that cannot describe a healthy pump given the nameplate (used when the baseline is
 * learned from the early part of a window that may itself be faulty).
 */
export function plausibleBaseline(b: Baseline, p: WellParams): Baseline {
  const out: Baseline = { ...b };
  if (p.ratedFlowBpd !== null && out.flow_norm && out.flow_norm.median < 0.35 * p.ratedFlowBpd) out.flow_norm = null;
  if (p.ratedCurrentA !== null && out.current_norm) {
    const i = out.current_norm.median / p.ratedCurrentA;
    if (i < 1.6 * NO_LOAD_FRACTION || i > 1.1) out.current_norm = null;
  }
  if (out.motor_temp && out.motor_temp.median >= p.motorTempLimitC - 10) out.motor_temp = null;
  if (out.vibration && out.vibration.median >= 0.9 * p.vibrationLimitG) out.vibration = null;
  if (out.flow_variance && out.flow_variance.median >= 25) out.flow_variance = null;
  return out;
}

/** Sorted ascending by ts, one reading per ts (the later duplicate wins, as storage would keep it). */
export function prepareReadings(readings: readonly Reading[]): Reading[] {
  const sorted = isSorted(readings) ? readings : [...readings].sort((a, b) => a.ts - b.ts);
  const out: Reading[] = [];
  for (const r of sorted) {
    if (!Number.isFinite(r.ts)) continue;
    if (out.length > 0 && out[out.length - 1].ts === r.ts) out[out.length - 1] = r;
    else out.push(r);
  }
  return out;
}

/** Learn a baseline from the early part of a window (when no stored baseline exists). */
export function earlyBaseline(p: WellParams, readings: readonly Reading[]): Baseline | null {
  if (readings.length < 16) return null;
  const first = readings[0].ts;
  const cut = first + EARLY_BASELINE_FRACTION * (readings[readings.length - 1].ts - first);
  let k = 0;
  while (k < readings.length && readings[k].ts <= cut) k++;
  const b = baselineFromRows(p, selectHealthyRows(p, readings.slice(0, k)));
  return b ? plausibleBaseline(b, p) : null;
}

/** diagnose() plus every signature's score, best first: "why not X?" for engineers and the CLI. */
export function explain(well: Partial<WellNameplate>, readings: Reading[], opts: DiagnoseOptions = {}): { diagnosis: Diagnosis; scores: Scored[]; baseline: Baseline | null } {
  const p = resolveWell(well);
  const rs = prepareReadings(readings);
  const b = opts.baseline ?? earlyBaseline(p, rs);
  const w = new WindowState(p);
  for (const r of rs) w.push(r);
  const scores: Scored[] = [];
  const diagnosis = evaluate(w, p, b, new EngineScratch(), opts.now, scores);
  return { diagnosis, scores, baseline: b };
}

export function diagnose(well: Partial<WellNameplate>, readings: Reading[], opts: DiagnoseOptions = {}): Diagnosis {
  const p = resolveWell(well);
  const rs = prepareReadings(readings);
  const b = opts.baseline ?? earlyBaseline(p, rs);
  const w = new WindowState(p);
  for (const r of rs) w.push(r);
  return evaluate(w, p, b, new EngineScratch(), opts.now);
}
