// Diagnoses: every stored judgement of the engine, and each well's current status (the newest judgement, with
// the time its code has held since).
import type { Diagnosis, Severity, StoredDiagnosis } from '../domain/diagnosis.js';
import type { ChannelValues } from '../domain/reading.js';
import type { TimeRange } from './telemetry-repository.js';
import { iso, num, toIso, toMs } from './values.js';
import type { SqlExecutor } from './sql.js';

type Row = Record<string, unknown>;

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

/** A well's stored diagnoses over a range, as the original platform's summary counts them. */
export interface DiagnosisCounts {
  total: number;
  /** Severity critical or high. */
  critical: number;
  /** The newest diagnosis stored before the end of the range, if any. */
  last: StoredDiagnosis | null;
}

export interface DiagnosisRepository {
  insertDiagnosis(wellId: string, d: Diagnosis, snapshot: Partial<ChannelValues> | null, source: string): Promise<StoredDiagnosis>;
  diagnosisHistory(wellId: string, limit: number): Promise<StoredDiagnosis[]>;
  criticalDiagnoses(limit: number): Promise<StoredDiagnosis[]>;
  diagnosisCounts(wellId: string, range: TimeRange): Promise<DiagnosisCounts>;
  wellStatuses(): Promise<Map<string, WellStatus>>;
  /** Refreshes severity, confidence and summary of a well's current status while its code is unchanged. */
  refreshWellStatus(wellId: string, d: Diagnosis): Promise<void>;
}

/** A well_status row whose columns are selected with the prefix `s_` (as the fleet view joins them); null without one. */
export function statusFromRow(r: Row): WellStatus | null {
  return r.s_diagnosis === null || r.s_diagnosis === undefined
    ? null
    : {
        diagnosis: String(r.s_category),
        code: String(r.s_diagnosis),
        category: String(r.s_category),
        severity: r.s_severity as Severity,
        confidence: Number(r.s_confidence),
        summary: (r.s_summary as string | null) ?? null,
        since: toIso(r.s_since),
        timestamp: toIso(r.s_ts),
        diagnostic_id: num(r.s_diagnostic_id),
      };
}

function rowToDiagnosis(r: Row): StoredDiagnosis {
  return {
    id: Number(r.id),
    well_id: String(r.well_id),
    diagnosis: r.diagnosis as StoredDiagnosis['diagnosis'],
    category: r.category as StoredDiagnosis['category'],
    confidence: Number(r.confidence),
    severity: r.severity as Severity,
    actions: (r.actions as string[]) ?? [],
    resolution_time: (r.resolution_time as string) ?? '',
    summary: (r.summary as string | null) ?? undefined,
    evidence: (r.evidence as StoredDiagnosis['evidence']) ?? [],
    telemetry_snapshot: (r.telemetry_snapshot as StoredDiagnosis['telemetry_snapshot']) ?? null,
    ts: toMs(r.ts),
    created_at: toIso(r.created_at),
  };
}

export class SqlDiagnosisRepository implements DiagnosisRepository {
  constructor(private readonly db: SqlExecutor) {}

  async insertDiagnosis(
    wellId: string,
    d: Diagnosis,
    snapshot: Partial<ChannelValues> | null,
    source: string,
  ): Promise<StoredDiagnosis> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query<Row>(
        `INSERT INTO diagnostics (well_id, ts, diagnosis, category, confidence, severity, actions, resolution_time,
           summary, evidence, telemetry_snapshot, source)
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11::jsonb, $12) RETURNING *`,
        [
          wellId,
          iso(d.ts),
          d.diagnosis,
          d.category,
          d.confidence,
          d.severity,
          JSON.stringify(d.actions),
          d.resolution_time,
          d.summary ?? null,
          JSON.stringify(d.evidence),
          snapshot === null ? null : JSON.stringify(snapshot),
          source,
        ],
      );
      // The status keeps `since` while the code is unchanged; only newer judgements replace it.
      await tx.query(
        `INSERT INTO well_status (well_id, diagnostic_id, diagnosis, category, severity, confidence, summary, since, ts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $8::timestamptz)
         ON CONFLICT (well_id) DO UPDATE SET diagnostic_id = EXCLUDED.diagnostic_id, diagnosis = EXCLUDED.diagnosis,
           category = EXCLUDED.category, severity = EXCLUDED.severity, confidence = EXCLUDED.confidence,
           summary = EXCLUDED.summary, ts = EXCLUDED.ts,
           since = CASE WHEN well_status.diagnosis = EXCLUDED.diagnosis THEN well_status.since ELSE EXCLUDED.since END
         WHERE well_status.ts <= EXCLUDED.ts`,
        [wellId, r.rows[0].id, d.diagnosis, d.category, d.severity, d.confidence, d.summary ?? null, iso(d.ts)],
      );
      return rowToDiagnosis(r.rows[0]);
    });
  }

  async diagnosisHistory(wellId: string, limit: number): Promise<StoredDiagnosis[]> {
    const r = await this.db.query<Row>('SELECT * FROM diagnostics WHERE well_id = $1 ORDER BY id DESC LIMIT $2', [
      wellId,
      limit,
    ]);
    return r.rows.map(rowToDiagnosis);
  }

  async criticalDiagnoses(limit: number): Promise<StoredDiagnosis[]> {
    const r = await this.db.query<Row>(
      `SELECT * FROM diagnostics WHERE severity IN ('critical', 'high') ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return r.rows.map(rowToDiagnosis);
  }

  async diagnosisCounts(wellId: string, range: TimeRange): Promise<DiagnosisCounts> {
    const params = [wellId, iso(range.from), iso(range.to)];
    const counts = await this.db.query<Row>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE severity IN ('critical', 'high')) AS critical
       FROM diagnostics WHERE well_id = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz`,
      params,
    );
    const last = await this.db.query<Row>(
      `SELECT * FROM diagnostics WHERE well_id = $1 AND ts < $2::timestamptz ORDER BY ts DESC, id DESC LIMIT 1`,
      [wellId, iso(range.to)],
    );
    return {
      total: Number(counts.rows[0].n),
      critical: Number(counts.rows[0].critical),
      last: last.rows.length ? rowToDiagnosis(last.rows[0]) : null,
    };
  }

  async wellStatuses(): Promise<Map<string, WellStatus>> {
    const r = await this.db.query<Row>(
      `SELECT well_id, diagnostic_id AS s_diagnostic_id, diagnosis AS s_diagnosis, category AS s_category,
              severity AS s_severity, confidence AS s_confidence, summary AS s_summary, since AS s_since, ts AS s_ts
       FROM well_status`,
    );
    const out = new Map<string, WellStatus>();
    for (const row of r.rows) {
      const status = statusFromRow(row);
      if (status) out.set(String(row.well_id), status);
    }
    return out;
  }

  async refreshWellStatus(wellId: string, d: Diagnosis): Promise<void> {
    await this.db.query(
      `UPDATE well_status SET severity = $3, confidence = $4, summary = $5, ts = $6::timestamptz
       WHERE well_id = $1 AND diagnosis = $2 AND ts <= $6::timestamptz`,
      [wellId, d.diagnosis, d.severity, d.confidence, d.summary ?? null, iso(d.ts)],
    );
  }
}
