// Telemetry: the readings (daily partitions), bulk insert with duplicate/conflict classification, history
// reads, the hourly roll-up and latest readings derived from them, and retention.
import { CHANNELS, type ChannelValues, type Reading } from '../domain/reading.js';
import { DerivedState, SUMMARY_OF_INS, decodeSummary, encodeLog, summarise, type Summary } from './derived.js';
import { READING_COLUMNS, encodeCopyBinary } from './copy-format.js';
import { DAY_MS, iso, num, toMs } from './values.js';
import type { SqlExecutor, SqlRunner, SqlTx } from './sql.js';

type Row = Record<string, unknown>;

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

export interface TelemetryRepository {
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
  /** Timestamp of the well's earliest stored reading (hour resolution), or null. */
  firstReadingTs(wellId: string): Promise<number | null>;
  /** Drops telemetry partitions wholly older than the cutoff; returns their names. */
  dropTelemetryBefore(cutoff: number): Promise<string[]>;
}

/** Up to this many readings, a batch is written by one statement instead of COPY (round trips dominate). */
const SMALL_BATCH = 256;
const CHANNEL_LIST = CHANNELS.join(', ');

function partitionName(day: number): string {
  return `telemetry_p${iso(day * DAY_MS).slice(0, 10).replace(/-/g, '')}`;
}

function partitionDay(name: string): number | null {
  const m = /^telemetry_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS : null;
}

function rowToReading(r: Row): Reading {
  const out = { well_id: String(r.well_id), ts: toMs(r.ts) } as Reading;
  for (const c of CHANNELS) out[c] = num(r[c]);
  return out;
}

/** Epoch milliseconds of a timestamptz column, exact for millisecond timestamps. */
const EPOCH_MS = (c: string) => `(extract(epoch from ${c}) * 1000)::float8`;

/** The stored readings under the keys given as arrays ($1 well ids, $2 timestamps). */
const STORED_BY_KEY = `
  SELECT t.well_id, ${EPOCH_MS('t.ts')} AS ms, ${CHANNELS.map((c) => `t.${c}`).join(', ')}
  FROM unnest($1::text[], $2::timestamptz[]) AS k(well_id, ts)
  JOIN telemetry t ON t.well_id = k.well_id AND t.ts = k.ts`;

const TELEMETRY_FROM_ARRAYS = (first: number) =>
  `SELECT * FROM unnest($${first}::text[], $${first + 1}::timestamptz[], ${CHANNELS.map((_, i) => `$${first + 2 + i}::float8[]`).join(', ')})`;

/**
 * One statement that inserts the rows of `source` not stored yet, registers wells ($2: those this process has
 * not seen), and logs the derived-table summary of exactly the rows inserted ($1: owner). `$3`, when given, is
 * that summary computed by the caller for every row, valid when every row was new; otherwise it is rebuilt
 * from the inserted rows and returned. `source` yields rows sorted by (well_id, ts).
 */
function insertAndLog(source: string, callerSummary: boolean, totalParam: number): string {
  const summary = callerSummary ? `CASE WHEN counted.n = $4::int THEN $3::text ELSE ${SUMMARY_OF_INS} END` : SUMMARY_OF_INS;
  const rebuilt = callerSummary ? `CASE WHEN counted.n = $4::int THEN NULL ELSE logged.summary END` : 'logged.summary';
  return `
  WITH ins AS (
    INSERT INTO telemetry (well_id, ts, ${CHANNEL_LIST}) ${source} ON CONFLICT DO NOTHING RETURNING *
  ), registered AS (
    INSERT INTO wells (well_id) SELECT id FROM unnest($2::text[]) AS u(id) ORDER BY 1 ON CONFLICT DO NOTHING
  ), counted AS (
    SELECT count(*)::int AS n FROM ins
  ), logged AS (
    INSERT INTO derived_log (owner, summary) SELECT $1, ${summary} FROM counted WHERE counted.n > 0
    RETURNING id, summary
  )
  SELECT counted.n, logged.id, ${rebuilt} AS rebuilt,
    -- The keys written, only when some row was not (the caller then tells duplicates from conflicts).
    CASE WHEN counted.n < $${totalParam}::int THEN (SELECT json_agg(json_build_array(well_id, ${EPOCH_MS('ts')})) FROM ins) END AS keys
  FROM counted LEFT JOIN logged ON true`;
}

