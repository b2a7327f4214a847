// The free-space guard without a real full disk (the tmpfs test covers that end to end): below the floor writes
// are refused with 507 naming the directory, queued batches are not written, and writes resume by themselves.
import { describe, expect, it } from 'vitest';
import { InsufficientStorageError } from '../../src/domain/errors.js';
import { IngestPipeline } from '../../src/ingest/pipeline.js';
import { DiskGuard } from '../../src/storage/disk-guard.js';
import type { Repository } from '../../src/storage/repository.js';
import type { Reading } from '../../src/domain/reading.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reading(ts: number): Reading {
  return { well_id: 'G-1', ts, flow_rate: 1, pip: null, motor_current: null, motor_temp: null, vibration: null, vsd_frequency: null, flow_variance: null, torque: null, gor: null };
}

describe('disk guard', () => {
  it('refuses below the floor, says where and how much, and lets writes through again', async () => {
    let free = 500 * MB;
    const changes: boolean[] = [];
    const guard = new DiskGuard('/data/here', {
      minFreeBytes: 256 * MB,
      maxAgeMs: 0,
      read: () => ({ freeBytes: free, totalBytes: 1000 * MB }),
      onChange: (low) => changes.push(low),
    });
    const written: number[] = [];
    const repo = { insertReadings: async (r: Reading[]) => (written.push(...r.map((x) => x.ts)), r.length) } as unknown as Repository;
    const pipeline = new IngestPipeline(repo, { batchMax: 100, delayMs: 5, queueMax: 1000, concurrency: 1, writeGuard: guard });

    expect(await pipeline.submit([reading(1)])).toBe(1);
    free = 100 * MB;
    const err = await pipeline.submit([reading(2)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStorageError);
    expect((err as InsufficientStorageError).status).toBe(507);
    expect((err as Error).message).toContain('/data/here');
    expect((err as InsufficientStorageError).details).toMatchObject({ path: '/data/here', free_mb: 100, min_free_mb: 256 });
    expect(() => guard.check()).toThrow(/100 MB free in \/data\/here/);

    // Queued while there was room, but the disk filled before the commit: not written, refused.
    free = 500 * MB;
    await sleep(1_100); // the pipeline holds off for a second after a refused write
    const queued = pipeline.submit([reading(3)]);
    free = 100 * MB;
    await expect(queued).rejects.toBeInstanceOf(InsufficientStorageError);

    free = 500 * MB;
    await sleep(1_100);
    expect(await pipeline.submit([reading(4)])).toBe(1);
    expect(written).toEqual([1, 4]);
    expect(changes).toEqual([true, false, true, false]);
    expect(guard.check()).toMatchObject({ free_mb: 500 });
  });
});
