// The hourly roll-up and latest readings are merged off the ingest path from a durable log. Whatever the path
// a batch took (COPY, one statement, re-sent duplicates) and whoever merges it (the writer, or another process
// after the writer died), the derived tables must equal a recompute from the raw readings: nothing missing,
// nothing counted twice.
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, type Reading } from '../../src/domain/reading.js';
import type { SqlExecutor } from '../../src/storage/sql.js';
import { SqlRepository } from '../../src/storage/sql-repository.js';
import { ADAPTERS, openSecondRepository, openTestDatabase, type TestDatabase } from '../helpers.js';

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 9, 1, 0, 0, 0);

/** Readings of `wells` wells, one every `stepMs`, starting at `from`; some channels missing now and then. */
function readings(prefix: string, wells: number, count: number, from: number, stepMs: number, seed = 1): Reading[] {
  const out: Reading[] = [];
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < count; i++) {
    const r = { well_id: `${prefix}${i % wells}`, ts: from + Math.floor(i / wells) * stepMs } as Reading;
    for (const c of CHANNELS) r[c] = rnd() < 0.1 ? null : Math.round(rnd() * 100_000) / 100;
    out.push(r);
  }
  return out;
}

type Row = Record<string, unknown>;

/** The roll-up and latest readings as stored, and as recomputed from the raw table. */
async function derivedVsRaw(db: SqlExecutor) {
  const cols = CHANNELS.map((c) => `${c}_n AS ${c}_n, ${c}_sum AS ${c}_sum, ${c}_min AS ${c}_min, ${c}_max AS ${c}_max`).join(', ');
  const raw = CHANNELS.map((c) => `count(${c}) AS ${c}_n, coalesce(sum(${c}), 0) AS ${c}_sum, min(${c}) AS ${c}_min, max(${c}) AS ${c}_max`).join(', ');
  const key = (r: Row) => `${r.well_id}|${new Date(r.hour as string).getTime()}`;
  const stored = (await db.query<Row>(`SELECT well_id, hour, samples, ${cols} FROM telemetry_hourly ORDER BY 1, 2`)).rows;
  const recomputed = (
    await db.query<Row>(
      `SELECT well_id, date_bin('1 hour', ts, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS hour, count(*) AS samples, ${raw}
       FROM telemetry GROUP BY 1, 2 ORDER BY 1, 2`,
    )
  ).rows;
  const latestStored = (await db.query<Row>(`SELECT * FROM well_latest ORDER BY well_id`)).rows;
  const latestRaw = (await db.query<Row>(`SELECT DISTINCT ON (well_id) * FROM telemetry ORDER BY well_id, ts DESC`)).rows;
  return { stored: new Map(stored.map((r) => [key(r), r])), recomputed: new Map(recomputed.map((r) => [key(r), r])), latestStored, latestRaw };
}

async function expectDerivedEqualsRaw(db: SqlExecutor): Promise<void> {
  const { stored, recomputed, latestStored, latestRaw } = await derivedVsRaw(db);
  expect([...stored.keys()].sort()).toEqual([...recomputed.keys()].sort());
  for (const [k, want] of recomputed) {
    const got = stored.get(k)!;
    expect(Number(got.samples), k).toBe(Number(want.samples));
    for (const c of CHANNELS) {
      expect(Number(got[`${c}_n`]), `${k} ${c}_n`).toBe(Number(want[`${c}_n`]));
      expect(Number(got[`${c}_sum`]), `${k} ${c}_sum`).toBeCloseTo(Number(want[`${c}_sum`]), 6);
      expect(got[`${c}_min`] === null ? null : Number(got[`${c}_min`]), `${k} ${c}_min`).toBe(want[`${c}_min`] === null ? null : Number(want[`${c}_min`]));
      expect(got[`${c}_max`] === null ? null : Number(got[`${c}_max`]), `${k} ${c}_max`).toBe(want[`${c}_max`] === null ? null : Number(want[`${c}_max`]));
    }
  }
  expect(latestStored.map((r) => [r.well_id, new Date(r.ts as string).getTime()])).toEqual(latestRaw.map((r) => [r.well_id, new Date(r.ts as string).getTime()]));
  for (let i = 0; i < latestRaw.length; i++) {
    for (const c of CHANNELS) expect(latestStored[i][c], `${latestRaw[i].well_id} ${c}`).toEqual(latestRaw[i][c]);
  }
}

const logRows = async (db: SqlExecutor) => Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM derived_log')).rows[0].n);

