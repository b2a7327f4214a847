// The whole repository over one executor: the aggregate repositories, sharing the connection and the derived
// tables' state, with their methods on one object (see Repository).
import { DEFAULT_DERIVED_OPTIONS, DerivedState, type DerivedOptions } from './derived.js';
import { migrate } from './migrate.js';
import type { Repository } from './repository.js';
import type { SqlExecutor } from './sql.js';
import { SqlAlarmRepository } from './alarm-repository.js';
import { SqlDiagnosisRepository } from './diagnosis-repository.js';
import { SqlPumpEventRepository } from './pump-event-repository.js';
import { SqlRejectedRepository } from './rejected-repository.js';
import { SqlSecurityRepository } from './security-repository.js';
import { SqlSurveillanceRepository } from './surveillance-repository.js';
import { SqlTelemetryRepository } from './telemetry-repository.js';
import { SqlWellRepository } from './well-repository.js';

/** The tables a readiness probe reads one row of (telemetry: its partitions are planned, the first one read). */
const CHECKED_TABLES = [
  'wells',
  'telemetry',
  'telemetry_hourly',
  'well_latest',
  'diagnostics',
  'well_status',
  'alarms',
  'derived_log',
  'users',
  'api_keys',
];

export class SqlRepository implements Repository {
  readonly kind: 'postgres' | 'pglite';
  /** The hourly roll-up and latest readings, merged off the ingest path. */
  readonly derived: DerivedState;
  readonly security: SqlSecurityRepository;
  private readonly wells: SqlWellRepository;
  private readonly telemetry: SqlTelemetryRepository;
  private readonly diagnoses: SqlDiagnosisRepository;
  private readonly alarms: SqlAlarmRepository;
  private readonly rejected: SqlRejectedRepository;
  private readonly pumpEvents: SqlPumpEventRepository;
  private readonly surveillance: SqlSurveillanceRepository;

  constructor(
    private readonly db: SqlExecutor,
    derivedOptions: DerivedOptions = DEFAULT_DERIVED_OPTIONS,
    onBackgroundError?: (err: unknown) => void,
  ) {
    this.kind = db.kind;
    this.derived = new DerivedState(db, derivedOptions, onBackgroundError);
    this.telemetry = new SqlTelemetryRepository(db, this.derived);
    this.wells = new SqlWellRepository(db, this.derived, (wellId) => this.telemetry.forgetWell(wellId));
    this.diagnoses = new SqlDiagnosisRepository(db);
    this.alarms = new SqlAlarmRepository(db);
    this.rejected = new SqlRejectedRepository(db);
    this.pumpEvents = new SqlPumpEventRepository(db);
    this.surveillance = new SqlSurveillanceRepository(db, this.derived);
    this.security = new SqlSecurityRepository(db);
  }

  /** The executor (tests and the benchmark read the tables directly). */
  get executor(): SqlExecutor {
    return this.db;
  }

  migrate(): Promise<string[]> {
    return migrate(this.db);
  }

  async ping(): Promise<void> {
    if (this.db.ping) await this.db.ping();
    else await this.db.query('SELECT 1');
  }

