// The load lifecycle behind the dashboard's data hook: one load reports its data or its error; cancelling it
// (its inputs changed, or the component unmounted) aborts the request and nothing is reported afterwards.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../web/src/api.js';
import { runLoad, type Outcome } from '../../web/src/useData.js';

/** A loader whose result the test settles by hand, and the signal it was given. */
function pending<T>() {
  let settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };
  let signal!: AbortSignal;
  const load = (s: AbortSignal) => {
    signal = s;
    return new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
  };
  return { load, settle: () => settle, signal: () => signal };
}

const settled = () => new Promise((r) => setTimeout(r, 0));

describe('runLoad', () => {
  it('reports the data of a load that finishes', async () => {
    const seen: Outcome<number>[] = [];
    const p = pending<number>();
    runLoad(p.load, (o) => seen.push(o));
    p.settle().resolve(42);
    await settled();
    expect(seen).toEqual([{ data: 42 }]);
    expect(p.signal().aborted).toBe(false);
  });

  it("reports a failed load's error as the user reads it", async () => {
    const seen: Outcome<number>[] = [];
    const p = pending<number>();
    runLoad(p.load, (o) => seen.push(o));
    p.settle().reject(new ApiError(404, 'Well W-9 not found', 'NOT_FOUND'));
    await settled();
    expect(seen).toEqual([{ error: 'Well W-9 not found' }]);
  });

  it('reports a loader that throws at once like one that rejects', async () => {
    const seen: Outcome<number>[] = [];
    runLoad(
      () => {
        throw new Error('bad input');
      },
      (o) => seen.push(o),
    );
    await settled();
    expect(seen).toEqual([{ error: 'bad input' }]);
  });

  it('aborts a cancelled load and reports nothing of it, even if its result still arrives', async () => {
    const seen: Outcome<string>[] = [];
    const first = pending<string>();
    const cancelFirst = runLoad(first.load, (o) => seen.push(o));
    // The inputs change: the first load is cancelled, the second one started.
    cancelFirst();
    expect(first.signal().aborted).toBe(true);
    const second = pending<string>();
    runLoad(second.load, (o) => seen.push(o));
    first.settle().resolve('stale');
    second.settle().resolve('fresh');
    await settled();
    expect(seen).toEqual([{ data: 'fresh' }]);
  });

  it('reports neither the abort error nor a late failure of a cancelled load', async () => {
    const seen: Outcome<string>[] = [];
    const aborted = pending<string>();
    runLoad(aborted.load, (o) => seen.push(o))();
    aborted.settle().reject(new DOMException('The operation was aborted.', 'AbortError'));
    const failing = pending<string>();
    runLoad(failing.load, (o) => seen.push(o))();
    failing.settle().reject(new ApiError(500, 'Internal server error', 'INTERNAL_ERROR'));
    await settled();
    expect(seen).toEqual([]);
  });
});