const INSERT_STAGED = insertAndLog(`SELECT well_id, ts, ${CHANNEL_LIST} FROM telemetry_stage ORDER BY well_id, ts`, false, 3);
const INSERT_ARRAYS = insertAndLog(TELEMETRY_FROM_ARRAYS(5), true, 4);

const keyOf = (wellId: string, ts: number) => `${wellId}\u0001${ts}`;

/** A reading's key and values as one string (numbers as JS prints them, null as nothing). */
function signatureOf(wellId: string, ts: number, values: Partial<ChannelValues>): string {
  let sig = `${wellId}\u0001${ts}\u0001`;
  for (const c of CHANNELS) sig += `${values[c] ?? ''},`;
  return sig;
}

/** Staged rows whose key is stored with other values (new rows of this transaction included). */
const DIFFERING_STAGED = `
  SELECT DISTINCT s.well_id, ${EPOCH_MS('s.ts')} AS ms, ${CHANNELS.map((c) => `s.${c}`).join(', ')}
  FROM telemetry_stage s JOIN telemetry t ON t.well_id = s.well_id AND t.ts = s.ts
  WHERE (${CHANNELS.map((c) => `s.${c}`).join(', ')}) IS DISTINCT FROM (${CHANNELS.map((c) => `t.${c}`).join(', ')})`;

function sameValues(r: Reading, stored: Row): boolean {
  for (const c of CHANNELS) {
    const v = num(stored[c]);
    if (r[c] !== v) return false;
  }
  return true;
}
/** After a COPY of new rows: the batch's summary ($1 owner, $2 summary) and wells not seen yet ($3). */
const LOG_AND_REGISTER = `
  WITH registered AS (
    INSERT INTO wells (well_id) SELECT id FROM unnest($3::text[]) AS u(id) ORDER BY 1 ON CONFLICT DO NOTHING
  )
  INSERT INTO derived_log (owner, summary) VALUES ($1, $2) RETURNING id`;

interface InsertRow {
  n: number;
  id: number | null;
  rebuilt: string | null;
  /** JSON [[well_id, epoch ms], …] of the rows written (pg parses json; PGlite too), null when all were. */
  keys: unknown;
}

function parseKeys(keys: unknown): [string, number][] | null {
  if (keys === null || keys === undefined) return null;
  const list = (typeof keys === 'string' ? JSON.parse(keys) : keys) as [string, number | string][];
  return list.map(([id, ms]) => [id, Number(ms)]);
}

/** The PostgreSQL error code of an error, whether raw or wrapped by the executor. */
function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; details?: { sqlstate?: string }; cause?: { code?: unknown } } | null;
  if (!e) return undefined;
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return e.details?.sqlstate ?? (typeof e.cause?.code === 'string' ? e.cause.code : undefined);
}

export class SqlTelemetryRepository implements TelemetryRepository {
  /** Days (epoch day numbers) whose telemetry partition is known to exist. */
  private readonly partitions = new Set<number>();
  private partitionsLoaded = false;
  private readonly partitionsCreating = new Map<number, Promise<void>>();
  /** Wells this instance has registered or seen registered: the ingest path skips them. */
  private readonly knownWells = new Set<string>();

  constructor(
    private readonly db: SqlExecutor,
    /** The hourly roll-up and latest readings, merged off the ingest path. */
    private readonly derived: DerivedState,
  ) {}

  /** A deleted well: registered again by its next reading, and nothing held for it is merged back. */
  forgetWell(wellId: string): void {
    this.knownWells.delete(wellId);
    this.derived.forget(wellId);
  }