  async checkTables(): Promise<void> {
    await this.db.query(`SELECT ${CHECKED_TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t})`).join(', ')}`);
  }

  async close(): Promise<void> {
    await this.derived.close();
    await this.db.close();
  }

  // Each aggregate's methods, handed to its repository.

  readonly createWell: Repository['createWell'] = (...a) => this.wells.createWell(...a);
  readonly putWell: Repository['putWell'] = (...a) => this.wells.putWell(...a);
  readonly getWell: Repository['getWell'] = (...a) => this.wells.getWell(...a);
  readonly listWells: Repository['listWells'] = (...a) => this.wells.listWells(...a);
  readonly wellIds: Repository['wellIds'] = (...a) => this.wells.wellIds(...a);
  readonly fieldsOf: Repository['fieldsOf'] = (...a) => this.wells.fieldsOf(...a);
  readonly deleteWell: Repository['deleteWell'] = (...a) => this.wells.deleteWell(...a);
  readonly getBaseline: Repository['getBaseline'] = (...a) => this.wells.getBaseline(...a);
  readonly setBaseline: Repository['setBaseline'] = (...a) => this.wells.setBaseline(...a);
  readonly flowSparklines: Repository['flowSparklines'] = (...a) => this.wells.flowSparklines(...a);

  readonly insertReadings: Repository['insertReadings'] = (...a) => this.telemetry.insertReadings(...a);
  readonly derivedBacklog: Repository['derivedBacklog'] = () => this.telemetry.derivedBacklog();
  readonly latestReading: Repository['latestReading'] = (...a) => this.telemetry.latestReading(...a);
  readonly history: Repository['history'] = (...a) => this.telemetry.history(...a);
  readonly recentHistory: Repository['recentHistory'] = (...a) => this.telemetry.recentHistory(...a);
  readonly historyBuckets: Repository['historyBuckets'] = (...a) => this.telemetry.historyBuckets(...a);
  readonly summary: Repository['summary'] = (...a) => this.telemetry.summary(...a);
  readonly countReadings: Repository['countReadings'] = (...a) => this.telemetry.countReadings(...a);
  readonly firstReadingTs: Repository['firstReadingTs'] = (...a) => this.telemetry.firstReadingTs(...a);
  readonly dropTelemetryBefore: Repository['dropTelemetryBefore'] = (...a) => this.telemetry.dropTelemetryBefore(...a);

  readonly insertDiagnosis: Repository['insertDiagnosis'] = (...a) => this.diagnoses.insertDiagnosis(...a);
  readonly diagnosisHistory: Repository['diagnosisHistory'] = (...a) => this.diagnoses.diagnosisHistory(...a);
  readonly criticalDiagnoses: Repository['criticalDiagnoses'] = (...a) => this.diagnoses.criticalDiagnoses(...a);
  readonly diagnosisCounts: Repository['diagnosisCounts'] = (...a) => this.diagnoses.diagnosisCounts(...a);
  readonly wellStatuses: Repository['wellStatuses'] = () => this.diagnoses.wellStatuses();
  readonly refreshWellStatus: Repository['refreshWellStatus'] = (...a) => this.diagnoses.refreshWellStatus(...a);

  readonly raiseAlarm: Repository['raiseAlarm'] = (...a) => this.alarms.raiseAlarm(...a);
  readonly clearAlarms: Repository['clearAlarms'] = (...a) => this.alarms.clearAlarms(...a);
  readonly listAlarms: Repository['listAlarms'] = (...a) => this.alarms.listAlarms(...a);
  readonly getAlarm: Repository['getAlarm'] = (...a) => this.alarms.getAlarm(...a);
  readonly acknowledgeAlarm: Repository['acknowledgeAlarm'] = (...a) => this.alarms.acknowledgeAlarm(...a);
  readonly countActiveAlarms: Repository['countActiveAlarms'] = () => this.alarms.countActiveAlarms();

  readonly insertRejected: Repository['insertRejected'] = (...a) => this.rejected.insertRejected(...a);
  readonly listRejected: Repository['listRejected'] = (...a) => this.rejected.listRejected(...a);

  readonly insertPumpEvent: Repository['insertPumpEvent'] = (...a) => this.pumpEvents.insertPumpEvent(...a);
  readonly listPumpEvents: Repository['listPumpEvents'] = (...a) => this.pumpEvents.listPumpEvents(...a);
  readonly pumpEventsForRunLife: Repository['pumpEventsForRunLife'] = (...a) => this.pumpEvents.pumpEventsForRunLife(...a);
  readonly replaceDetectedEvents: Repository['replaceDetectedEvents'] = (...a) => this.pumpEvents.replaceDetectedEvents(...a);

  readonly getReference: Repository['getReference'] = (...a) => this.surveillance.getReference(...a);
  readonly setReference: Repository['setReference'] = (...a) => this.surveillance.setReference(...a);
  readonly clearReference: Repository['clearReference'] = (...a) => this.surveillance.clearReference(...a);
  readonly putForecast: Repository['putForecast'] = (...a) => this.surveillance.putForecast(...a);
  readonly getForecast: Repository['getForecast'] = (...a) => this.surveillance.getForecast(...a);
  readonly wellsNeedingForecast: Repository['wellsNeedingForecast'] = (...a) => this.surveillance.wellsNeedingForecast(...a);
}
