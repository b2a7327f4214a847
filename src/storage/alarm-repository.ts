// Alarms: raised by the diagnosis service when a well's judgement crosses a severity, acknowledged by an
// operator, cleared when the condition is gone. At most one open alarm per well and code.
import type { Alarm, AlarmStatus } from '../domain/alarm.js';
import type { Severity } from '../domain/diagnosis.js';
import { iso, toIso, toIsoOrNull } from './values.js';
import type { SqlExecutor } from './sql.js';

type Row = Record<string, unknown>;

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

export interface AlarmRepository {
  /** Raises an alarm unless one is already open for the well and code; returns the new alarm or null. */
  raiseAlarm(a: RaiseAlarm): Promise<Alarm | null>;
  /** Clears the open alarms of a well (all codes but `keepCode`); returns those cleared. */
  clearAlarms(wellId: string, keepCode: string | null): Promise<Alarm[]>;
  listAlarms(query: AlarmQuery): Promise<Alarm[]>;
  getAlarm(id: number): Promise<Alarm | null>;
  acknowledgeAlarm(id: number, by: string, note: string | null): Promise<Alarm | null>;
  countActiveAlarms(): Promise<Record<string, number>>;
}

function rowToAlarm(r: Row): Alarm {
  return {
    id: Number(r.id),
    well_id: String(r.well_id),
    code: r.code as Alarm['code'],
    severity: r.severity as Severity,
    status: r.status as Alarm['status'],
    message: String(r.message),
    evidence: (r.evidence as Alarm['evidence']) ?? [],
    raised_at: toIso(r.raised_at),
    reading_ts: toIso(r.reading_ts),
    acknowledged_at: toIsoOrNull(r.acknowledged_at),
    acknowledged_by: (r.acknowledged_by as string | null) ?? null,
    ack_note: (r.ack_note as string | null) ?? null,
    cleared_at: toIsoOrNull(r.cleared_at),
  };
}

export class SqlAlarmRepository implements AlarmRepository {
  constructor(private readonly db: SqlExecutor) {}

  async raiseAlarm(a: RaiseAlarm): Promise<Alarm | null> {
    const r = await this.db.query<Row>(
      `INSERT INTO alarms (well_id, code, severity, status, message, evidence, reading_ts)
       VALUES ($1, $2, $3, 'active', $4, $5::jsonb, $6::timestamptz)
       ON CONFLICT (well_id, code) WHERE status <> 'cleared' DO NOTHING RETURNING *`,
      [a.well_id, a.code, a.severity, a.message, JSON.stringify(a.evidence), iso(a.reading_ts)],
    );
    return r.rows.length ? rowToAlarm(r.rows[0]) : null;
  }

  async clearAlarms(wellId: string, keepCode: string | null): Promise<Alarm[]> {
    const r = await this.db.query<Row>(
      `UPDATE alarms SET status = 'cleared', cleared_at = now()
       WHERE well_id = $1 AND status <> 'cleared' AND ($2::text IS NULL OR code <> $2) RETURNING *`,
      [wellId, keepCode],
    );
    return r.rows.map(rowToAlarm);
  }

  async listAlarms(q: AlarmQuery): Promise<Alarm[]> {
    const r = await this.db.query<Row>(
      `SELECT * FROM alarms
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR severity = $2)
         AND ($3::text IS NULL OR well_id = $3)
       ORDER BY id DESC LIMIT $4`,
      [q.status ?? null, q.severity ?? null, q.well_id ?? null, q.limit],
    );
    return r.rows.map(rowToAlarm);
  }

  async getAlarm(id: number): Promise<Alarm | null> {
    const r = await this.db.query<Row>('SELECT * FROM alarms WHERE id = $1', [id]);
    return r.rows.length ? rowToAlarm(r.rows[0]) : null;
  }

  async acknowledgeAlarm(id: number, by: string, note: string | null): Promise<Alarm | null> {
    const r = await this.db.query<Row>(
      `UPDATE alarms SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, ack_note = $3
       WHERE id = $1 AND status = 'active' RETURNING *`,
      [id, by, note],
    );
    return r.rows.length ? rowToAlarm(r.rows[0]) : null;
  }

  async countActiveAlarms(): Promise<Record<string, number>> {
    const r = await this.db.query<{ severity: string; n: number }>(
      `SELECT severity, count(*) AS n FROM alarms WHERE status <> 'cleared' GROUP BY 1`,
    );
    return Object.fromEntries(r.rows.map((x) => [x.severity, Number(x.n)]));
  }
}
