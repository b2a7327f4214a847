// Diagnosis from a well's long history (analyze-latest, the CLI): the acute engine on the latest window against a
// rolling baseline, plus the slow judgement (PUMP_WEAR, SCALE) and developing trends against the well's reference.
import type { Diagnosis, DiagnosisCode } from '../domain/diagnosis.js';
import type { Reading } from '../domain/reading.js';
import type { ChannelTrend } from '../domain/surveillance.js';
import type { WellNameplate } from '../domain/well.js';
import { learnBaseline, type Baseline } from './baseline.js';
import { CODE_INFO } from './codes.js';
import { diagnose, prepareReadings } from './engine.js';
import { analyseTrends, judgeSlow, trendFindings, type Reference, type SlowFinding, type TrendOptions } from './trends.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The acute engine judges at least this much of the newest data... */
export const RECENT_WINDOW_MS = 24 * HOUR;
/** ...and at least this many readings (sparse wells reach further back). */
export const RECENT_MIN_READINGS = 48;
/** The rolling baseline is learned from up to this much data before the recent window. */
export const ROLLING_BASELINE_MS = 30 * DAY;

/** Acute results that a slow degradation found against the reference may replace (they are not acute faults). */
const SLOW_OVERRIDES: ReadonlySet<DiagnosisCode> = new Set(['NORMAL', 'UNKNOWN', 'LOW_FLOW', 'PUMP_WEAR', 'SCALE', 'TUBING_LEAK']);

export interface HistoryOptions {
  /** A stored rolling baseline; default: learned from the 30 days before the recent window. */
  baseline?: Baseline | null;
  reference?: TrendOptions['reference'];
  now?: number;
  recentMs?: number;
  /** Readings at or after this ts are the acute engine's window (default: the last 24 h, at least 48 readings). */
  recentFrom?: number;
}

export interface HistoryDiagnosis {
  diagnosis: Diagnosis;
  /** The acute engine's view of the recent window alone. */
  acute: Diagnosis;
  slow: SlowFinding | null;
  trends: ChannelTrend[];
  reference: Reference | null;
  baseline: Baseline | null;
  readingsRecent: number;
}

/** Index of the first reading of the recent window. */
export function recentWindowStart(sorted: readonly Reading[], recentMs = RECENT_WINDOW_MS): number {
  if (sorted.length === 0) return 0;
  const end = sorted[sorted.length - 1].ts;
  let k = sorted.length;
  while (k > 0 && sorted[k - 1].ts >= end - recentMs) k--;
  return Math.max(0, Math.min(k, sorted.length - RECENT_MIN_READINGS));
}

export function diagnoseHistory(well: Partial<WellNameplate>, readings: readonly Reading[], opts: HistoryOptions = {}): HistoryDiagnosis {
  const sorted = prepareReadings(readings);
  let k = recentWindowStart(sorted, opts.recentMs);
  if (opts.recentFrom !== undefined) {
    k = sorted.length;
    while (k > 0 && sorted[k - 1].ts >= opts.recentFrom) k--;
  }
  const recent = sorted.slice(k);
  let baseline = opts.baseline ?? null;
  if (opts.baseline === undefined && k > 0) {
    const from = sorted[k].ts - ROLLING_BASELINE_MS;
    let j = k;
    while (j > 0 && sorted[j - 1].ts >= from) j--;
    baseline = learnBaseline(well, sorted.slice(j, k));
  }
  const acute = diagnose(well, recent, { baseline, now: opts.now });
  const a = analyseTrends(well, sorted, { reference: opts.reference });
  const slow = judgeSlow(a);
  let diagnosis = acute;
  if (slow && SLOW_OVERRIDES.has(acute.diagnosis) && (acute.diagnosis !== 'TUBING_LEAK' || slow.confidence >= 0.6)) {
    const info = CODE_INFO[slow.code];
    diagnosis = {
      diagnosis: slow.code,
      category: info.category,
      confidence: slow.confidence,
      severity: info.severity,
      actions: [...info.actions],
      resolution_time: info.resolution_time,
      evidence: slow.evidence,
      ts: acute.ts,
      summary: slow.summary,
    };
  }
  const findings = trendFindings(a).filter((f) => !diagnosis.evidence.some((e) => e.rule === f.rule));
  if (findings.length) diagnosis = { ...diagnosis, evidence: [...diagnosis.evidence, ...findings.slice(0, 3)] };
  return { diagnosis, acute, slow, trends: a.trends.map(({ channel, slope_per_day, slope_per_day_low, slope_per_day_high, p_value, significant, days, points, value_now, reference_value, change_since_reference }) => ({ channel, slope_per_day, slope_per_day_low, slope_per_day_high, p_value, significant, days, points, value_now, reference_value, change_since_reference })), reference: a.reference, baseline, readingsRecent: recent.length };
}
