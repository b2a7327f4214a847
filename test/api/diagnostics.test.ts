// Diagnostics API (original response fields) and the live path: a fault ingested over HTTP raises exactly one
// alarm, its end clears it, and backfilled history raises none. Both storage adapters.
import { describe, expect, it } from 'vitest';
import type { Alarm } from '../../src/domain/alarm.js';
import type { Reading } from '../../src/domain/reading.js';
import { FleetSimulator, generateLongScenario, Rng } from '../../src/simulator/index.js';
import { ADAPTERS, useTestApp, type TestApp } from '../helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function wire(r: Reading): Record<string, unknown> {
  const { ts, ...rest } = r;
  return { ...rest, timestamp: new Date(ts).toISOString() };
}

async function post(t: TestApp, readings: Reading[]): Promise<void> {
  for (let i = 0; i < readings.length; i += 1000) {
    const res = await t.request('/api/v1/telemetry/batch', { method: 'POST', json: { readings: readings.slice(i, i + 1000).map(wire) } });
    expect(res.status, await res.clone().text()).toBe(201);
  }
}

/** One simulated well stepped every minute over [from, to). */
function run(sim: FleetSimulator, from: number, to: number): Reading[] {
  const out: Reading[] = [];
  for (let ts = from; ts < to; ts += MIN) out.push(...sim.next(ts));
  return out;
}

async function alarmsOf(t: TestApp, wellId: string): Promise<Alarm[]> {
  const body = (await (await t.request(`/api/v1/alarms?well_id=${wellId}`)).json()) as { alarms: Alarm[] };
  return body.alarms;
}

