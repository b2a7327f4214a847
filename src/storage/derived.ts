// What the repository derives from the readings it stores: the hourly roll-up (charts over weeks, fleet
// sparklines) and each well's latest reading (fleet view). Upserting them in every ingest transaction cost
// more than the COPY of the readings themselves, so a batch's contribution is summarised, logged durably in
// the batch's own transaction as one compact row (derived_log), and merged about once a second: a second of
// ingest from 200 wells is 200 roll-up rows instead of 200 per batch. Reads that need the derived tables
// merge first, so a process always reads its own writes; other processes' writes show within a second.
//
// Exactly once: merging a log row and deleting it are one transaction, and only whoever deletes a row
// applies it. Rows left behind by a process that died are merged by any other (or the restarted) process.
import { randomUUID } from 'node:crypto';
import { CHANNELS, type Reading } from '../domain/reading.js';
import type { SqlExecutor, SqlRunner } from './sql.js';
import { iso } from './values.js';

const K = CHANNELS.length;
const HOUR_MS = 3_600_000;
const CHANNEL_LIST = CHANNELS.join(', ');

const HOUR_BIN = `date_bin('1 hour', ts, TIMESTAMPTZ '1970-01-01 00:00:00+00')`;
const ROLLUP_COLUMNS = CHANNELS.map((c) => `${c}_n, ${c}_sum, ${c}_min, ${c}_max`).join(', ');

const ROLLUP_MERGE =
  'samples = h.samples + EXCLUDED.samples, ' +
  CHANNELS.map(
    (c) =>
      `${c}_n = h.${c}_n + EXCLUDED.${c}_n, ${c}_sum = h.${c}_sum + EXCLUDED.${c}_sum, ` +
      `${c}_min = LEAST(h.${c}_min, EXCLUDED.${c}_min), ${c}_max = GREATEST(h.${c}_max, EXCLUDED.${c}_max)`,
  ).join(', ');
