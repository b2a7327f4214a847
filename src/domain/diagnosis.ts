// What a diagnosis carries (ESP-DIAGNOSTICS.md sections 4 and 5).
import { readingId, type ChannelValues } from './reading.js';

export const DIAGNOSIS_CODES = [
  'NORMAL',
  'SHUT_DOWN',
  'GAS_LOCK',
  'GAS_INTERFERENCE',
  'PUMP_OFF',
  'BROKEN_SHAFT',
  'CLOSED_VALVE',
  'TUBING_LEAK',
  'PUMP_WEAR',
  'SCALE',
  'SAND_PRODUCTION',
  'MOTOR_OVERHEAT',
  'MOTOR_OVERLOAD',
  'HIGH_VIBRATION',
  'FREQUENT_CYCLING',
  'SENSOR_FAULT',
  'VSD_ISSUE',
  'LOW_FLOW',
  'UNKNOWN',
] as const;
export type DiagnosisCode = (typeof DIAGNOSIS_CODES)[number];

/** The original platform's eight categories, kept so older clients keep working. */
export const CATEGORIES = [
  'NORMAL',
  'GAS_LOCK',
  'PUMP_WEAR',
  'MOTOR_ISSUE',
  'VSD_ISSUE',
  'VIBRATION_ISSUE',
  'LOW_FLOW',
  'UNKNOWN',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher = worse; used to sort and to colour the fleet. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface Evidence {
  /** Channel name, or a derived quantity such as `flow_normalised` or `starts_per_day`. */
  channel: string;
  /** What was observed (the value the rule judged). */
  observed: number | null;
  /** The well's learned baseline for this quantity, when known. */
  baseline?: number | null;
  /** The limit the rule compared against, when one applies. */
  limit?: number | null;
  /** The rule that fired, e.g. `flow.step_drop`. */
  rule: string;
  /** A sentence for the engineer. */
  note?: string;
}

export interface Diagnosis {
  diagnosis: DiagnosisCode;
  category: Category;
  confidence: number;
  severity: Severity;
  actions: string[];
  resolution_time: string;
  evidence: Evidence[];
  /** Timestamp (epoch ms) of the newest reading the diagnosis is based on. */
  ts: number;
  /** Short human summary. */
  summary?: string;
}

/** A diagnosis as stored, with its id and the reading snapshot it judged. */
export interface StoredDiagnosis extends Diagnosis {
  id: number;
  well_id: string;
  telemetry_snapshot: Partial<ChannelValues> | null;
  created_at: string;
}

/**
 * The wire form of a diagnosis. The original platform's fields keep their names and meanings: `diagnosis` is
 * one of its eight categories (what its clients switch on), `id`/`diagnostic_id` the stored row (null when not
 * stored), `telemetry_snapshot` the judged reading with its `well_id`, `notes` free text. The detailed code of
 * this engine is `code`; `summary` and `evidence` explain it. `description`, `root_cause`,
 * `recommended_actions` and `expected_resolution_time` are the names the original's API examples read.
 */
export function diagnosisToJson(
  d: Diagnosis & Pick<StoredDiagnosis, 'well_id' | 'telemetry_snapshot'> & { id: number | null; created_at?: string },
): Record<string, unknown> {
  const summary = d.summary ?? null;
  return {
    id: d.id,
    diagnostic_id: d.id,
    well_id: d.well_id,
    timestamp: new Date(d.ts).toISOString(),
    diagnosis: d.category,
    code: d.diagnosis,
    category: d.category,
    confidence: d.confidence,
    severity: d.severity,
    actions: d.actions,
    resolution_time: d.resolution_time,
    notes: summary,
    summary,
    description: summary,
    root_cause: d.evidence.find((e) => e.note)?.note ?? summary,
    recommended_actions: d.actions,
    expected_resolution_time: d.resolution_time,
    evidence: d.evidence,
    telemetry_snapshot: d.telemetry_snapshot ? snapshotJson(d.well_id, d.telemetry_snapshot) : null,
    ...(d.created_at === undefined ? {} : { created_at: d.created_at }),
  };
}

/** The stored snapshot as the original's clients read it: with the reading's `well_id` and `id`. */
function snapshotJson(wellId: string, snap: Partial<ChannelValues> & { timestamp?: string }): Record<string, unknown> {
  const ts = snap.timestamp === undefined ? NaN : Date.parse(snap.timestamp);
  return { well_id: wellId, ...(Number.isFinite(ts) ? { id: readingId(wellId, ts) } : {}), ...snap };
}
