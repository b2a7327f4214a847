// The storage the layers above talk to: one narrow interface per aggregate, each in its own file with its SQL
// (written once, run by either executor), and `Repository`, all of them over one connection. Services take
// the aggregate interfaces they use; the composition root and the routes hold the whole `Repository`.
import type { AlarmRepository } from './alarm-repository.js';
import type { DiagnosisRepository } from './diagnosis-repository.js';
import type { PumpEventRepository } from './pump-event-repository.js';
import type { RejectedRepository } from './rejected-repository.js';
import type { SecurityRepository } from './security-repository.js';
import type { SurveillanceRepository } from './surveillance-repository.js';
import type { TelemetryRepository } from './telemetry-repository.js';
import type { WellRepository } from './well-repository.js';

export type { AlarmQuery, AlarmRepository, RaiseAlarm } from './alarm-repository.js';
export type { DiagnosisCounts, DiagnosisRepository, WellStatus } from './diagnosis-repository.js';
export type { FieldPumpEvent, NewPumpEvent, PumpEventQuery, PumpEventRepository } from './pump-event-repository.js';
export type { RejectedMessage, RejectedRepository, StoredRejected } from './rejected-repository.js';
export type { AuditRepository, CredentialRepository, SecurityRepository } from './security-repository.js';
export type { NewReference, StoredReference, SurveillanceRepository } from './surveillance-repository.js';
export type { Bucket, ChannelAggregate, InsertOutcome, TelemetryRepository, TelemetrySummary, TimeRange } from './telemetry-repository.js';
export { READING_CONFLICT, READING_DUPLICATE, READING_INSERTED } from './telemetry-repository.js';
export type { FleetForecast, FleetWell, LatestReading, WellListQuery, WellRepository } from './well-repository.js';

/** The store itself: which engine, its schema, its health, its connection. */
export interface StoreLifecycle {
  readonly kind: 'postgres' | 'pglite';
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  /**
   * Reads a row of every main table: a damaged store (missing catalog entries, unreadable pages) fails here,
   * where a bare connection check would say healthy. Cheap enough for every readiness probe.
   */
  checkTables(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every aggregate over one connection. The aggregates' methods are on the repository itself, so that a
 * service given the whole repository (or a wrapper around it, as the fault-injecting tests use) through its
 * narrow interface calls the very object the composition root holds.
 */
export interface Repository
  extends StoreLifecycle,
    WellRepository,
    TelemetryRepository,
    DiagnosisRepository,
    AlarmRepository,
    RejectedRepository,
    PumpEventRepository,
    SurveillanceRepository {
  /** Users, refresh tokens, device keys and the audit log: the security module's store. */
  readonly security: SecurityRepository;
}
