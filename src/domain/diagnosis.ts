// What a diagnosis carries (ESP-DIAGNOSTICS.md sections 4 and 5).
import type { ChannelValues } from './reading.js';

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
 * The wire form of a diagnosis (the original API's field names, ISO timestamps); one not stored has
 * `diagnostic_id: null` and no `created_at`.
 */
export function diagnosisToJson(
  d: Diagnosis & Pick<StoredDiagnosis, 'well_id' | 'telemetry_snapshot'> & { id: number | null; created_at?: string },
): Record<string, unknown> {
  return {
    diagnostic_id: d.id,
    well_id: d.well_id,
    diagnosis: d.diagnosis,
    category: d.category,
    confidence: d.confidence,
    severity: d.severity,
    actions: d.actions,
    resolution_time: d.resolution_time,
    summary: d.summary ?? null,
    evidence: d.evidence,
    telemetry_snapshot: d.telemetry_snapshot,
    timestamp: new Date(d.ts).toISOString(),
    ...(d.created_at === undefined ? {} : { created_at: d.created_at }),
  };
}
