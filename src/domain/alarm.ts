import type { DiagnosisCode, Evidence, Severity } from './diagnosis.js';

export const ALARM_STATUSES = ['active', 'acknowledged', 'cleared'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

/** Lifecycle: active → acknowledged (by a user, with a note) → cleared (by the engine when the condition ends). */
export interface Alarm {
  id: number;
  well_id: string;
  code: DiagnosisCode;
  severity: Severity;
  status: AlarmStatus;
  message: string;
  evidence: Evidence[];
  raised_at: string;
  /** Timestamp of the reading that raised it. */
  reading_ts: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  ack_note: string | null;
  cleared_at: string | null;
}
