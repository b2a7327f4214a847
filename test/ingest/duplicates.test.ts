// Duplicates and conflicts: readings that contradict each other in one request are refused naming both; exact
// repeats and re-sends are accepted and counted; a re-send with other values keeps the stored reading and is
// counted as a conflict. Every ingest response (single, batch, import) and /metrics says what happened.
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTestApp } from '../helpers.js';

interface Counts {
  inserted: number;
  duplicates: number;
  conflicts: number;
}

function metricValue(text: string, name: string, transport: string): number {
  const m = new RegExp(`^${name}\\{transport="${transport}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe.each(ADAPTERS)('duplicates and conflicts on %s', (kind) => {
  const ctx = useTestApp(kind, { security: true });
  const base = Date.now() - 3_600_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const batch = (readings: unknown[]) => ctx.t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings } });
  const metrics = async () => (await ctx.t.request('/metrics')).text();

  it('refuses a batch where one well and timestamp carry two different readings, naming both indices', async () => {
    const ts = iso(base);
    const res = await batch([
      { well_id: 'DUP-A', timestamp: ts, flow_rate: 100 },
      { well_id: 'DUP-B', timestamp: ts, flow_rate: 100 },
      { well_id: 'DUP-A', timestamp: ts, flow_rate: 200 },
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error_code: string; message: string; details: { errors: { field: string; reason: string; index: number }[] } };
    expect(body.error_code).toBe('VALIDATION_ERROR');
    expect(body.details.errors).toEqual([{ field: 'readings[2].timestamp', reason: expect.stringMatching(/readings\[0\].*readings\[2\]/), index: 2 }]);
    expect(await ctx.db.repo.countReadings('DUP-A')).toBe(0);
    expect(await ctx.db.repo.countReadings('DUP-B')).toBe(0);
  });

  it('refuses more than one reading of a well without a timestamp, asking for timestamps', async () => {
    const res = await batch([
      { well_id: 'DUP-NT', flow_rate: 1 },
      { well_id: 'DUP-NT', flow_rate: 2 },
      { well_id: 'DUP-NT-OTHER', flow_rate: 3 },
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { details: { errors: { field: string; reason: string; index: number }[] } };
    expect(body.details.errors).toHaveLength(1);
    expect(body.details.errors[0]).toMatchObject({ field: 'readings[1].timestamp', index: 1 });
    expect(body.details.errors[0].reason).toMatch(/required.*readings\[0\].*without a timestamp/);
    expect(await ctx.db.repo.countReadings('DUP-NT')).toBe(0);
    // One untimed reading per well is fine.
    const ok = await batch([{ well_id: 'DUP-NT', flow_rate: 1 }, { well_id: 'DUP-NT-OTHER', flow_rate: 3 }]);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ batch_size: 2, inserted: 2, duplicates: 0, conflicts: 0 });
  });

  it('accepts identical repeats in a batch and counts them as duplicates', async () => {
    const r = { well_id: 'DUP-SAME', timestamp: iso(base + 1000), flow_rate: 150.25, pip: 900 };
    const res = await batch([r, { ...r, timestamp: iso(base + 2000) }, r]);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ success: true, batch_size: 3, inserted: 2, duplicates: 1, conflicts: 0 });
    expect(await ctx.db.repo.countReadings('DUP-SAME')).toBe(2);
  });

  it('counts re-sends of stored readings as duplicates and re-sends with other values as conflicts, keeping the stored one', async () => {
    const before = await metrics();
    const readings = Array.from({ length: 10 }, (_, i) => ({ well_id: 'DUP-RE', timestamp: iso(base + i * 1000), flow_rate: 1000 + i, motor_temp: 90.5 }));
    const first = await batch(readings);
    expect(await first.json()).toMatchObject({ batch_size: 10, inserted: 10, duplicates: 0, conflicts: 0 });
    const again = await batch(readings);
    expect(await again.json()).toMatchObject({ batch_size: 10, inserted: 0, duplicates: 10, conflicts: 0 });
    // Three changed values, two new readings.
    const changed = readings.map((r, i) => (i < 3 ? { ...r, flow_rate: 5 } : r));
    changed.push({ well_id: 'DUP-RE', timestamp: iso(base + 20_000), flow_rate: 1, motor_temp: 1 }, { well_id: 'DUP-RE', timestamp: iso(base + 21_000), flow_rate: 2, motor_temp: null as unknown as number });
    const mixed = await batch(changed);
    expect(mixed.status).toBe(201);
    expect(await mixed.json()).toMatchObject({ batch_size: 12, inserted: 2, duplicates: 7, conflicts: 3 });
    const stored = await ctx.db.repo.history('DUP-RE', { from: base, to: base + 3000 }, 10);
    expect(stored.map((r) => r.flow_rate)).toEqual([1000, 1001, 1002]);
    // A single reading: the same counts in its response.
    const single = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { ...readings[0], flow_rate: 7 } });
    expect(single.status).toBe(201);
    expect(await single.json()).toMatchObject({ well_id: 'DUP-RE', inserted: 0, duplicates: 0, conflicts: 1 });
    const singleDup = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: readings[1] });
    expect(await singleDup.json()).toMatchObject({ inserted: 0, duplicates: 1, conflicts: 0 });

    const after = await metrics();
    expect(metricValue(after, 'esp_readings_conflict_total', 'http') - metricValue(before, 'esp_readings_conflict_total', 'http')).toBe(4);
    expect(metricValue(after, 'esp_readings_duplicate_total', 'http') - metricValue(before, 'esp_readings_duplicate_total', 'http')).toBe(18);
    expect(metricValue(after, 'esp_readings_new_total', 'http') - metricValue(before, 'esp_readings_new_total', 'http')).toBe(12);
  });

  it('counts truthfully on the COPY path (large batches), with stored, repeated and conflicting readings mixed', async () => {
    const n = 1200;
    const mk = (i: number, flow = 100 + i) => ({ well_id: `DUP-BIG-${i % 7}`, timestamp: base + 100_000 + i * 10, flow_rate: flow, vibration: 0.5 });
    const first = await batch(Array.from({ length: n }, (_, i) => mk(i)));
    expect(await first.json()).toMatchObject({ batch_size: n, inserted: n, duplicates: 0, conflicts: 0 });
    // 600 stored as they were, 300 stored with other values, 300 new.
    const second = Array.from({ length: 1200 }, (_, i) => (i < 600 ? mk(i) : i < 900 ? mk(i, 1) : mk(n + i)));
    const res = await batch(second);
    expect(await res.json()).toMatchObject({ batch_size: 1200, inserted: 300, duplicates: 600, conflicts: 300 });
    let total = 0;
    for (let w = 0; w < 7; w++) total += await ctx.db.repo.countReadings(`DUP-BIG-${w}`);
    expect(total).toBe(n + 300);
  });

  it('attributes counts to each request when many are committed together', async () => {
    const ts = base + 500_000;
    // Twenty identical requests at once: one writes the row, nineteen are duplicates.
    const same = await Promise.all(
      Array.from({ length: 20 }, () => ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'DUP-RACE', timestamp: ts, flow_rate: 42 } })),
    );
    const sameCounts = (await Promise.all(same.map((r) => r.json()))) as Counts[];
    expect(sameCounts.reduce((a, c) => a + c.inserted, 0)).toBe(1);
    expect(sameCounts.reduce((a, c) => a + c.duplicates, 0)).toBe(19);
    expect(sameCounts.reduce((a, c) => a + c.conflicts, 0)).toBe(0);
    // Ten requests with ten different values for one key: one wins, nine are conflicts, and the stored
    // reading is the winner's.
    const diff = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ctx.t.request('/api/v1/telemetry/batch', {
          method: 'POST',
          json: { readings: [{ well_id: 'DUP-RACE2', timestamp: ts, flow_rate: 10 + i }, { well_id: `DUP-RACE-OWN-${i}`, timestamp: ts, flow_rate: i }] },
        }),
      ),
    );
    const diffCounts = (await Promise.all(diff.map((r) => r.json()))) as Counts[];
    expect(diffCounts.reduce((a, c) => a + c.inserted, 0)).toBe(11);
    expect(diffCounts.reduce((a, c) => a + c.conflicts, 0)).toBe(9);
    const winner = diffCounts.findIndex((c) => c.inserted === 2);
    expect(winner).toBeGreaterThanOrEqual(0);
    const stored = await ctx.db.repo.history('DUP-RACE2', { from: ts, to: ts + 1 }, 10);
    expect(stored.map((r) => r.flow_rate)).toEqual([10 + winner]);
  });

  it('attributes counts when large batches with the same keys and other values are committed together (COPY path)', async () => {
    const ts0 = base + 900_000;
    const mk = (v: number) => ({ readings: Array.from({ length: 300 }, (_, i) => ({ well_id: `DUP-BIGRACE-${i % 3}`, timestamp: ts0 + i * 10, flow_rate: v })) });
    const res = await Promise.all([1, 2, 1].map((v) => ctx.t.request('/api/v1/telemetry/batch', { method: 'POST', json: mk(v) })));
    const counts = (await Promise.all(res.map((r) => r.json()))) as Counts[];
    expect(counts.reduce((a, c) => a + c.inserted, 0)).toBe(300);
    expect(counts.reduce((a, c) => a + c.inserted + c.duplicates + c.conflicts, 0)).toBe(900);
    // Whichever value was stored for a key, every request that sent the other value counts a conflict there.
    let storedOnes = 0;
    for (let w = 0; w < 3; w++) {
      const stored = await ctx.db.repo.history(`DUP-BIGRACE-${w}`, { from: ts0, to: ts0 + 3000 }, 1000);
      expect(stored).toHaveLength(100);
      storedOnes += stored.filter((r) => r.flow_rate === 1).length;
    }
    expect(counts[1].conflicts).toBe(storedOnes);
    expect(counts[0].conflicts + counts[2].conflicts).toBe(2 * (300 - storedOnes));
  });

  it('reports inserted, duplicates and conflicts for an import', async () => {
    const rows = ['well_id,timestamp,flow_rate'];
    for (let i = 0; i < 5; i++) rows.push(`DUP-IMP,${base + i * 1000},${100 + i}`);
    const send = (csv: string) =>
      ctx.t.request('/api/v1/telemetry/import', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
    const first = await send(rows.join('\n') + '\n');
    expect(await first.json()).toMatchObject({ accepted: 5, inserted: 5, duplicates: 0, conflicts: 0, rejected: 0 });
    // Again, plus a repeated row, a changed stored row, a new row and a row contradicting another in the file.
    const more = [...rows, `DUP-IMP,${base},100`, `DUP-IMP,${base + 1000},999`, `DUP-IMP,${base + 9000},1`, `DUP-IMP,${base + 9000},2`];
    more.splice(more.indexOf(`DUP-IMP,${base + 1000},101`), 1);
    const res = await send(more.join('\n') + '\n');
    const body = (await res.json()) as Counts & { accepted: number; rejected: number; rejected_samples: { line: number; field: string; reason: string }[] };
    expect(body).toMatchObject({ inserted: 1, duplicates: 5, conflicts: 1, rejected: 1, accepted: 7 });
    expect(body.rejected_samples).toEqual([{ line: 9, field: 'timestamp', reason: expect.stringMatching(/line 8/) }]);
  });
});
