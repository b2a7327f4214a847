// The one storage interface every layer above talks to. Both adapters implement it with the same SQL.
import type { Alarm, AlarmStatus } from '../domain/alarm.js';
import type { Diagnosis, Severity, StoredDiagnosis } from '../domain/diagnosis.js';
import type { ChannelValues, Reading } from '../domain/reading.js';
import type { Well, WellNameplate } from '../domain/well.js';

export interface WellStatus {
  /** One of the original platform's eight categories, as `diagnosis` is everywhere on the wire. */
  diagnosis: string;
  /** The engine's detailed code (GAS_INTERFERENCE, BROKEN_SHAFT…). */
  code: string;
  category: string;
  severity: Severity;
  confidence: number;
  summary: string | null;
  since: string;
  timestamp: string;
  diagnostic_id: number | null;
}

export interface LatestReading extends ChannelValues {
  timestamp: string;
}

export interface FleetWell extends Well {
  status: WellStatus | null;
  latest: LatestReading | null;
}

export interface WellListQuery {
  field?: string;
  severity?: Severity;
  q?: string;
  limit: number;
  offset: number;
}

export interface TimeRange {
  from: number;
  to: number;
}

export interface ChannelAggregate {
  avg: number;
  min: number;
  max: number;
}

export interface Bucket {
  ts: number;
  samples: number;
  values: Record<string, ChannelAggregate | null>;
}

export interface TelemetrySummary {
  count: number;
  first: Reading | null;
  last: Reading | null;
  averages: Record<string, number | null>;
  minimums: Record<string, number | null>;
  maximums: Record<string, number | null>;
  /** Sample standard deviation per channel (null with fewer than two values). */
  stddevs: Record<string, number | null>;
}

/** A well's stored diagnoses over a range, as the original platform's summary counts them. */
export interface DiagnosisCounts {
  total: number;
  /** Severity critical or high. */
  critical: number;
  /** The newest diagnosis stored before the end of the range, if any. */
  last: StoredDiagnosis | null;
}

export interface AlarmQuery {
  status?: AlarmStatus;
  severity?: Severity;
  well_id?: string;
  limit: number;
}

export interface RaiseAlarm {
  well_id: string;
  code: string;
  severity: Severity;
  message: string;
  evidence: unknown[];
  reading_ts: number;
}

export interface RejectedMessage {
  transport: string;
  source: string | null;
  reason: string;
  payload: string | null;
}

export interface StoredRejected extends RejectedMessage {
  id: number;
  received_at: string;
}

export interface Repository {
  readonly kind: 'postgres' | 'pglite';
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;

  // wells
  createWell(wellId: string, nameplate: Partial<WellNameplate>): Promise<Well>;
  /** Creates or replaces; `created` tells which. */
  putWell(wellId: string, nameplate: Partial<WellNameplate>): Promise<{ well: Well; created: boolean }>;
  getWell(wellId: string): Promise<FleetWell | null>;
  listWells(query: WellListQuery): Promise<{ total: number; wells: FleetWell[] }>;
  /** Ids of every well (of one field), sorted. */
  wellIds(field?: string): Promise<string[]>;
  /** Deletes the well and everything recorded for it; false when it did not exist. */
  deleteWell(wellId: string): Promise<boolean>;
  getBaseline(wellId: string): Promise<unknown | null>;
  setBaseline(wellId: string, baseline: unknown): Promise<void>;
  /** Hourly average flow per well over [from, to), for sparklines. */
  flowSparklines(wellIds: string[], range: TimeRange, bucketSeconds: number): Promise<Map<string, (number | null)[]>>;

  // telemetry
  /** Idempotent bulk insert, unknown wells registered on the way; returns how many rows were new. */
  insertReadings(readings: Reading[]): Promise<number>;
  /** Batches stored by this process whose roll-up and latest-reading contribution is not merged yet. */
  derivedBacklog(): number;
  latestReading(wellId: string): Promise<Reading | null>;
  /** Readings in [from, to) oldest first, at most `limit`, after `afterTs` when paging. */
  history(wellId: string, range: TimeRange, limit: number, afterTs?: number): Promise<Reading[]>;
  /** The newest `limit` readings in [from, to), returned oldest first. */
  recentHistory(wellId: string, range: TimeRange, limit: number): Promise<Reading[]>;
  historyBuckets(wellId: string, range: TimeRange, intervalSeconds: number): Promise<Bucket[]>;
  summary(wellId: string, range: TimeRange): Promise<TelemetrySummary>;
  countReadings(wellId?: string): Promise<number>;

  // diagnostics
  insertDiagnosis(wellId: string, d: Diagnosis, snapshot: Partial<ChannelValues> | null, source: string): Promise<StoredDiagnosis>;
  diagnosisHistory(wellId: string, limit: number): Promise<StoredDiagnosis[]>;
  criticalDiagnoses(limit: number): Promise<StoredDiagnosis[]>;
  diagnosisCounts(wellId: string, range: TimeRange): Promise<DiagnosisCounts>;
  wellStatuses(): Promise<Map<string, WellStatus>>;
  /** Refreshes severity, confidence and summary of a well's current status while its code is unchanged. */
  refreshWellStatus(wellId: string, d: Diagnosis): Promise<void>;

  // alarms
  /** Raises an alarm unless one is already open for the well and code; returns the new alarm or null. */
  raiseAlarm(a: RaiseAlarm): Promise<Alarm | null>;
  /** Clears the open alarms of a well (all codes but `keepCode`); returns those cleared. */
  clearAlarms(wellId: string, keepCode: string | null): Promise<Alarm[]>;
  listAlarms(query: AlarmQuery): Promise<Alarm[]>;
  getAlarm(id: number): Promise<Alarm | null>;
  acknowledgeAlarm(id: number, by: string, note: string | null): Promise<Alarm | null>;
  countActiveAlarms(): Promise<Record<string, number>>;

  // rejected device messages
  insertRejected(items: RejectedMessage[]): Promise<void>;
  listRejected(limit: number): Promise<StoredRejected[]>;

  // retention
  /** Drops telemetry partitions wholly older than the cutoff; returns their names. */
  dropTelemetryBefore(cutoff: number): Promise<string[]>;
}
