// Pump events: installs, pulls, failures and restarts entered by engineers, and the trips and starts the
// run-event service detects in the readings (run-life analysis).
import type { PumpEvent, PumpEventType } from '../domain/surveillance.js';
import { iso, toIso } from './values.js';
import type { SqlExecutor } from './sql.js';

type Row = Record<string, unknown>;

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

export interface PumpEventRepository {
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
}

function rowToPumpEvent(r: Row): PumpEvent {
  return {
    id: Number(r.id),
    well_id: String(r.well_id),
    type: r.type as PumpEventType,
    at: toIso(r.at),
    pump_model: (r.pump_model as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    source: r.source as PumpEvent['source'],
    created_at: toIso(r.created_at),
  };
}

export class SqlPumpEventRepository implements PumpEventRepository {
  constructor(private readonly db: SqlExecutor) {}

  async insertPumpEvent(e: NewPumpEvent): Promise<PumpEvent> {
    const r = await this.db.query<Row>(
      `INSERT INTO pump_events (well_id, type, at, pump_model, reason, source)
       VALUES ($1, $2, $3::timestamptz, $4, $5, 'manual') RETURNING *`,
      [e.well_id, e.type, iso(e.at), e.pump_model, e.reason],
    );
    return rowToPumpEvent(r.rows[0]);
  }

  async listPumpEvents(q: PumpEventQuery): Promise<PumpEvent[]> {
    const r = await this.db.query<Row>(
      `SELECT * FROM (
         SELECT * FROM pump_events
         WHERE ($1::text IS NULL OR well_id = $1) AND ($2::timestamptz IS NULL OR at >= $2::timestamptz)
           AND ($3::timestamptz IS NULL OR at < $3::timestamptz) AND ($4::text[] IS NULL OR type = ANY($4::text[]))
         ORDER BY at DESC, id DESC LIMIT $5) e
       ORDER BY at, id`,
      [q.well_id ?? null, q.from === undefined ? null : iso(q.from), q.to === undefined ? null : iso(q.to), q.types ?? null, q.limit],
    );
    return r.rows.map(rowToPumpEvent);
  }

  async pumpEventsForRunLife(types: PumpEventType[]): Promise<FieldPumpEvent[]> {
    const r = await this.db.query<Row>(
      `SELECT e.*, w.field FROM pump_events e LEFT JOIN wells w ON w.well_id = e.well_id
       WHERE e.type = ANY($1::text[]) ORDER BY e.well_id, e.at, e.id`,
      [types],
    );
    return r.rows.map((x) => ({ ...rowToPumpEvent(x), field: (x.field as string | null) ?? null }));
  }

  async replaceDetectedEvents(
    wellId: string,
    after: number | null,
    through: number | null,
    events: { type: PumpEventType; at: number }[],
  ): Promise<{ inserted: PumpEvent[]; deleted: number }> {
    const types = events.map((e) => e.type);
    const ats = events.map((e) => iso(e.at));
    return this.db.transaction(async (tx) => {
      // Those no longer supported by the readings go; the rest stay (same id), the new ones are added.
      const del = await tx.query(
        `DELETE FROM pump_events e WHERE e.well_id = $1 AND e.source = 'detected'
           AND ($2::timestamptz IS NULL OR e.at > $2::timestamptz) AND ($3::timestamptz IS NULL OR e.at <= $3::timestamptz)
           AND NOT EXISTS (SELECT 1 FROM unnest($4::text[], $5::timestamptz[]) AS n(type, at) WHERE n.type = e.type AND n.at = e.at)`,
        [wellId, after === null ? null : iso(after), through === null ? null : iso(through), types, ats],
      );
      if (!events.length) return { inserted: [], deleted: del.rowCount };
      const ins = await tx.query<Row>(
        `INSERT INTO pump_events (well_id, type, at, source)
         SELECT $1, n.type, n.at, 'detected' FROM unnest($2::text[], $3::timestamptz[]) AS n(type, at)
         ON CONFLICT (well_id, type, at) WHERE source = 'detected' DO NOTHING RETURNING *`,
        [wellId, types, ats],
      );
      return { inserted: ins.rows.map(rowToPumpEvent), deleted: del.rowCount };
    });
  }
}
