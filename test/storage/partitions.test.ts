// Daily partitions are created on demand. Several writers of one process, and several processes, reach a new
// day at the same moment: every batch must be stored, none refused because another created the partition.
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, type Reading } from '../../src/domain/reading.js';
import { SqlRepository } from '../../src/storage/sql-repository.js';
import { ADAPTERS, openSecondRepository, openTestDatabase, type TestDatabase } from '../helpers.js';

const DAY = 86_400_000;

function batch(well: string, day: number, n: number): Reading[] {
  return Array.from({ length: n }, (_, i) => {
    const r = { well_id: well, ts: day * DAY + i * 1000 } as Reading;
    for (const c of CHANNELS) r[c] = i;
    return r;
  });
}

describe.each(ADAPTERS)('partitions on demand (%s)', (kind) => {
  let db: TestDatabase;
  const extra: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const close of extra.splice(0)) await close();
    await db?.close();
  });

  it('stores every batch when writers and processes reach new days at once', async () => {
    db = await openTestDatabase(kind);
    // A second process: its own idea of which partitions exist (and on PostgreSQL its own pool).
    const other = openSecondRepository(db, 8);
    extra.push(other.close);
    const repos = [db.repo as SqlRepository, other.repo];
    const firstDay = Math.floor(Date.UTC(2026, 6, 1) / DAY);
    const writes: Promise<number>[] = [];
    for (let d = 0; d < 3; d++) {
      for (let w = 0; w < 6; w++) {
        for (const repo of repos) writes.push(repo.insertReadings(batch(`P-${w}-${repos.indexOf(repo)}`, firstDay + d, w % 2 ? 300 : 20)));
      }
    }
    const inserted = await Promise.all(writes);
    expect(inserted.reduce((a, b) => a + b, 0)).toBe(repos.length * 3 * (3 * 300 + 3 * 20));
    expect(await repos[0].countReadings()).toBe(repos.length * 3 * (3 * 300 + 3 * 20));
  });
});