describe.each(ADAPTERS)('derived tables (%s)', (kind) => {
  let db: TestDatabase;
  const extra: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const close of extra.splice(0)) await close();
    await db?.close();
  });

  it('equal a recompute from the raw readings, whatever path each batch took', async () => {
    db = await openTestDatabase(kind);
    const repo = db.repo as SqlRepository;
    const big = readings('D-', 40, 3000, BASE, 10_000); // COPY path, spans several hours
    expect(await repo.insertReadings(big)).toBe(3000);
    const small = readings('D-', 40, 120, BASE + 5 * HOUR, 7_000, 2); // one statement
    expect(await repo.insertReadings(small)).toBe(120);
    // Re-sent: a large batch half of which is stored already (staging path), a small one likewise.
    const resentBig = [...big.slice(1000, 1600), ...readings('D-', 40, 600, BASE + 9 * HOUR, 5_000, 3)];
    expect(await repo.insertReadings(resentBig)).toBe(600);
    const resentSmall = [...small.slice(0, 50), ...readings('E-', 3, 30, BASE - 2 * HOUR, 60_000, 4)];
    expect(await repo.insertReadings(resentSmall)).toBe(30);
    // Entirely re-sent: nothing new, nothing logged.
    expect(await repo.insertReadings(small.slice(0, 10))).toBe(0);
    // A backfilled, older reading does not move the latest one back.
    expect(await repo.insertReadings(readings('D-', 1, 1, BASE - 30 * HOUR, 1, 5))).toBe(1);

    expect(repo.derived.heldBatches).toBeGreaterThan(0);
    await repo.derived.sync();
    expect(repo.derived.heldBatches).toBe(0);
    expect(await logRows(repo.executor)).toBe(0);
    await expectDerivedEqualsRaw(repo.executor);
    // Reads merge first: the newest reading is visible at once.
    const latest = await repo.latestReading('E-0');
    expect(latest?.ts).toBe(BASE - 2 * HOUR + 9 * 60_000);
  });

  it('merges what a dead process logged exactly once, even if that process comes back and merges too', async () => {
    db = await openTestDatabase(kind);
    const writer = db.repo as SqlRepository;
    await writer.insertReadings(readings('X-', 25, 1500, BASE, 30_000));
    await writer.insertReadings(readings('X-', 25, 100, BASE + 20 * HOUR, 1_000, 7));
    await writer.insertReadings([...readings('X-', 25, 100, BASE + 20 * HOUR, 1_000, 7).slice(0, 40), ...readings('Y-', 2, 4, BASE, 1_000)]);
    // The writer "dies": its summaries are held in memory only, their log rows committed.
    expect(writer.derived.heldBatches).toBe(3);
    expect(await logRows(writer.executor)).toBe(3);
    const before = await derivedVsRaw(writer.executor);
    expect(before.stored.size).toBe(0);

    // Another process starts: it merges every row it finds from other owners.
    const second = openSecondRepository(db, 2);
    extra.push(second.close);
    const other = second.repo;
    await other.derived.sync();
    expect(await logRows(writer.executor)).toBe(0);
    await expectDerivedEqualsRaw(writer.executor);

    // The first process was only slow, not dead: its merge finds its rows gone and applies nothing twice.
    await writer.derived.sync();
    expect(writer.derived.heldBatches).toBe(0);
    await expectDerivedEqualsRaw(writer.executor);

    // Both keep writing and merging: still exact.
    await writer.insertReadings(readings('X-', 25, 500, BASE + 21 * HOUR, 1_000, 8));
    await other.insertReadings(readings('X-', 25, 500, BASE + 22 * HOUR, 1_000, 9));
    await Promise.all([writer.derived.sync(), other.derived.sync()]);
    await expectDerivedEqualsRaw(writer.executor);
  });

  it('keeps nothing of a deleted well that was held when it was deleted', async () => {
    db = await openTestDatabase(kind);
    const repo = db.repo as SqlRepository;
    await repo.insertReadings(readings('Z-', 3, 600, BASE, 10_000));
    expect(repo.derived.heldBatches).toBe(1);
    expect(await repo.deleteWell('Z-1')).toBe(true);
    await repo.insertReadings(readings('Z-', 3, 6, BASE + 10 * HOUR, 1_000).filter((r) => r.well_id !== 'Z-1'));
    await repo.derived.sync();
    await expectDerivedEqualsRaw(repo.executor);
    expect(await repo.getWell('Z-1')).toBeNull();
    expect((await repo.listWells({ limit: 10, offset: 0 })).wells.map((w) => w.well_id)).toEqual(['Z-0', 'Z-2']);
  });
});