  private async loadPartitions(runner: SqlRunner): Promise<void> {
    const r = await runner.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'telemetry'`,
    );
    this.partitions.clear();
    for (const { name } of r.rows) {
      const d = partitionDay(name);
      if (d !== null) this.partitions.add(d);
    }
    this.partitionsLoaded = true;
  }

  /** Creates the daily partitions a batch needs (outside the data transaction: DDL locks the parent). */
  private async ensurePartitions(readings: Reading[]): Promise<void> {
    if (!this.partitionsLoaded) await this.loadPartitions(this.db);
    let missing: Set<number> | undefined;
    for (const r of readings) {
      const d = Math.floor(r.ts / DAY_MS);
      if (!this.partitions.has(d)) (missing ??= new Set()).add(d);
    }
    if (!missing) return;
    await Promise.all([...missing].map((d) => this.createPartition(d)));
  }

  /** Writers of this process share one CREATE per day; another process may race us, which is fine. */
  private createPartition(day: number): Promise<void> {
    let creating = this.partitionsCreating.get(day);
    if (!creating) {
      creating = this.db
        .exec(
          `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF telemetry
           FOR VALUES FROM ('${iso(day * DAY_MS)}') TO ('${iso((day + 1) * DAY_MS)}')`,
        )
        .catch((err: unknown) => {
          // Created by another process between our check and our CREATE: "already exists", or the catalog's
          // unique key when both CREATEs ran at once.
          const state = sqlState(err);
          if (state !== '42P07' && state !== '23505') throw err;
        })
        .then(() => {
          this.partitions.add(day);
        })
        .finally(() => this.partitionsCreating.delete(day));
      this.partitionsCreating.set(day, creating);
    }
    return creating;
  }

  derivedBacklog(): number {
    return this.derived.heldBatches;
  }

  async insertReadings(readings: Reading[], outcome?: InsertOutcome): Promise<number> {
    if (outcome) {
      outcome.duplicates = 0;
      outcome.conflicts = 0;
      outcome.status = undefined;
    }
    if (!readings.length) return 0;
    await this.ensurePartitions(readings);
    const summary = summarise(readings);
    const encoded = encodeLog(readings, summary);
    const unknown = summary.latest.map((r) => r.well_id).filter((id) => !this.knownWells.has(id)).sort();
    let logged: { inserted: number; id: number | null; summary: Summary; keys?: [string, number][] | null };
    // A small batch (single readings under light load): one atomic statement, one round trip.
    if (readings.length <= SMALL_BATCH) {
      logged = await this.withPartitionRetry(readings, () => this.insertSmall(readings, encoded, unknown, summary));
    } else {
      // Fast path: COPY straight into the table, as fast as PostgreSQL takes rows, then one small statement
      // that logs the batch's summary for the derived tables. A re-sent reading makes the COPY fail on the
      // key; only then does the batch go the slower way, through a staging table that skips stored rows.
      const data = encodeCopyBinary(readings);
      const fast = () =>
        this.db.transaction(async (tx) => {
          await tx.copyIn('telemetry', READING_COLUMNS, data);
          const r = await tx.query<{ id: number }>(LOG_AND_REGISTER, [this.derived.owner, encoded, unknown], 'esp_log_and_register');
          return { inserted: readings.length, id: Number(r.rows[0].id), summary };
        });
      logged = await this.withPartitionRetry(readings, () =>
        fast().catch((err: unknown) =>
          sqlState(err) === '23505'
            ? this.db.transaction(async (tx) => {
                const r = await this.insertDeduplicated(tx, data, unknown, readings.length);
                // Stored rows are compared in the same transaction, before anything else can change them.
                if (outcome && r.inserted < readings.length) await this.classify(tx, readings, r.keys ?? [], outcome, true);
                return r;
              })
            : Promise.reject(err),
        ),
      );
    }
    if (outcome && logged.inserted < readings.length && !outcome.status) {
      await this.classify(this.db, readings, logged.keys ?? [], outcome);
    }
    for (const id of unknown) this.knownWells.add(id);
    if (logged.id !== null) this.derived.hold(logged.id, logged.summary);
    return logged.inserted;
  }

  /** Runs an insert; if a partition it needs was dropped by retention in another process, recreates it once. */
  private async withPartitionRetry<T>(readings: Reading[], run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (sqlState(err) !== '23514') throw err;
      await this.loadPartitions(this.db);
      await this.ensurePartitions(readings);
      return run();
    }
  }

  /**
   * Inserts a small batch in one statement (atomic without BEGIN/COMMIT round trips): the rows not stored yet,
   * their summary for the derived tables, and the wells not registered yet.
   */
  private async insertSmall(readings: Reading[], encoded: string, unknown: string[], summary: Summary) {
    const rows = [...readings].sort((a, b) => (a.well_id < b.well_id ? -1 : a.well_id > b.well_id ? 1 : a.ts - b.ts));
    const params: unknown[] = [
      this.derived.owner,
      unknown,
      encoded,
      rows.length,
      rows.map((r) => r.well_id),
      rows.map((r) => iso(r.ts)),
      ...CHANNELS.map((c) => rows.map((r) => r[c])),
    ];
    const r = (await this.db.query<InsertRow>(INSERT_ARRAYS, params, 'esp_insert_small')).rows[0];
    return {
      inserted: Number(r.n),
      id: r.id === null ? null : Number(r.id),
      summary: r.rebuilt === null ? summary : decodeSummary(r.rebuilt),
      keys: parseKeys(r.keys),
    };
  }

  /**
   * Tells, for a batch some of whose readings were not new, which reading wrote each new row (`written`: the
   * keys inserted), which repeat the stored row (duplicates) and which differ from it (conflicts: the stored
   * reading is kept). Among equal readings of one new key, the first in batch order counts as the insert.
   */
  private async classify(db: SqlRunner, readings: Reading[], written: [string, number][], outcome: InsertOutcome, staged = false): Promise<void> {
    const differing = staged ? await this.differingStaged(db) : await this.differingByKey(db, readings);
    const fresh = new Set(written.map(([id, ts]) => keyOf(id, ts)));
    const status = new Uint8Array(readings.length);
    let duplicates = 0;
    let conflicts = 0;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      const k = keyOf(r.well_id, r.ts);
      if (differing.size && differing.has(signatureOf(r.well_id, r.ts, r))) {
        status[i] = READING_CONFLICT;
        conflicts++;
      } else if (fresh.delete(k)) {
        status[i] = READING_INSERTED;
      } else {
        status[i] = READING_DUPLICATE;
        duplicates++;
      }
    }
    outcome.duplicates = duplicates;
    outcome.conflicts = conflicts;
    outcome.status = status;
  }

  /** Signatures of the readings whose stored row under their key has other values (small batches). */
  private async differingByKey(db: SqlRunner, readings: Reading[]): Promise<Set<string>> {
    const ids: string[] = [];
    const stamps: string[] = [];
    const asked = new Set<string>();
    for (const r of readings) {
      const k = keyOf(r.well_id, r.ts);
      if (asked.has(k)) continue;
      asked.add(k);
      ids.push(r.well_id);
      stamps.push(iso(r.ts));
    }
    const stored = new Map<string, Row>();
    for (const row of (await db.query<Row>(STORED_BY_KEY, [ids, stamps], 'esp_stored_by_key')).rows) {
      stored.set(keyOf(String(row.well_id), Number(row.ms)), row);
    }
    const out = new Set<string>();
    for (const r of readings) {
      const row = stored.get(keyOf(r.well_id, r.ts));
      if (row && !sameValues(r, row)) out.add(signatureOf(r.well_id, r.ts, r));
    }
    return out;
  }

  /** The same for a staged batch, compared in the database: only differing rows come back (usually none). */
  private async differingStaged(db: SqlRunner): Promise<Set<string>> {
    const out = new Set<string>();
    for (const row of (await db.query<Row>(DIFFERING_STAGED, [], 'esp_differing_staged')).rows) {
      const values: Partial<ChannelValues> = {};
      for (const c of CHANNELS) values[c] = num(row[c]);
      out.add(signatureOf(String(row.well_id), Number(row.ms), values));
    }
    return out;
  }

  /** Inserts only the rows not stored yet; the derived summary is rebuilt from those rows alone. */
  private async insertDeduplicated(tx: SqlTx, data: Buffer, unknown: string[], total: number) {
    await tx.exec(`CREATE TEMP TABLE IF NOT EXISTS telemetry_stage (LIKE telemetry) ON COMMIT DELETE ROWS`);
    await tx.exec('TRUNCATE telemetry_stage');
    await tx.copyIn('telemetry_stage', READING_COLUMNS, data);
    const r = (await tx.query<InsertRow>(INSERT_STAGED, [this.derived.owner, unknown, total])).rows[0];
    return {
      inserted: Number(r.n),
      id: r.id === null ? null : Number(r.id),
      summary: r.rebuilt === null ? { hours: [], latest: [] } : decodeSummary(r.rebuilt),
      keys: parseKeys(r.keys),
    };
  }

  async latestReading(wellId: string): Promise<Reading | null> {
    await this.derived.sync();
    const r = await this.db.query<Row>(`SELECT well_id, ts, ${CHANNEL_LIST} FROM well_latest WHERE well_id = $1`, [
      wellId,
    ]);
    return r.rows.length ? rowToReading(r.rows[0]) : null;
  }

  async history(wellId: string, range: TimeRange, limit: number, afterTs?: number): Promise<Reading[]> {
    const from = afterTs !== undefined ? Math.max(range.from, afterTs + 1) : range.from;
    const r = await this.db.query<Row>(
      `SELECT well_id, ts, ${CHANNEL_LIST} FROM telemetry
       WHERE well_id = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz ORDER BY ts LIMIT $4`,
      [wellId, iso(from), iso(range.to), limit],
    );
    return r.rows.map(rowToReading);
  }

  async recentHistory(wellId: string, range: TimeRange, limit: number): Promise<Reading[]> {
    const r = await this.db.query<Row>(
      `SELECT well_id, ts, ${CHANNEL_LIST} FROM telemetry
       WHERE well_id = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz ORDER BY ts DESC LIMIT $4`,
      [wellId, iso(range.from), iso(range.to), limit],
    );
    return r.rows.map(rowToReading).reverse();
  }

  async historyBuckets(wellId: string, range: TimeRange, intervalSeconds: number): Promise<Bucket[]> {
    if (intervalSeconds % 3600 === 0) return this.hourlyBuckets(wellId, range, intervalSeconds);
    const aggs = CHANNELS.map((c) => `avg(${c}) AS ${c}_avg, min(${c}) AS ${c}_min, max(${c}) AS ${c}_max, stddev_samp(${c}) AS ${c}_sd`).join(', ');
    const r = await this.db.query<Row>(
      `SELECT date_bin(make_interval(secs => $4), ts, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket,
              count(*) AS samples, ${aggs}
       FROM telemetry WHERE well_id = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz
       GROUP BY 1 ORDER BY 1`,
      [wellId, iso(range.from), iso(range.to), intervalSeconds],
    );
    return r.rows.map((row) => this.toBucket(row));
  }

  private toBucket(row: Row): Bucket {
    const values: Bucket['values'] = {};
    for (const c of CHANNELS) {
      const avg = num(row[`${c}_avg`]);
      values[c] = avg === null ? null : { avg, min: Number(row[`${c}_min`]), max: Number(row[`${c}_max`]) };
    }
    return { ts: toMs(row.bucket), samples: Number(row.samples), values };
  }

  /** Buckets of whole hours from the roll-up: a month of 10-second data is 720 rows, not 260 000. */
  private async hourlyBuckets(wellId: string, range: TimeRange, intervalSeconds: number): Promise<Bucket[]> {
    const aggs = CHANNELS.map(
      (c) => `sum(${c}_sum) / NULLIF(sum(${c}_n), 0) AS ${c}_avg, min(${c}_min) AS ${c}_min, max(${c}_max) AS ${c}_max`,
    ).join(', ');
    const from = Math.floor(range.from / 3_600_000) * 3_600_000;
    await this.derived.sync();
    const r = await this.db.query<Row>(
      `SELECT date_bin(make_interval(secs => $4), hour, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket,
              sum(samples) AS samples, ${aggs}
       FROM telemetry_hourly WHERE well_id = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz
       GROUP BY 1 ORDER BY 1`,
      [wellId, iso(from), iso(range.to), intervalSeconds],
    );
    return r.rows.map((row) => this.toBucket(row));
  }

  async summary(wellId: string, range: TimeRange): Promise<TelemetrySummary> {
    const aggs = CHANNELS.map((c) => `avg(${c}) AS ${c}_avg, min(${c}) AS ${c}_min, max(${c}) AS ${c}_max, stddev_samp(${c}) AS ${c}_sd`).join(', ');
    const params = [wellId, iso(range.from), iso(range.to)];
    const where = `well_id = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz`;
    const agg = (await this.db.query<Row>(`SELECT count(*) AS n, ${aggs} FROM telemetry WHERE ${where}`, params)).rows[0];
    const first = await this.db.query<Row>(`SELECT * FROM telemetry WHERE ${where} ORDER BY ts ASC LIMIT 1`, params);
    const last = await this.db.query<Row>(`SELECT * FROM telemetry WHERE ${where} ORDER BY ts DESC LIMIT 1`, params);
    const pick = (suffix: string) => Object.fromEntries(CHANNELS.map((c) => [c, num(agg[`${c}_${suffix}`])]));
    return {
      count: Number(agg.n),
      first: first.rows.length ? rowToReading(first.rows[0]) : null,
      last: last.rows.length ? rowToReading(last.rows[0]) : null,
      averages: pick('avg'),
      minimums: pick('min'),
      maximums: pick('max'),
      stddevs: pick('sd'),
    };
  }

  async countReadings(wellId?: string): Promise<number> {
    const r = wellId
      ? await this.db.query<{ n: number }>('SELECT count(*) AS n FROM telemetry WHERE well_id = $1', [wellId])
      : await this.db.query<{ n: number }>('SELECT count(*) AS n FROM telemetry');
    return Number(r.rows[0].n);
  }

  async firstReadingTs(wellId: string): Promise<number | null> {
    await this.derived.sync();
    const r = await this.db.query<{ t: unknown }>('SELECT min(hour) AS t FROM telemetry_hourly WHERE well_id = $1', [wellId]);
    const t = r.rows[0]?.t;
    return t === null || t === undefined ? null : toMs(t);
  }

  // retention

  async dropTelemetryBefore(cutoff: number): Promise<string[]> {
    await this.derived.sync();
    await this.loadPartitions(this.db);
    const dropped: string[] = [];
    for (const d of [...this.partitions].sort((a, b) => a - b)) {
      if ((d + 1) * DAY_MS > cutoff) continue;
      const name = partitionName(d);
      await this.db.exec(`DROP TABLE IF EXISTS ${name}`);
      this.partitions.delete(d);
      dropped.push(name);
    }
    // The roll-up is small (one row per well-hour): rows are deleted, at the same whole-day cutoff.
    await this.db.query('DELETE FROM telemetry_hourly WHERE hour < $1::timestamptz', [
      iso(Math.floor(cutoff / DAY_MS) * DAY_MS),
    ]);
    return dropped;
  }
}
