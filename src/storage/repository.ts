// The one storage interface every layer above talks to. Both adapters implement it with the same SQL.
import type { Alarm, AlarmStatus } from '../domain/alarm.js';
import type { Diagnosis, Severity, StoredDiagnosis } from '../domain/diagnosis.js';
import type { ChannelValues, Reading } from '../domain/reading.js';
import type { Well, WellNameplate } from '../domain/well.js';
import type { Forecast, PumpEvent, PumpEventType, ReferencePeriod } from '../domain/surveillance.js';

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

/** The stored forecast's earliest expected limit, as the fleet list carries it. */
export interface FleetForecast {
  channel: string;
  /** Days from now (0 when already due). */
  time_to_limit_days: number;
  expected_at: string;
}

export interface FleetWell extends Well {
  status: WellStatus | null;
  latest: LatestReading | null;
  forecast: FleetForecast | null;
}

export interface WellListQuery {
  field?: string;
  severity?: Severity;
  q?: string;
  limit: number;
  offset: number;
  /** `time_to_limit`: earliest expected limit first (wells without one last), then by id. Default: by id. */
  sort?: 'well_id' | 'time_to_limit';
}

export interface StoredReference {
  period: ReferencePeriod;
  /** The engine's learned statistics over the period (opaque JSON), when computed. */
  learned: unknown | null;
  /** Auto references: the earliest reading when it was learned (older data arriving later means relearn). */
  basis_from: number | null;
  set_by: string | null;
}

export interface NewReference {
  from: number;
  to: number;
  source: ReferencePeriod['source'];
  by: string | null;
  learned: unknown | null;
  basis_from: number | null;
}

export interface NewPumpEvent {
  well_id: string;
  type: PumpEventType;
  at: number;
  pump_model: string | null;
  reason: string | null;
}

export interface PumpEventQuery {
  well_id?: string;
  from?: number;
  to?: number;
  types?: PumpEventType[];
  limit: number;
}

/** A pump event with the well's field (run-life grouping). */
export interface FieldPumpEvent extends PumpEvent {
  field: string | null;
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

/** Per-reading result of an insert: a new row, a re-send of the stored row, or a re-send with other values. */
export const READING_INSERTED = 0;
export const READING_DUPLICATE = 1;
export const READING_CONFLICT = 2;

export interface InsertOutcome {
  /** Readings not written because the same key was already stored (or earlier in the batch) with equal values. */
  duplicates: number;
  /** Readings not written because the stored reading under their key has other values (the stored one is kept). */
  conflicts: number;
  /** Set only when some reading was not new: READING_INSERTED / _DUPLICATE / _CONFLICT per reading, in order. */
  status?: Uint8Array;
}

export interface Repository {
  readonly kind: 'postgres' | 'pglite';
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  /**
   * Reads a row of every main table: a damaged store (missing catalog entries, unreadable pages) fails here,
   * where a bare connection check would say healthy. Cheap enough for every readiness probe.
   */
  checkTables(): Promise<void>;
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
  /**
   * Idempotent bulk insert, unknown wells registered on the way; returns how many rows were new. When
   * `outcome` is given it is filled with what happened to the rest (see InsertOutcome).
   */
  insertReadings(readings: Reading[], outcome?: InsertOutcome): Promise<number>;
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

  // early warning and run life
  /** The stored reference period (engineer's or learned), if any, with the engine's statistics over it. */
  getReference(wellId: string): Promise<StoredReference | null>;
  /** Stores a reference; a learned (auto) one never replaces an engineer's. Returns what is stored after. */
  setReference(wellId: string, ref: NewReference): Promise<StoredReference>;
  /** Forgets the stored reference (only a learned one when `source` is 'auto'); true when one was removed. */
  clearReference(wellId: string, source?: ReferencePeriod['source']): Promise<boolean>;
  insertPumpEvent(e: NewPumpEvent): Promise<PumpEvent>;
  /** Events in [from, to), oldest first; the newest `limit` when more match. */
  listPumpEvents(q: PumpEventQuery): Promise<PumpEvent[]>;
  /** Every event of the given types, with the well's field, by well then time (run-life analysis). */
  pumpEventsForRunLife(types: PumpEventType[]): Promise<FieldPumpEvent[]>;
  /**
   * Makes the detected trips/starts of a well in (after, through] exactly `events` (null bounds: open);
   * returns how many were added and removed. Manual events are never touched.
   */
  replaceDetectedEvents(
    wellId: string,
    after: number | null,
    through: number | null,
    events: { type: PumpEventType; at: number }[],
  ): Promise<{ inserted: PumpEvent[]; deleted: number }>;
  /** Timestamp of the well's earliest stored reading (hour resolution), or null. */
  firstReadingTs(wellId: string): Promise<number | null>;
  /** Stores a well's latest forecast and its earliest expected limit (for the fleet sort). */
  putForecast(forecast: Forecast): Promise<void>;
  getForecast(wellId: string): Promise<Forecast | null>;
  /** Wells without a stored forecast, or whose forecast was computed before `before` and that have readings newer than it saw; stalest first. */
  wellsNeedingForecast(before: number, limit: number): Promise<string[]>;

  // retention
  /** Drops telemetry partitions wholly older than the cutoff; returns their names. */
  dropTelemetryBefore(cutoff: number): Promise<string[]>;
}
