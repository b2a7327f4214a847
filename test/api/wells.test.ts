// Well registry with nameplate, against both storage adapters.
import { describe, expect, it } from 'vitest';
import { ADAPTERS, useTestApp } from '../helpers.js';

describe.each(ADAPTERS)('wells API on %s', (kind) => {
  const ctx = useTestApp(kind);

  const nameplate = {
    well_id: 'NP-1',
    name: 'North Pad 1',
    field: 'North',
    rated_flow_bpd: 2500,
    rated_current_a: 80,
    base_frequency_hz: 50,
    motor_temp_limit_c: 155,
    bubble_point_psi: 1200,
    vibration_limit_g: 1.5,
  };

  it('creates a well with its nameplate, flat in the body', async () => {
    const res = await ctx.t.request('/api/v1/wells', { method: 'POST', json: nameplate });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { success: boolean; well: Record<string, unknown> };
    expect(body.well).toMatchObject(nameplate);
    expect(body.well.min_flow_bpd).toBeNull();
    expect((await ctx.t.request('/api/v1/wells', { method: 'POST', json: nameplate })).status).toBe(409);
  });

  it('validates nameplate fields', async () => {
    const res = await ctx.t.request('/api/v1/wells', { method: 'POST', json: { well_id: 'NP-2', rated_flow_bpd: -3, colour: 'red' } });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { details: { errors: { field: string }[] } }).details.errors.map((e) => e.field).sort();
    expect(fields).toEqual(['colour', 'rated_flow_bpd']);
  });

  it('lists the fleet with status and latest reading, filters by field and text', async () => {
    await ctx.t.request('/api/v1/wells', { method: 'POST', json: { well_id: 'SP-1', field: 'South' } });
    await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'NP-1', flow_rate: 2400, vsd_frequency: 50 } });
    const all = (await (await ctx.t.request('/api/v1/wells')).json()) as { count: number; total: number; wells: { well_id: string; latest: { flow_rate: number } | null; status: unknown }[] };
    expect(all.total).toBe(2);
    const np = all.wells.find((w) => w.well_id === 'NP-1')!;
    expect(np.latest!.flow_rate).toBe(2400);
    expect(all.wells.find((w) => w.well_id === 'SP-1')!.latest).toBeNull();
    const north = (await (await ctx.t.request('/api/v1/wells?field=North')).json()) as { wells: { well_id: string }[] };
    expect(north.wells.map((w) => w.well_id)).toEqual(['NP-1']);
    const text = (await (await ctx.t.request('/api/v1/wells?q=pad')).json()) as { wells: { well_id: string }[] };
    expect(text.wells.map((w) => w.well_id)).toEqual(['NP-1']);
    const spark = (await (await ctx.t.request('/api/v1/wells?include=sparkline')).json()) as { wells: { well_id: string; sparkline: (number | null)[] }[] };
    const line = spark.wells.find((w) => w.well_id === 'NP-1')!.sparkline;
    expect(line).toHaveLength(24);
    expect(line.filter((v) => v !== null)).toEqual([2400]);
    // The same lines on their own (the fleet page asks for them after the list), per field and over more hours.
    const lines = (await (await ctx.t.request('/api/v1/fleet/sparklines')).json()) as { hours: number; bucket_seconds: number; sparklines: Record<string, (number | null)[]> };
    expect(lines.hours).toBe(24);
    expect(lines.bucket_seconds).toBe(3600);
    expect(Object.keys(lines.sparklines).sort()).toEqual(['NP-1', 'SP-1']);
    expect(lines.sparklines['NP-1']).toEqual(line);
    expect(lines.sparklines['SP-1'].every((v) => v === null)).toBe(true);
    const south = (await (await ctx.t.request('/api/v1/fleet/sparklines?field=South&hours=48')).json()) as { sparklines: Record<string, (number | null)[]> };
    expect(Object.keys(south.sparklines)).toEqual(['SP-1']);
    expect(south.sparklines['SP-1']).toHaveLength(48);
    expect((await ctx.t.request('/api/v1/fleet/sparklines?hours=0')).status).toBe(400);
  });

  it('replaces a nameplate with PUT and creates with PUT when absent', async () => {
    const res = await ctx.t.request('/api/v1/wells/NP-1', { method: 'PUT', json: { name: 'Renamed', rated_flow_bpd: 3000 } });
    expect(res.status).toBe(200);
    const well = ((await res.json()) as { well: Record<string, unknown> }).well;
    expect(well).toMatchObject({ well_id: 'NP-1', name: 'Renamed', rated_flow_bpd: 3000, field: null });
    const created = await ctx.t.request('/api/v1/wells/NEW-1', { method: 'PUT', json: { field: 'East' } });
    expect(created.status).toBe(201);
  });

  it('deletes a well and its data; 404 afterwards', async () => {
    expect((await ctx.t.request('/api/v1/wells/NP-1', { method: 'DELETE' })).status).toBe(200);
    expect((await ctx.t.request('/api/v1/wells/NP-1')).status).toBe(404);
    expect((await ctx.t.request('/api/v1/telemetry/wells/NP-1/latest')).status).toBe(404);
    expect(await ctx.db.repo.countReadings('NP-1')).toBe(0);
    expect((await ctx.t.request('/api/v1/wells/NP-1', { method: 'DELETE' })).status).toBe(404);
  });
});