const LATEST_MERGE = `ts = EXCLUDED.ts, ${CHANNELS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;

/** One well-hour of a summary: reading count, then per channel non-null count, sum, min, max. */
interface HourAgg {
  wellId: string;
  hour: number;
  samples: number;
  n: number[];
  sum: number[];
  min: (number | null)[];
  max: (number | null)[];
}

/** What a set of stored readings adds to the derived tables. */
export interface Summary {
  hours: HourAgg[];
  /** The newest reading of each well in the set. */
  latest: Reading[];
}

function newHour(wellId: string, hour: number): HourAgg {
  return { wellId, hour, samples: 0, n: new Array(K).fill(0), sum: new Array(K).fill(0), min: new Array(K).fill(null), max: new Array(K).fill(null) };
}

function addHour(into: HourAgg, h: HourAgg): void {
  into.samples += h.samples;
  for (let c = 0; c < K; c++) {
    into.n[c] += h.n[c];
    into.sum[c] += h.sum[c];
    const mn = h.min[c];
    const mx = h.max[c];
    if (mn !== null && (into.min[c] === null || mn < into.min[c]!)) into.min[c] = mn;
    if (mx !== null && (into.max[c] === null || mx > into.max[c]!)) into.max[c] = mx;
  }
}

export function summarise(readings: readonly Reading[]): Summary {
  // Per well: its newest reading and its hours. A well's readings in a batch are mostly in one hour, so the
  // last hour used is checked first.
  const wells = new Map<string, { latest: Reading; last: HourAgg; hours: HourAgg[] }>();
  for (const r of readings) {
    const hour = r.ts - (((r.ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
    let w = wells.get(r.well_id);
    let h: HourAgg | undefined;
    if (!w) {
      h = newHour(r.well_id, hour);
      wells.set(r.well_id, (w = { latest: r, last: h, hours: [h] }));
    } else {
      if (w.latest.ts < r.ts) w.latest = r;
      h = w.last.hour === hour ? w.last : w.hours.find((x) => x.hour === hour);
      if (!h) w.hours.push((h = newHour(r.well_id, hour)));
      w.last = h;
    }
    h.samples++;
    for (let c = 0; c < K; c++) {
      const v = r[CHANNELS[c]];
      if (v === null) continue;
      h.n[c]++;
      h.sum[c] += v;
      if (h.min[c] === null || v < h.min[c]!) h.min[c] = v;
      if (h.max[c] === null || v > h.max[c]!) h.max[c] = v;
    }
  }
  const hours: HourAgg[] = [];
  const latest: Reading[] = [];
  for (const w of wells.values()) {
    for (const h of w.hours) hours.push(h);
    latest.push(w.latest);
  }
  return { hours, latest };
}

/**
 * The log row: {"h": [[well, hourMs, samples, n, sum, min, max (per channel)…]…], "l": [[well, tsMs, values…]…]}.
 * SUMMARY_OF_INS below builds exactly this in SQL.
 */
function encodeSummary(s: Summary): string {
  const h = s.hours.map((x) => {
    const row: unknown[] = [x.wellId, x.hour, x.samples];
    for (let c = 0; c < K; c++) row.push(x.n[c], x.sum[c], x.min[c], x.max[c]);
    return row;
  });
  const l = s.latest.map((r) => [r.well_id, r.ts, ...CHANNELS.map((c) => r[c])]);
  return JSON.stringify({ h, l });
}

/**
 * What a batch logs: its summary, or its readings themselves ({"r": [[well, tsMs, values…]…]}) when that is
 * shorter, as with single readings of many wells (one well-hour per reading: 11 numbers instead of 50).
 */
export function encodeLog(readings: readonly Reading[], summary: Summary): string {
  const summaryNumbers = summary.hours.length * (3 + 4 * K) + summary.latest.length * (2 + K);
  if (summaryNumbers <= readings.length * (2 + K)) return encodeSummary(summary);
  return JSON.stringify({ r: readings.map((r) => [r.well_id, r.ts, ...CHANNELS.map((c) => r[c])]) });
}

function decodeReading(row: (string | number | null)[]): Reading {
  const r = { well_id: String(row[0]), ts: Number(row[1]) } as Reading;
  CHANNELS.forEach((c, i) => (r[c] = row[2 + i] === null ? null : Number(row[2 + i])));
  return r;
}

/** A log row (encodeLog or SUMMARY_OF_INS) as a summary. */
export function decodeSummary(text: string): Summary {
  const raw = JSON.parse(text) as { h: (string | number | null)[][]; l: (string | number | null)[][]; r?: (string | number | null)[][] };
  if (raw.r) return summarise(raw.r.map(decodeReading));
  const hours = raw.h.map((row) => {
    const x = newHour(String(row[0]), Number(row[1]));
    x.samples = Number(row[2]);
    for (let c = 0; c < K; c++) {
      x.n[c] = Number(row[3 + c * 4]);
      x.sum[c] = Number(row[4 + c * 4]);
      x.min[c] = row[5 + c * 4] === null ? null : Number(row[5 + c * 4]);
      x.max[c] = row[6 + c * 4] === null ? null : Number(row[6 + c * 4]);
    }
    return x;
  });
  const latest = raw.l.map(decodeReading);
  return { hours, latest };
}

const msOf = (col: string) => `(extract(epoch FROM ${col}) * 1000)::bigint`;
/** SQL for the summary (encodeSummary's JSON, as text) of the rows of `ins`, a CTE of inserted telemetry rows. */
export const SUMMARY_OF_INS = `(SELECT json_build_object(
    'h', (SELECT coalesce(json_agg(json_build_array(well_id, ${msOf('hour')}, samples,
            ${CHANNELS.map((c) => `${c}_n, ${c}_sum, ${c}_min, ${c}_max`).join(', ')})), '[]')
          FROM (SELECT well_id, ${HOUR_BIN} AS hour, count(*) AS samples,
                  ${CHANNELS.map((c) => `count(${c}) AS ${c}_n, coalesce(sum(${c}), 0) AS ${c}_sum, min(${c}) AS ${c}_min, max(${c}) AS ${c}_max`).join(', ')}
                FROM ins GROUP BY 1, 2) g),
    'l', (SELECT coalesce(json_agg(json_build_array(well_id, ${msOf('ts')}, ${CHANNEL_LIST})), '[]')
          FROM (SELECT DISTINCT ON (well_id) * FROM ins ORDER BY well_id, ts DESC) l))::text)`;

/** Merges summaries into one, rows sorted by key so that concurrent mergers lock rows in the same order. */
function mergeSummaries(list: readonly Summary[]): Summary {
  const hours = new Map<string, HourAgg>();
  const latest = new Map<string, Reading>();
  for (const s of list) {
    for (const h of s.hours) {
      const key = h.wellId + '|' + h.hour;
      let into = hours.get(key);
      if (!into) hours.set(key, (into = newHour(h.wellId, h.hour)));
      addHour(into, h);
    }
    for (const r of s.latest) {
      const prev = latest.get(r.well_id);
      if (!prev || prev.ts < r.ts) latest.set(r.well_id, r);
    }
  }
  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    hours: [...hours.values()].sort((a, b) => byKey(a.wellId, b.wellId) || a.hour - b.hour),
    latest: [...latest.values()].sort((a, b) => byKey(a.well_id, b.well_id)),
  };
}

const APPLY = (() => {
  let p = 0;
  const arg = (type: string) => `$${++p}::${type}`;
  const rollupArgs = [arg('text[]'), arg('timestamptz[]'), arg('int[]')];
  for (let c = 0; c < K; c++) rollupArgs.push(arg('int[]'), arg('float8[]'), arg('float8[]'), arg('float8[]'));
  const latestArgs = [arg('text[]'), arg('timestamptz[]'), ...CHANNELS.map(() => arg('float8[]'))];
  // The registry entry is normally written with the readings; here it only restores a well deleted by another
  // process while this one still held readings for it.
  return `WITH registered AS (
       INSERT INTO wells (well_id) SELECT id FROM unnest(${latestArgs[0]}) AS u(id) ON CONFLICT DO NOTHING
     ), rolled AS (
       INSERT INTO telemetry_hourly AS h (well_id, hour, samples, ${ROLLUP_COLUMNS})
       SELECT * FROM unnest(${rollupArgs.join(', ')})
       ON CONFLICT (well_id, hour) DO UPDATE SET ${ROLLUP_MERGE}
     )
     INSERT INTO well_latest (well_id, ts, ${CHANNEL_LIST})
     SELECT * FROM unnest(${latestArgs.join(', ')})
     ON CONFLICT (well_id) DO UPDATE SET ${LATEST_MERGE} WHERE well_latest.ts < EXCLUDED.ts`;
})();

/** Adds summaries to the roll-up and advances the latest readings, in one statement. */
async function applySummaries(tx: SqlRunner, list: readonly Summary[]): Promise<void> {
  const m = mergeSummaries(list);
  if (!m.hours.length && !m.latest.length) return;
  const h = m.hours;
  const params: unknown[] = [h.map((x) => x.wellId), h.map((x) => iso(x.hour)), h.map((x) => x.samples)];
  for (let c = 0; c < K; c++) {
    params.push(
      h.map((x) => x.n[c]),
      h.map((x) => x.sum[c]),
      h.map((x) => x.min[c]),
      h.map((x) => x.max[c]),
    );
  }
  params.push(m.latest.map((r) => r.well_id), m.latest.map((r) => iso(r.ts)), ...CHANNELS.map((c) => m.latest.map((r) => r[c])));
  await tx.query(APPLY, params, 'esp_derived_apply');
}

/** Roll-up and latest rows applied by one statement, at most (about). */
const MERGE_ROWS_MAX = 20_000;

export interface DerivedOptions {
  /** How often held summaries are merged. */
  flushMs: number;
  /** Log rows of another process older than this are taken as abandoned (that process died). */
  abandonedAfterMs: number;
}

export const DEFAULT_DERIVED_OPTIONS: DerivedOptions = { flushMs: 1_000, abandonedAfterMs: 30_000 };

export class DerivedState {
  /** This process (one repository instance): its log rows are its own to merge. */
  readonly owner = randomUUID();
  /** Summaries logged and committed, not merged yet, by log id. */
  private readonly held = new Map<number, Summary>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  /** When log rows of other processes were last looked for (0: not yet, which means all of them). */
  private lastRecovery = 0;
  private closed = false;

  constructor(
    private readonly db: SqlExecutor,
    private readonly opts: DerivedOptions = DEFAULT_DERIVED_OPTIONS,
    private readonly onError?: (err: unknown) => void,
  ) {}

  get heldBatches(): number {
    return this.held.size;
  }

  /** A batch's summary, logged as `id` in a committed transaction. */
  hold(id: number, summary: Summary): void {
    this.held.set(id, summary);
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => void this.tick(), this.opts.flushMs);
      this.timer.unref();
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.sync();
    } catch (err) {
      this.onError?.(err);
    }
  }

  /**
   * Merges everything held so far, and what other processes left behind: the first time all of it (a previous
   * run of this one may have died), then every 10 flush periods what has been left for abandonedAfterMs.
   */
  sync(): Promise<void> {
    const recoverDue = Date.now() - this.lastRecovery >= 10 * this.opts.flushMs;
    if (!recoverDue && !this.held.size && !this.running) return Promise.resolve();
    if (this.running) {
      // A merge is under way with an older snapshot: one more run after it covers what was held since.
      this.again = true;
      return this.running;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          if (Date.now() - this.lastRecovery >= 10 * this.opts.flushMs) {
            await this.recover(this.lastRecovery === 0);
            this.lastRecovery = Date.now();
          }
          await this.mergeHeld();
        } while (this.again);
      } finally {
        this.running = null;
      }
    };
    this.running = run();
    return this.running;
  }

  private async mergeHeld(): Promise<void> {
    // In groups of bounded size (a bulk import can hold hundreds of thousands of well-hours): each group is one
    // transaction that takes its log rows and applies them.
    let group: number[] = [];
    let rows = 0;
    for (const [id, s] of [...this.held.entries()]) {
      group.push(id);
      rows += s.hours.length + s.latest.length;
      if (rows >= MERGE_ROWS_MAX) {
        await this.mergeGroup(group);
        group = [];
        rows = 0;
      }
    }
    if (group.length) await this.mergeGroup(group);
  }

  private async mergeGroup(ids: number[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Only the rows still there are ours to apply: another process may have merged some, taking us for dead.
      const r = await tx.query<{ id: number }>('DELETE FROM derived_log WHERE id = ANY($1::bigint[]) RETURNING id', [ids], 'esp_derived_take');
      const mine = r.rows.map((x) => this.held.get(Number(x.id))!).filter(Boolean);
      await applySummaries(tx, mine);
    });
    for (const id of ids) this.held.delete(id);
  }

  /**
   * Merges log rows left by other processes: at start-up all of them (a previous run of this one may have
   * died), later only those older than abandonedAfterMs. Taking a live process's row is harmless: it finds
   * the row gone and does not apply it again.
   */
  async recover(all: boolean): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const r = await tx.query<{ summary: string }>(
          `DELETE FROM derived_log WHERE id IN (
             SELECT id FROM derived_log
             WHERE owner <> $1 AND ($2::boolean OR logged_at < now() - make_interval(secs => $3::float8))
             ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED)
           RETURNING summary`,
          [this.owner, all, this.opts.abandonedAfterMs / 1000],
        );
        await applySummaries(tx, r.rows.map((x) => decodeSummary(x.summary)));
        return r.rows.length;
      });
      total += n;
      if (n < 10) return total;
    }
  }

  /** Forgets what is held for a well (it is being deleted; its derived rows go with it). */
  forget(wellId: string): void {
    for (const s of this.held.values()) {
      s.hours = s.hours.filter((h) => h.wellId !== wellId);
      s.latest = s.latest.filter((r) => r.well_id !== wellId);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      await this.sync();
    } catch (err) {
      // Left in the log: the next process to start merges it.
      this.onError?.(err);
    }
  }
}
