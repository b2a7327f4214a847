// Early warning: each well's reference period (set by an engineer or learned) and its latest forecast of
// when a channel reaches its limit.
import type { Forecast, ReferencePeriod } from '../domain/surveillance.js';
import type { DerivedState } from './derived.js';
import { DAY_MS, iso, toIso, toMs } from './values.js';
import type { SqlExecutor } from './sql.js';

type Row = Record<string, unknown>;

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

export interface SurveillanceRepository {
  /** The stored reference period (engineer's or learned), if any, with the engine's statistics over it. */
  getReference(wellId: string): Promise<StoredReference | null>;
  /** Stores a reference; a learned (auto) one never replaces an engineer's. Returns what is stored after. */
  setReference(wellId: string, ref: NewReference): Promise<StoredReference>;
  /** Forgets the stored reference (only a learned one when `source` is 'auto'); true when one was removed. */
  clearReference(wellId: string, source?: ReferencePeriod['source']): Promise<boolean>;
  /** Stores a well's latest forecast and its earliest expected limit (for the fleet sort). */
  putForecast(forecast: Forecast): Promise<void>;
  getForecast(wellId: string): Promise<Forecast | null>;
  /** Wells without a stored forecast, or whose forecast was computed before `before` and that have readings newer than it saw; stalest first. */
  wellsNeedingForecast(before: number, limit: number): Promise<string[]>;
}

function rowToStoredReference(r: Row): StoredReference {
  const learned = r.learned === null || r.learned === undefined ? null : typeof r.learned === 'string' ? JSON.parse(r.learned) : r.learned;
  return {
    period: { from: toIso(r.ref_from), to: toIso(r.ref_to), source: r.source as ReferencePeriod['source'] },
    learned,
    basis_from: r.basis_from === null || r.basis_from === undefined ? null : toMs(r.basis_from),
    set_by: (r.set_by as string | null) ?? null,
  };
}

export class SqlSurveillanceRepository implements SurveillanceRepository {
  constructor(
    private readonly db: SqlExecutor,
    /** Merged before reading the latest readings. */
    private readonly derived: DerivedState,
  ) {}

  async getReference(wellId: string): Promise<StoredReference | null> {
    const r = await this.db.query<Row>('SELECT * FROM well_reference WHERE well_id = $1', [wellId]);
    return r.rows.length ? rowToStoredReference(r.rows[0]) : null;
  }

  async setReference(wellId: string, ref: NewReference): Promise<StoredReference> {
    const r = await this.db.query<Row>(
      `INSERT INTO well_reference (well_id, ref_from, ref_to, source, set_by, learned, basis_from)
       VALUES ($1, $2::timestamptz, $3::timestamptz, $4, $5, $6::jsonb, $7::timestamptz)
       ON CONFLICT (well_id) DO UPDATE SET ref_from = EXCLUDED.ref_from, ref_to = EXCLUDED.ref_to, source = EXCLUDED.source,
         set_by = EXCLUDED.set_by, learned = EXCLUDED.learned, basis_from = EXCLUDED.basis_from, updated_at = now()
       WHERE EXCLUDED.source = 'engineer' OR well_reference.source = 'auto'
       RETURNING *`,
      [
        wellId,
        iso(ref.from),
        iso(ref.to),
        ref.source,
        ref.by,
        ref.learned === null ? null : JSON.stringify(ref.learned),
        ref.basis_from === null ? null : iso(ref.basis_from),
      ],
    );
    return r.rows.length ? rowToStoredReference(r.rows[0]) : (await this.getReference(wellId))!;
  }

  async clearReference(wellId: string, source?: ReferencePeriod['source']): Promise<boolean> {
    const r = await this.db.query('DELETE FROM well_reference WHERE well_id = $1 AND ($2::text IS NULL OR source = $2)', [
      wellId,
      source ?? null,
    ]);
    return r.rowCount > 0;
  }

  async putForecast(f: Forecast): Promise<void> {
    let first: { channel: string; at: number } | null = null;
    const generated = Date.parse(f.generated_at);
    for (const c of f.channels) {
      if (c.time_to_limit_days === null || !Number.isFinite(c.time_to_limit_days)) continue;
      const at = generated + c.time_to_limit_days * DAY_MS;
      if (!first || at < first.at) first = { channel: c.channel, at };
    }
    await this.db.query(
      `INSERT INTO well_forecast (well_id, generated_at, channel, expected_at, forecast)
       VALUES ($1, $2::timestamptz, $3, $4::timestamptz, $5::jsonb)
       ON CONFLICT (well_id) DO UPDATE SET generated_at = EXCLUDED.generated_at, computed_at = now(),
         channel = EXCLUDED.channel, expected_at = EXCLUDED.expected_at, forecast = EXCLUDED.forecast
       WHERE well_forecast.generated_at <= EXCLUDED.generated_at`,
      [f.well_id, f.generated_at, first?.channel ?? null, first ? iso(first.at) : null, JSON.stringify(f)],
    );
  }

  async getForecast(wellId: string): Promise<Forecast | null> {
    const r = await this.db.query<{ forecast: unknown }>('SELECT forecast FROM well_forecast WHERE well_id = $1', [wellId]);
    if (!r.rows.length) return null;
    const v = r.rows[0].forecast;
    return (typeof v === 'string' ? JSON.parse(v) : v) as Forecast;
  }

  async wellsNeedingForecast(before: number, limit: number): Promise<string[]> {
    await this.derived.sync();
    const r = await this.db.query<{ well_id: string }>(
      `SELECT l.well_id FROM well_latest l LEFT JOIN well_forecast f ON f.well_id = l.well_id
       WHERE f.well_id IS NULL OR (f.computed_at < $1::timestamptz AND l.ts > f.generated_at)
       ORDER BY f.computed_at NULLS FIRST, l.well_id LIMIT $2`,
      [iso(before), limit],
    );
    return r.rows.map((x) => x.well_id);
  }
}