describe.each(ADAPTERS)('diagnostics on %s', (kind) => {
  const ctx = useTestApp(kind, { env: { TELEMETRY_MAX_FUTURE_SKEW_S: String(4 * 3600) } });

  it('analyze keeps the original response fields and stores on request', async () => {
    await ctx.t.request('/api/v1/wells', { method: 'POST', json: { well_id: 'AN-1', rated_current_a: 40, rated_flow_bpd: 1500 } });
    const telemetry = { flow_rate: 1480, pip: 1100, motor_current: 62, motor_temp: 120, vibration: 0.4, vsd_frequency: 60 };
    const res = await ctx.t.request('/api/v1/diagnostics/analyze', { method: 'POST', json: { well_id: 'AN-1', telemetry, store_result: true } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; well_id: string; diagnostic_id: number; diagnostic: Record<string, unknown> };
    expect(body.success).toBe(true);
    expect(body.well_id).toBe('AN-1');
    for (const f of ['diagnosis', 'confidence', 'severity', 'actions', 'telemetry_snapshot', 'resolution_time', 'diagnostic_id']) {
      expect(body.diagnostic, f).toHaveProperty(f);
    }
    // 62 A on a 40 A motor is 155 % of nameplate: an overload, whatever a fixed 80 A threshold would say. The
    // original's clients see its category; the code says which motor issue.
    expect(body.diagnostic).toMatchObject({ diagnosis: 'MOTOR_ISSUE', code: 'MOTOR_OVERLOAD', category: 'MOTOR_ISSUE' });
    expect(typeof body.diagnostic.diagnostic_id).toBe('number');
    expect(body.diagnostic_id).toBe(body.diagnostic.diagnostic_id);
    expect(body.diagnostic.telemetry_snapshot).toMatchObject({ well_id: 'AN-1', motor_current: 62 });
    const hist = (await (await ctx.t.request('/api/v1/diagnostics/wells/AN-1/history?limit=5')).json()) as { count: number; limit: number; diagnostics: { diagnostic_id: number }[] };
    expect(hist.diagnostics[0].diagnostic_id).toBe(body.diagnostic.diagnostic_id);

    const bad = await ctx.t.request('/api/v1/diagnostics/analyze', { method: 'POST', json: { well_id: 'AN-1', telemetry: { motor_current: -3 } } });
    expect(bad.status).toBe(400);

    // Not stored on request: no diagnostic_id beside the diagnostic (as in the original), null inside it.
    const unstored = (await (
      await ctx.t.request('/api/v1/diagnostics/analyze', { method: 'POST', json: { well_id: 'AN-1', telemetry, store_result: false } })
    ).json()) as Record<string, unknown> & { diagnostic: Record<string, unknown> };
    expect(unstored).not.toHaveProperty('diagnostic_id');
    expect(unstored.diagnostic.diagnostic_id).toBeNull();

    // A stored reading passed as is (its own well_id, timestamp and id) is accepted; another well's is refused.
    const latest = new Date(Date.now() - 60_000).toISOString();
    const asStored = { id: 7, well_id: 'AN-1', timestamp: latest, ...telemetry };
    const same = await ctx.t.request('/api/v1/diagnostics/analyze', { method: 'POST', json: { well_id: 'AN-1', telemetry: asStored, store_result: false } });
    expect(same.status).toBe(200);
    expect(((await same.json()) as { diagnostic: { telemetry_snapshot: { timestamp: string } } }).diagnostic.telemetry_snapshot.timestamp).toBe(latest);
    const other = await ctx.t.request('/api/v1/diagnostics/analyze', { method: 'POST', json: { well_id: 'AN-1', telemetry: { ...asStored, well_id: 'AN-2' } } });
    expect(other.status).toBe(400);
    const otherBody = (await other.json()) as { message: string; details: { errors: { field: string }[] } };
    expect(otherBody.details.errors[0].field).toBe('telemetry.well_id');

    const crit = (await (await ctx.t.request('/api/v1/diagnostics/critical?limit=10')).json()) as { success: boolean; limit: number; diagnostics: unknown[] };
    expect(crit).toMatchObject({ success: true, limit: 10 });
    expect(hist).toMatchObject({ limit: 5 });
  });

  it('raises exactly one alarm for a fault ingested over HTTP, clears it when the fault ends, and none for backfill', async () => {
    const now = Date.now();
    const sim = new FleetSimulator({ wells: 1, seed: 7, startTs: now - 30 * HOUR, missingFraction: 0 });
    const well = sim.wells()[0];
    const { well_id, ...nameplate } = well;
    expect((await ctx.t.request(`/api/v1/wells/${well_id}`, { method: 'PUT', json: nameplate })).status).toBe(201);

    // A day of healthy history, all of it backfill: no alarm.
    await post(ctx.t, run(sim, now - 30 * HOUR, now - 90 * MIN));
    await ctx.t.app.ctx.diagnosis.flush();
    expect(await alarmsOf(ctx.t, well_id)).toEqual([]);

    // The valve is shut an hour ago; the data arrive now.
    sim.injectFault(well_id, 'CLOSED_VALVE', now - 90 * MIN);
    await post(ctx.t, run(sim, now - 90 * MIN, now));
    await ctx.t.app.ctx.diagnosis.flush();
    const raised = await alarmsOf(ctx.t, well_id);
    expect(raised.map((a) => [a.code, a.status])).toEqual([['CLOSED_VALVE', 'active']]);
    expect(raised[0].evidence.length).toBeGreaterThan(0);

    // The valve is opened again: once the motor has cooled and the condition has held clear, the alarm clears
    // and no other is raised. (The recovery is posted ahead of the clock: the app allows 3 h of skew here.)
    sim.clearFault(well_id, now);
    await post(ctx.t, run(sim, now, now + 150 * MIN));
    await ctx.t.app.ctx.diagnosis.flush();
    const after = await alarmsOf(ctx.t, well_id);
    const dh = (await (await ctx.t.request(`/api/v1/diagnostics/wells/${well_id}/history?limit=50`)).json()) as { diagnostics: { code: string; timestamp: string }[] };
    expect(after.map((a) => [a.code, a.status]), JSON.stringify(dh.diagnostics.map((d) => [d.code, (Date.parse(d.timestamp) - now) / MIN]))).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: raised[0].id, status: 'cleared' });
    expect(after[0].cleared_at).not.toBeNull();

    const hist = (await (await ctx.t.request(`/api/v1/diagnostics/wells/${well_id}/history?limit=50`)).json()) as { diagnostics: { code: string }[] };
    const codes = hist.diagnostics.map((d) => d.code);
    expect(codes[0]).toBe('NORMAL');
    expect(codes).toContain('CLOSED_VALVE');
  });

  it('backfilled faults are recorded in the history but raise no alarm', async () => {
    const now = Date.now();
    const sim = new FleetSimulator({ wells: 1, seed: 11, startTs: now - 60 * HOUR, missingFraction: 0 });
    const well_id = sim.wells()[0].well_id.replace('WELL', 'OLD');
    const readings = run(sim, now - 60 * HOUR, now - 36 * HOUR);
    sim.injectFault(sim.wells()[0].well_id, 'BROKEN_SHAFT', now - 36 * HOUR);
    readings.push(...run(sim, now - 36 * HOUR, now - 30 * HOUR));
    await post(ctx.t, readings.map((r) => ({ ...r, well_id })));
    await ctx.t.app.ctx.diagnosis.flush();
    expect(await alarmsOf(ctx.t, well_id)).toEqual([]);
    const hist = (await (await ctx.t.request(`/api/v1/diagnostics/wells/${well_id}/history?limit=50`)).json()) as { diagnostics: { code: string }[] };
    expect(hist.diagnostics.map((d) => d.code)).toContain('BROKEN_SHAFT');
  });

  it('analyze-latest judges the stored history and keeps the original fields', async () => {
    const res = await ctx.t.request('/api/v1/diagnostics/wells/OLD-001/analyze-latest', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; diagnostic: Record<string, unknown> };
    expect(body.success).toBe(true);
    expect(body.diagnostic).toMatchObject({ diagnosis: 'PUMP_WEAR', code: 'BROKEN_SHAFT' });
    for (const f of ['diagnosis', 'confidence', 'severity', 'actions', 'telemetry_snapshot', 'resolution_time', 'diagnostic_id']) {
      expect(body.diagnostic, f).toHaveProperty(f);
    }
    expect((await ctx.t.request('/api/v1/diagnostics/wells/NOBODY/analyze-latest', { method: 'POST' })).status).toBe(404);
  });

  it('analyze-latest finds slow pump wear in weeks of history backfilled in shuffled batches', async () => {
    const end = Date.now() - HOUR;
    const sc = generateLongScenario({ kind: 'PUMP_WEAR', seed: 808, onsetDaysBeforeEnd: 30, startTs: end - 60 * 24 * HOUR, wellId: 'SLOW-1' });
    const { well_id: _id, name: _n, field: _f, ...nameplate } = sc.well;
    expect((await ctx.t.request('/api/v1/wells', { method: 'POST', json: { well_id: 'SLOW-1', ...nameplate } })).status).toBe(201);
    const rng = new Rng(3);
    const batches: Reading[][] = [];
    for (let i = 0; i < sc.readings.length; i += 100) batches.push(sc.readings.slice(i, i + 100));
    for (let i = batches.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [batches[i], batches[j]] = [batches[j], batches[i]];
    }
    await post(ctx.t, batches.flat());
    const res = await ctx.t.request('/api/v1/diagnostics/wells/SLOW-1/analyze-latest?store_result=false', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { diagnostic: { diagnosis: string } };
    // PUMP_WEAR is both the detailed code and its category.
    expect(body.diagnostic.diagnosis).toBe('PUMP_WEAR');
  });

  it('acknowledges an alarm once, with who and the note', async () => {
    const [alarm] = (await (await ctx.t.request('/api/v1/alarms?status=cleared')).json() as { alarms: Alarm[] }).alarms;
    const conflict = await ctx.t.request(`/api/v1/alarms/${alarm.id}/ack`, { method: 'POST', json: { note: 'late' } });
    expect(conflict.status).toBe(409);
    const id = (await ctx.db.repo.raiseAlarm({ well_id: 'ACK-1', code: 'HIGH_VIBRATION', severity: 'high', message: 'x', evidence: [], reading_ts: Date.now() }))!.id;
    const ok = await ctx.t.request(`/api/v1/alarms/${id}/ack`, { method: 'POST', json: { note: 'crew sent' } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { alarm: Alarm }).alarm).toMatchObject({ status: 'acknowledged', ack_note: 'crew sent', acknowledged_by: 'admin-key' });
    expect((await ctx.t.request('/api/v1/alarms/999999/ack', { method: 'POST', json: {} })).status).toBe(404);
  });
});
