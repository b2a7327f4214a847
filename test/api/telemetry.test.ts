// The telemetry API, compatible with the original platform, against both storage adapters.
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTestApp } from '../helpers.js';

const HOUR = 3_600_000;

describe.each(ADAPTERS)('telemetry API on %s', (kind) => {
  const ctx = useTestApp(kind);
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();

  it('ingests one reading (201, original shape) and serves it as latest, absent channels null', async () => {
    const ts = iso(now - 60_000);
    const res = await ctx.t.request('/api/v1/telemetry/ingest', {
      method: 'POST',
      json: { well_id: 'W-ONE', timestamp: ts, flow_rate: 0, motor_current: 42.5, vsd_frequency: 55 },
    });
    expect(res.status).toBe(201);
    const ingested = (await res.json()) as { telemetry_id: number };
    expect(ingested).toMatchObject({ success: true, well_id: 'W-ONE', timestamp: ts, inserted: 1, duplicates: 0, conflicts: 0 });
    // The original's clients read a numeric id; the same reading keeps it, and latest carries it as `id`.
    expect(Number.isSafeInteger(ingested.telemetry_id) && ingested.telemetry_id > 0).toBe(true);

    const latest = await ctx.t.request('/api/v1/telemetry/wells/W-ONE/latest');
    expect(latest.status).toBe(200);
    const body = (await latest.json()) as { success: boolean; telemetry: Record<string, unknown> };
    expect(body.success).toBe(true);
    expect(body.telemetry).toMatchObject({ id: ingested.telemetry_id, well_id: 'W-ONE', timestamp: ts, flow_rate: 0, motor_current: 42.5, vsd_frequency: 55 });
    // Not measured is null, never zero.
    expect(body.telemetry.pip).toBeNull();
    expect(body.telemetry.gor).toBeNull();
  });

  it('registers an unknown well implicitly', async () => {
    const res = await ctx.t.request('/api/v1/wells/W-ONE');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { well: { well_id: string } }).well.well_id).toBe('W-ONE');
  });

  it('accepts epoch milliseconds and defaults the timestamp to now', async () => {
    const a = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'W-EPOCH', timestamp: now - 5000, pip: 1200 } });
    expect(a.status).toBe(201);
    expect(((await a.json()) as { timestamp: string }).timestamp).toBe(iso(now - 5000));
    const b = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'W-NOW', pip: 1200 } });
    expect(b.status).toBe(201);
    const ts = Date.parse(((await b.json()) as { timestamp: string }).timestamp);
    expect(Math.abs(ts - Date.now())).toBeLessThan(10_000);
  });

  it('rejects bad single readings with 400 naming the field and the reason', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ flow_rate: 10 }, 'well_id', /required/],
      [{ well_id: 'W1', flow_rate: -1 }, 'flow_rate', />= 0/],
      [{ well_id: 'W1', pip: 10_001 }, 'pip', /<= 10000/],
      [{ well_id: 'W1', motor_temp: 'NaN' }, 'motor_temp', /number/],
      [{ well_id: 'W1', vibration: '0.5' }, 'vibration', /number/],
      [{ well_id: 'W1', flow_rte: 5 }, 'flow_rte', /not a known field/],
      [{ well_id: 'bad id!', pip: 5 }, 'well_id', /invalid characters/],
      [{ well_id: 'W1', timestamp: '2026-01-01 10:00' }, 'timestamp', /ISO 8601/],
      [{ well_id: 'W1', timestamp: iso(now + 48 * HOUR) }, 'timestamp', /future/],
      [{ well_id: 'W1', timestamp: iso(now - 400 * 24 * HOUR) }, 'timestamp', /retention/],
    ];
    for (const [json, field, reason] of cases) {
      const res = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      const body = (await res.json()) as { error_code: string; details: { errors: { field: string; reason: string }[] } };
      expect(body.error_code).toBe('VALIDATION_ERROR');
      const e = body.details.errors.find((x) => x.field === field);
      expect(e, JSON.stringify(body)).toBeDefined();
      expect(e!.reason).toMatch(reason);
    }
    expect((await ctx.t.request('/api/v1/telemetry/wells/W1/latest')).status).toBe(404);
  });

  it('stores a batch once: re-sending it stores nothing new', async () => {
    const readings = Array.from({ length: 500 }, (_, i) => ({
      well_id: `B-${i % 5}`,
      timestamp: iso(now - 10 * HOUR + i * 10_000),
      flow_rate: 1000 + i,
      pip: 900,
      motor_current: 60,
      motor_temp: 95,
      vibration: 0.4,
      vsd_frequency: 60,
    }));
    const first = await ctx.t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings } });
    expect(first.status).toBe(201);
    const body = (await first.json()) as { success: boolean; batch_size: number; duration_ms: number };
    expect(body.success).toBe(true);
    expect(body.batch_size).toBe(500);
    expect(typeof body.duration_ms).toBe('number');
    const count = await ctx.db.repo.countReadings();
    const again = await ctx.t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings } });
    expect(again.status).toBe(201);
    expect(await ctx.db.repo.countReadings()).toBe(count);
    expect(await ctx.db.repo.countReadings('B-0')).toBe(100);
  });

  it('refuses an invalid batch whole, listing every bad index with field and reason', async () => {
    const before = await ctx.db.repo.countReadings();
    const readings = [
      { well_id: 'BAD-1', timestamp: iso(now - HOUR), flow_rate: 100 },
      { well_id: 'BAD-1', timestamp: iso(now - HOUR + 1000), flow_rate: -5 },
      { well_id: 'BAD-1', timestamp: iso(now - HOUR + 2000), flow_rate: 100 },
      { timestamp: iso(now - HOUR + 3000), flow_rate: 100 },
      { well_id: 'BAD-1', timestamp: iso(now - HOUR + 4000), gor: 'lots' },
    ];
    const res = await ctx.t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { details: { errors: { index: number; field: string; reason: string }[] } };
    const byIndex = new Map(body.details.errors.map((e) => [e.index, e]));
    expect([...byIndex.keys()].sort()).toEqual([1, 3, 4]);
    expect(byIndex.get(1)!.field).toBe('readings[1].flow_rate');
    expect(byIndex.get(3)!.field).toBe('readings[3].well_id');
    expect(byIndex.get(4)!.field).toBe('readings[4].gor');
    expect(await ctx.db.repo.countReadings()).toBe(before);
  });

  it('keeps as latest the newest reading by timestamp, not the last received', async () => {
    await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'ORDER', timestamp: iso(now - 1000), pip: 2 } });
    await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'ORDER', timestamp: iso(now - 9000), pip: 1 } });
    const body = (await (await ctx.t.request('/api/v1/telemetry/wells/ORDER/latest')).json()) as { telemetry: { pip: number } };
    expect(body.telemetry.pip).toBe(2);
  });

  it('serves history raw, by range, bucketed, and as CSV', async () => {
    const raw = (await (await ctx.t.request('/api/v1/telemetry/wells/B-1/history?hours=24')).json()) as {
      success: boolean; well_id: string; hours: number; count: number; telemetry: { timestamp: string; flow_rate: number }[];
    };
    expect(raw).toMatchObject({ success: true, well_id: 'B-1', hours: 24, count: 100 });
    expect(Date.parse(raw.telemetry[0].timestamp)).toBeLessThan(Date.parse(raw.telemetry[99].timestamp));

    const from = iso(now - 10 * HOUR);
    const to = iso(now - 10 * HOUR + 2_500_000);
    const ranged = (await (await ctx.t.request(`/api/v1/telemetry/wells/B-1/history?from=${from}&to=${to}`)).json()) as { count: number };
    expect(ranged.count).toBeGreaterThan(0);
    expect(ranged.count).toBeLessThan(100);

    const bucketed = (await (await ctx.t.request('/api/v1/telemetry/wells/B-1/history?hours=24&interval=1h')).json()) as {
      interval: string; telemetry: { samples: number; flow_rate: { avg: number; min: number; max: number }; torque: unknown }[];
    };
    expect(bucketed.interval).toBe('1h');
    const total = bucketed.telemetry.reduce((s, b) => s + b.samples, 0);
    expect(total).toBe(100);
    for (const b of bucketed.telemetry) {
      expect(b.flow_rate.min).toBeLessThanOrEqual(b.flow_rate.avg);
      expect(b.flow_rate.avg).toBeLessThanOrEqual(b.flow_rate.max);
      expect(b.torque).toBeNull();
    }
    const avgOnly = (await (await ctx.t.request('/api/v1/telemetry/wells/B-1/history?hours=24&interval=1h&agg=max')).json()) as {
      telemetry: { flow_rate: number }[];
    };
    expect(typeof avgOnly.telemetry[0].flow_rate).toBe('number');

    const csv = await ctx.t.request('/api/v1/telemetry/wells/B-1/history?hours=24&format=csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('well_id,timestamp,flow_rate,pip,motor_current,motor_temp,vibration,vsd_frequency,flow_variance,torque,gor');
    expect(lines).toHaveLength(101);

    const bad = await ctx.t.request('/api/v1/telemetry/wells/B-1/history?interval=5 parsecs');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: { errors: { field: string }[] } }).details.errors[0].field).toBe('interval');
  });

  it('summarises a well in the original shape, with the first and last readings and statistics beside it', async () => {
    const res = await ctx.t.request('/api/v1/telemetry/wells/B-2/summary?hours=24');
    expect(res.status).toBe(200);
    type Stat = { min: number | null; max: number | null; avg: number | null; stddev: number | null };
    const body = (await res.json()) as {
      summary: {
        well_id: string; first_reading: string; last_reading: string; total_readings: number; reading_count: number;
        avg_flow_rate: number | null; diagnostic_count: number; critical_diagnostic_count: number;
        last_diagnosis: string | null; last_diagnosis_time: string | null; pip: Stat; torque: Stat;
        first_telemetry: { timestamp: string }; last_telemetry: { timestamp: string }; averages: { pip: number; torque: null };
      };
    };
    const s = body.summary;
    expect(s).toMatchObject({ well_id: 'B-2', total_readings: 100, reading_count: 100 });
    await ctx.t.app.ctx.diagnosis.flush();
    const again = ((await (await ctx.t.request('/api/v1/telemetry/wells/B-2/summary?hours=24')).json()) as typeof body).summary;
    const dh = (await (await ctx.t.request('/api/v1/diagnostics/wells/B-2/history?limit=1000')).json()) as {
      diagnostics: { diagnosis: string; severity: string; timestamp: string }[];
    };
    expect(again.diagnostic_count).toBe(dh.diagnostics.length);
    expect(again.critical_diagnostic_count).toBe(dh.diagnostics.filter((d) => d.severity === 'critical' || d.severity === 'high').length);
    expect(again.last_diagnosis).toBe(dh.diagnostics[0]?.diagnosis ?? null);
    expect(again.last_diagnosis_time).toBe(dh.diagnostics[0]?.timestamp ?? null);
    expect(s.first_reading).toBe(s.first_telemetry.timestamp);
    expect(s.last_reading).toBe(s.last_telemetry.timestamp);
    expect(Date.parse(s.first_reading)).toBeLessThan(Date.parse(s.last_reading));
    expect(s.averages.pip).toBeCloseTo(900);
    expect(s.pip.avg).toBeCloseTo(900);
    expect(s.pip.min).toBeLessThanOrEqual(s.pip.avg!);
    expect(s.pip.stddev).toBeGreaterThanOrEqual(0);
    expect(s.averages.torque).toBeNull();
    expect(s.torque).toEqual({ min: null, max: null, avg: null, stddev: null });
    expect((await ctx.t.request('/api/v1/telemetry/wells/NOPE/summary')).status).toBe(404);
  });

  it('answers 404 as JSON for a well without telemetry', async () => {
    const res = await ctx.t.request('/api/v1/telemetry/wells/NO-DATA/latest');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error_code: 'NOT_FOUND', error: 'NotFoundError' });
  });
});
