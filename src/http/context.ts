// What the routes are given by the composition root (src/app.ts).
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ReadingValidator } from '../domain/validation.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { DiagnosisService } from '../ingest/diagnosis-service.js';
import type { RunEventService } from '../ingest/run-events.js';
import type { SurveillanceService } from '../ingest/surveillance.js';
import type { EventHub } from '../ingest/events.js';
import type { EventBus } from '../ingest/event-bus.js';
import type { IngestMetrics } from '../ingest/metrics.js';
import type { LatestCache } from '../cache/latest-cache.js';
import type { FleetCache } from '../cache/fleet-cache.js';
import type { Repository } from '../storage/repository.js';
import type { DiskGuard } from '../storage/disk-guard.js';
import type { DependencyCheck } from '../domain/lifecycle.js';
import type { WellFieldMap } from '../ingest/well-fields.js';
import type { Authenticator } from '../security/authenticator.js';

export type { DependencyCheck };

export interface AppContext {
  config: Config;
  log: Logger;
  repo: Repository;
  pipeline: IngestPipeline;
  validator: ReadingValidator;
  diagnosis: DiagnosisService;
  /** Trips and restarts detected from committed readings. */
  runEvents: RunEventService;
  /** References, forecasts (stored for the fleet sort) and run-life statistics. */
  surveillance: SurveillanceService;
  /** The live stream (SSE) hub. */
  events: EventHub;
  /** Readings committed, wells and alarms changed, diagnoses recorded (src/domain/events.ts). */
  bus: EventBus;
  authenticator: Authenticator;
  dependencies: DependencyCheck[];
  /** Embedded store: refuses writes while DATA_DIR is nearly full. */
  diskGuard?: DiskGuard;
  /** Set once start-up (migrations, broker) has finished. */
  startedAt: number | null;
  /** Well → field, for device keys scoped to a field. */
  fieldOf(wellId: string): string | null | undefined;
  /** The one well → field map behind `fieldOf` (field-scoped device keys). */
  wellFields: WellFieldMap;
  /** Ingest counters by transport (accepted, rejected): the one set every transport counts in. */
  ingestMetrics: IngestMetrics;
  /** Newest reading per well (Redis or memory); set by the security/operations module. */
  latest?: LatestCache;
  /** The fleet list, shared by processes through Redis when configured. */
  fleet?: FleetCache;
}
