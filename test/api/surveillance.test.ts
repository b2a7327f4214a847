// Early warning and run life through the API, on both stores: reference periods, pump events (posted and
// detected from the data, idempotent and order-independent), forecasts and the fleet sort, reliability.
import { describe, expect, it } from 'vitest';
import { detectRunEvents } from '../../src/diagnostics/run-events.js';
import { bindMetrics, registry } from '../../src/http/metrics.js';
import type { Reading } from '../../src/domain/reading.js';
import { ADAPTERS, useTestApp } from '../helpers.js';

const H = 3_600_000;
const D = 86_400_000;

/** Hourly readings of a healthy well over `days` up to the current hour, with a hook to change them. */
function hourly(wellId: string, days: number, change: (r: Record<string, unknown>, dayAgo: number, i: number) => void = () => {}) {
  const end = Math.floor(Date.now() / H) * H - H;
  const n = days * 24;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const ts = end - (n - 1 - i) * H;
    // Deterministic small noise.
    const e = Math.sin(i * 12.9898) * 0.5;
    const r: Record<string, unknown> = {
      well_id: wellId,
      timestamp: new Date(ts).toISOString(),
      flow_rate: 1500 + 8 * e,
      pip: 900 + 4 * e,
      motor_current: 40 + 0.3 * e,
      motor_temp: 85 + 0.4 * e,
      vibration: 0.5 + 0.01 * e,
      vsd_frequency: 60,
      torque: 300 + 2 * e,
    };
    change(r, (end - ts) / D, i);
    out.push(r);
  }
  return out;
}

const json = async (res: Response) => (await res.json()) as any;

describe.each(ADAPTERS)('early warning and run life API on %s', (kind) => {
  const ctx = useTestApp(kind);
  const t = () => ctx.t;
  const post = (path: string, body: unknown) => t().request(path, { method: 'POST', json: body });
  const put = (path: string, body: unknown) => t().request(path, { method: 'PUT', json: body });
  const settle = async () => {
    await t().app.ctx.runEvents.flush();
    await t().app.ctx.diagnosis.flush();
  };
  const batch = async (readings: Record<string, unknown>[]) => {
    for (let i = 0; i < readings.length; i += 5000) {
      const res = await post('/api/v1/telemetry/batch', { readings: readings.slice(i, i + 5000) });
      expect(res.status, await res.clone().text()).toBe(201);
    }
  };

  describe('reference period', () => {
    it('is 404 for an unknown well on every method', async () => {
      expect((await t().request('/api/v1/wells/NOPE/reference')).status).toBe(404);
      const body = { from: '2024-01-01T00:00:00Z', to: '2024-01-05T00:00:00Z' };
      const res = await put('/api/v1/wells/NOPE/reference', body);
      expect(res.status).toBe(404);
      expect((await json(res)).error_code).toBe('NOT_FOUND');
      expect((await t().request('/api/v1/wells/NOPE/reference', { method: 'DELETE' })).status).toBe(404);
    });

    it('validates the period: order, future, format, unknown fields', async () => {
      await post('/api/v1/wells', { well_id: 'REF-V' });
      const cases: [unknown, string][] = [
        [{ from: '2024-01-05T00:00:00Z', to: '2024-01-01T00:00:00Z' }, 'from'],
        [{ from: '2024-01-01T00:00:00Z', to: new Date(Date.now() + 30 * D).toISOString() }, 'to'],
        [{ from: 'yesterday', to: '2024-01-01T00:00:00Z' }, 'from'],
        [{ from: '2024-01-01T00:00:00Z' }, 'to'],
        [{ from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z', source: 'auto' }, 'source'],
      ];
      for (const [body, field] of cases) {
        const res = await put('/api/v1/wells/REF-V/reference', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        const b = await json(res);
        expect(b.error_code).toBe('VALIDATION_ERROR');
        expect(b.details.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
      }
    });

    it('is learned from the first settled days, set by an engineer, and back to learned on DELETE', async () => {
      await post('/api/v1/wells', { well_id: 'REF-1', rated_flow_bpd: 1600, rated_current_a: 50 });
      // Nothing stored yet: no reference.
      expect((await json(await t().request('/api/v1/wells/REF-1/reference'))).reference).toBeNull();
      const readings = hourly('REF-1', 25);
      await batch(readings);
      const auto = await json(await t().request('/api/v1/wells/REF-1/reference'));
      expect(auto.success).toBe(true);
      expect(auto.well_id).toBe('REF-1');
      expect(auto.reference.source).toBe('auto');
      const first = Date.parse(readings[0].timestamp as string);
      expect(Date.parse(auto.reference.from)).toBeGreaterThanOrEqual(first);
      expect(Date.parse(auto.reference.to)).toBeLessThan(first + 12 * D);
      expect(Date.parse(auto.reference.from)).toBeLessThan(Date.parse(auto.reference.to));

      const period = { from: new Date(first + 10 * D).toISOString(), to: new Date(first + 14 * D).toISOString() };
      const set = await put('/api/v1/wells/REF-1/reference', period);
      expect(set.status).toBe(200);
      expect((await json(set)).reference).toEqual({ ...period, source: 'engineer' });
      expect((await json(await t().request('/api/v1/wells/REF-1/reference'))).reference).toEqual({ ...period, source: 'engineer' });

      const del = await json(await t().request('/api/v1/wells/REF-1/reference', { method: 'DELETE' }));
      expect(del.reference).toEqual(auto.reference);
      expect((await json(await t().request('/api/v1/wells/REF-1/reference'))).reference).toEqual(auto.reference);

      // An install starts a new run: the learned reference follows it (here too little data after it: none).
      // 29 hours after it can hold at most two day aggregates (a reference needs three), whatever the hour.
      const inst = await post('/api/v1/wells/REF-1/events', { type: 'install', at: new Date(Date.now() - 1.2 * D).toISOString(), pump_model: 'P-100' });
      expect(inst.status).toBe(201);
      expect((await json(await t().request('/api/v1/wells/REF-1/reference'))).reference).toBeNull();
    });
  });

  it('learns the reference from the earliest readings even when they arrive last (backfill)', async () => {
    await post('/api/v1/wells', { well_id: 'REF-2', rated_flow_bpd: 1600, rated_current_a: 50 });
    const readings = hourly('REF-2', 40);
    // The newer 25 days first: a reference is learned (and stored) from their start.
    await batch(readings.slice(15 * 24));
    const late = (await json(await t().request('/api/v1/wells/REF-2/reference'))).reference;
    expect(Date.parse(late.from)).toBeGreaterThanOrEqual(Date.parse(readings[15 * 24].timestamp as string));
    // Then the older 15 days: the reference moves to the well's real first days.
    await batch(readings.slice(0, 15 * 24));
    const early = (await json(await t().request('/api/v1/wells/REF-2/reference'))).reference;
    expect(early.source).toBe('auto');
    expect(Date.parse(early.from)).toBeLessThan(Date.parse(readings[0].timestamp as string) + 3 * D);
  });

  it('analyze-latest judges slow degradation against the stored reference, an engineer-set one included', async () => {
    await post('/api/v1/wells', { well_id: 'REF-AL', rated_flow_bpd: 1600, rated_current_a: 50 });
    // A new pump's break-in: 1600 bbl/d for 10 days, a gradual settle to 1500 by day 25, flat since (40 days).
    await batch(
      hourly('REF-AL', 40, (r, dayAgo) => {
        const day = 40 - dayAgo;
        r.flow_rate = (r.flow_rate as number) + 100 - 100 * Math.min(1, Math.max(0, (day - 10) / 15));
      }),
    );
    await settle();
    const analyze = async () => {
      const res = await post('/api/v1/diagnostics/wells/REF-AL/analyze-latest?store_result=false', {});
      expect(res.status, await res.clone().text()).toBe(200);
      return (await json(res)).diagnostic;
    };
    // Against the automatic reference (the first days, at 1600) the loss reads as pump wear...
    expect((await analyze()).diagnosis).toBe('PUMP_WEAR');
    // ...the engineer names the settled days after the break-in as the reference: nothing slow is left.
    const first = Date.now() - 40 * D;
    const set = await put('/api/v1/wells/REF-AL/reference', { from: new Date(first + 28 * D).toISOString(), to: new Date(first + 33 * D).toISOString() });
    expect(set.status).toBe(200);
    expect((await analyze()).diagnosis).toBe('NORMAL');
  });

  it('answers hostile input with 4xx, never 5xx', async () => {
    await post('/api/v1/wells', { well_id: 'HOST-1' });
    const calls: [string, string, unknown?][] = [
      ['PUT', '/api/v1/wells/HOST-1/reference', null],
      ['PUT', '/api/v1/wells/HOST-1/reference', []],
      ['PUT', '/api/v1/wells/HOST-1/reference', { from: 1, to: 2 }],
      ['PUT', '/api/v1/wells/HOST-1/reference', { from: '0000-01-01T00:00:00Z', to: '0001-01-01T00:00:00Z' }],
      ['PUT', '/api/v1/wells/HOST-1/reference', { from: '2024-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z' }],
      ['POST', '/api/v1/wells/HOST-1/events', { type: 'trip', at: 1700000000000 }],
      ['POST', '/api/v1/wells/HOST-1/events', { type: 'trip', at: '2024-01-01T00:00:00Z', reason: 'x'.repeat(5000) }],
      ['POST', '/api/v1/wells/HOST-1/events', { type: ['trip'], at: '2024-01-01T00:00:00Z' }],
      ['POST', '/api/v1/wells/bad%20id/events', { type: 'trip', at: '2024-01-01T00:00:00Z' }],
      ['GET', '/api/v1/wells/HOST-1/events?from=garbage'],
      ['GET', '/api/v1/wells/HOST-1/events?from=0000-01-01T00:00:00Z'],
      ['POST', '/api/v1/wells/HOST-1/events', { type: 'install', at: '0000-06-01T00:00:00Z' }],
      ['GET', '/api/v1/wells/HOST-1/events?limit=99999999999'],
      ['GET', '/api/v1/wells/HOST-1/events?type='],
      ['GET', '/api/v1/wells/HOST-1/forecast?horizon_days=1e9'],
      ['GET', '/api/v1/wells/x'.padEnd(200, 'x') + '/forecast'],
      ['GET', '/api/v1/reliability?group_by='],
    ];
    for (const [method, path, body] of calls) {
      const res = await t().request(path, { method, ...(body === undefined ? {} : { json: body }) });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
    }
    // Nothing stored from all that, and the well still answers.
    expect((await json(await t().request('/api/v1/wells/HOST-1/events'))).events).toEqual([]);
    expect((await json(await t().request('/api/v1/wells/HOST-1/forecast'))).channels).toEqual([]);
  });

  describe('pump events', () => {
    it('records posted events and lists them with filters', async () => {
      await post('/api/v1/wells', { well_id: 'EV-1' });
      const now = Math.floor(Date.now() / 1000) * 1000; // one instant for the whole test (a second may pass)
      const at = (daysAgo: number) => new Date(now - daysAgo * D).toISOString().replace(/\.\d{3}Z$/, '.000Z');
      const res = await post('/api/v1/wells/EV-1/events', { type: 'install', at: at(100), pump_model: 'REDA-400', reason: 'new completion' });
      expect(res.status).toBe(201);
      const { success, event } = await json(res);
      expect(success).toBe(true);
      expect(event).toMatchObject({ well_id: 'EV-1', type: 'install', at: at(100), pump_model: 'REDA-400', reason: 'new completion', source: 'manual' });
      expect(Number.isInteger(event.id)).toBe(true);
      expect(Number.isNaN(Date.parse(event.created_at))).toBe(false);
      for (const [type, d] of [['trip', 50], ['start', 49.9], ['failure', 10], ['pull', 9]] as const) {
        expect((await post('/api/v1/wells/EV-1/events', { type, at: at(d) })).status).toBe(201);
      }
      const all = await json(await t().request('/api/v1/wells/EV-1/events'));
      expect(all.well_id).toBe('EV-1');
      expect(all.events.map((e: { type: string }) => e.type)).toEqual(['install', 'trip', 'start', 'failure', 'pull']);
      const some = await json(await t().request('/api/v1/wells/EV-1/events?type=trip,failure'));
      expect(some.events.map((e: { type: string }) => e.type)).toEqual(['trip', 'failure']);
      const range = await json(await t().request(`/api/v1/wells/EV-1/events?from=${at(60)}&to=${at(9.5)}`));
      expect(range.events.map((e: { type: string }) => e.type)).toEqual(['trip', 'start', 'failure']);
      const newest = await json(await t().request('/api/v1/wells/EV-1/events?limit=2'));
      expect(newest.events.map((e: { type: string }) => e.type)).toEqual(['failure', 'pull']);
    });

    it('refuses bad events with the field named, and unknown wells with 404', async () => {
      await post('/api/v1/wells', { well_id: 'EV-2' });
      const now = new Date().toISOString();
      const cases: [unknown, string][] = [
        [{ type: 'explode', at: now }, 'type'],
        [{ type: 'trip' }, 'at'],
        [{ type: 'trip', at: 'noon' }, 'at'],
        [{ type: 'trip', at: new Date(Date.now() + 3 * D).toISOString() }, 'at'],
        [{ type: 'install', at: now, pump_model: '' }, 'pump_model'],
        [{ type: 'install', at: now, colour: 'red' }, 'colour'],
      ];
      for (const [body, field] of cases) {
        const res = await post('/api/v1/wells/EV-2/events', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect((await json(res)).details.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
      }
      const badType = await t().request('/api/v1/wells/EV-2/events?type=trip,boom');
      expect(badType.status).toBe(400);
      expect((await json(badType)).details.errors[0].field).toBe('type');
      expect((await t().request('/api/v1/wells/EV-2/events?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z')).status).toBe(400);
      expect((await t().request('/api/v1/wells/EV-2/events?limit=0')).status).toBe(400);
      expect((await post('/api/v1/wells/NOPE/events', { type: 'trip', at: now })).status).toBe(404);
      expect((await t().request('/api/v1/wells/NOPE/events')).status).toBe(404);
    });
  });

  describe('detected trips and restarts', () => {
    /** A day of 10-minute readings with stops at given minute ranges. */
    function withStops(wellId: string, stops: [number, number][]) {
      const start = Math.floor(Date.now() / D) * D - 3 * D;
      const out: Record<string, unknown>[] = [];
      for (let m = 0; m < 24 * 60; m += 10) {
        const stopped = stops.some(([a, b]) => m >= a && m < b);
        out.push({
          well_id: wellId,
          timestamp: new Date(start + m * 60_000).toISOString(),
          vsd_frequency: stopped ? 0 : 55,
          motor_current: stopped ? 0 : 38,
          flow_rate: stopped ? 0 : 1400,
          // Some readings carry neither frequency nor current: they make no events.
          ...(m % 70 === 30 ? { vsd_frequency: null, motor_current: null } : {}),
        });
      }
      return out;
    }
    const STOPS: [number, number][] = [[120, 180], [600, 610], [900, 1200]];
    const expected = (rows: Record<string, unknown>[]) =>
      detectRunEvents(
        rows.map((r) => ({ ...r, ts: Date.parse(r.timestamp as string) }) as unknown as Reading),
        1.0,
      ).events.map((e) => ({ type: e.type, at: new Date(e.at).toISOString() }));
    const detected = async (wellId: string) =>
      (await json(await t().request(`/api/v1/wells/${wellId}/events?type=trip,start`))).events.map((e: { type: string; at: string; source: string }) => {
        expect(e.source).toBe('detected');
        return { type: e.type, at: e.at };
      });

    it('finds each running ⇄ stopped transition once, and a re-sent batch adds nothing', async () => {
      const rows = withStops('TRIP-1', STOPS);
      await batch(rows);
      await settle();
      const want = expected(rows);
      expect(want.map((e) => e.type)).toEqual(['trip', 'start', 'trip', 'start', 'trip', 'start']);
      expect(await detected('TRIP-1')).toEqual(want);
      await batch(rows);
      await batch(rows.slice(10, 40));
      await settle();
      expect(await detected('TRIP-1')).toEqual(want);
    });

    it('gives the same events for a history backfilled in shuffled batches, and for readings sent one by one', async () => {
      // The counter is process-wide (both adapters' apps feed it): compare its rise with this app's.
      const unbind = bindMetrics(t().app.ctx);
      const counted = async () => Number(/esp_pump_events_detected_total\{type="trip"\} (\d+)/.exec(await registry.getSingleMetricAsString('esp_pump_events_detected_total'))?.[1] ?? 0);
      const counterBefore = await counted();
      const tripsBefore = t().app.ctx.runEvents.stats.added.get('trip') ?? 0;
      const rows = withStops('TRIP-2', STOPS);
      const want = expected(rows);
      // Deterministic shuffle of 12 slices (some cut inside a stop), each sent on its own and settled.
      const slices: Record<string, unknown>[][] = [];
      for (let i = 0; i < rows.length; i += 12) slices.push(rows.slice(i, i + 12));
      const order = slices.map((_, i) => i).sort((a, b) => ((a * 7919) % 13) - ((b * 7919) % 13));
      for (const i of order) {
        await batch(slices[i]);
        await settle();
      }
      expect(await detected('TRIP-2')).toEqual(want);
      // The same slices all at once, in another order, without waiting for each other.
      const rows5 = withStops('TRIP-5', STOPS);
      const slices5: Record<string, unknown>[][] = [];
      for (let i = 0; i < rows5.length; i += 7) slices5.push(rows5.slice(i, i + 7));
      const order5 = slices5.map((_, i) => i).sort((a, b) => ((a * 104729) % 17) - ((b * 104729) % 17));
      await Promise.all(order5.map((i) => batch(slices5[i])));
      await settle();
      expect(await detected('TRIP-5')).toEqual(expected(rows5));
      // Live, one reading per request in order (the in-memory path), on a fresh well.
      const live = withStops('TRIP-3', STOPS);
      for (const r of live) expect((await post('/api/v1/telemetry/ingest', r)).status).toBe(201);
      await settle();
      expect(await detected('TRIP-3')).toEqual(expected(live));
      // Counted for Prometheus.
      expect(t().app.ctx.runEvents.stats.added.get('trip')).toBeGreaterThanOrEqual(9);
      try {
        expect((await counted()) - counterBefore).toBe((t().app.ctx.runEvents.stats.added.get('trip') ?? 0) - tripsBefore);
      } finally {
        unbind();
      }
    });

    it('moves an event seen at the edge of a partial history when the missing readings arrive', async () => {
      const rows = withStops('TRIP-4', [[300, 600]]);
      const stopAt = rows.findIndex((r) => r.vsd_frequency === 0);
      // First everything except the hour around the stop: the stop is seen late (first stopped reading stored).
      await batch([...rows.slice(0, stopAt - 3), ...rows.slice(stopAt + 3)]);
      await settle();
      const partial = await detected('TRIP-4');
      expect(partial[0].at).toBe(rows[stopAt + 3].timestamp);
      await batch(rows.slice(stopAt - 3, stopAt + 3));
      await settle();
      expect(await detected('TRIP-4')).toEqual(expected(rows));
    });
  });

  describe('forecast and the fleet sort', () => {
    it('forecasts a well creeping towards its motor temperature limit; a healthy well gets empty lists', async () => {
      await post('/api/v1/wells', { well_id: 'FC-HOT', rated_flow_bpd: 1600, rated_current_a: 50, motor_temp_limit_c: 150 });
      await post('/api/v1/wells', { well_id: 'FC-OK', rated_flow_bpd: 1600, rated_current_a: 50, motor_temp_limit_c: 150 });
      // Flat for 10 days, then +1.5 °C a day: 85 → 115 °C now; 35 °C to go ≈ 23 days.
      await batch(hourly('FC-HOT', 30, (r, dayAgo) => void (r.motor_temp = (r.motor_temp as number) + Math.max(0, 20 - dayAgo) * 1.5)));
      await batch(hourly('FC-OK', 30));
      const res = await t().request('/api/v1/wells/FC-HOT/forecast?horizon_days=60');
      expect(res.status).toBe(200);
      const f = await json(res);
      expect(f.success).toBe(true);
      expect(f.well_id).toBe('FC-HOT');
      expect(f.horizon_days).toBe(60);
      const temp = f.channels.find((c: { channel: string }) => c.channel === 'motor_temp');
      expect(temp, JSON.stringify(f.channels)).toBeDefined();
      expect(temp.limit).toBe(150);
      expect(temp.limit_source).toBe('nameplate');
      expect(temp.slope_per_day).toBeGreaterThan(1);
      expect(temp.slope_per_day).toBeLessThan(2);
      expect(temp.time_to_limit_days).toBeGreaterThan(15);
      expect(temp.time_to_limit_days).toBeLessThan(32);
      expect(temp.points.length).toBeGreaterThan(0);

      const ok = await json(await t().request('/api/v1/wells/FC-OK/forecast'));
      expect(ok.horizon_days).toBe(30);
      expect(ok.channels).toEqual([]);
      expect(ok.warnings).toEqual([]);

      // The fleet carries the stored earliest limit, and sorts by it.
      const sorted = await json(await t().request('/api/v1/wells?sort=time_to_limit'));
      expect(sorted.wells[0].well_id).toBe('FC-HOT');
      expect(sorted.wells[0].forecast.channel).toBe('motor_temp');
      expect(sorted.wells[0].forecast.time_to_limit_days).toBeGreaterThan(14);
      expect(Date.parse(sorted.wells[0].forecast.expected_at)).toBeGreaterThan(Date.now());
      expect(sorted.wells.find((w: { well_id: string }) => w.well_id === 'FC-OK').forecast).toBeNull();
      const one = await json(await t().request('/api/v1/wells/FC-HOT'));
      expect(one.well.forecast.channel).toBe('motor_temp');
      const byId = await json(await t().request('/api/v1/wells'));
      expect(byId.wells.map((w: { well_id: string }) => w.well_id)).toEqual([...byId.wells.map((w: { well_id: string }) => w.well_id)].sort());
    });

    it('refreshes stale stored forecasts in the background, a few wells at a time', async () => {
      await post('/api/v1/wells', { well_id: 'FC-BG' });
      await batch(hourly('FC-BG', 3));
      const svc = t().app.ctx.surveillance;
      const before = svc.stats.forecastsComputed;
      // Every well with readings and no stored forecast is due; FC-BG among them.
      while ((await svc.refreshSome()) > 0) {
        /* until none is due */
      }
      expect(svc.stats.forecastsComputed).toBeGreaterThan(before);
      expect(await t().app.ctx.repo.getForecast('FC-BG')).not.toBeNull();
      expect(await t().app.ctx.repo.wellsNeedingForecast(Date.now() - 3_600_000, 100)).toEqual([]);
    });

    it('validates the horizon and refuses unknown wells', async () => {
      expect((await t().request('/api/v1/wells/FC-OK/forecast?horizon_days=0')).status).toBe(400);
      expect((await t().request('/api/v1/wells/FC-OK/forecast?horizon_days=abc')).status).toBe(400);
      expect((await t().request('/api/v1/wells/NOPE/forecast')).status).toBe(404);
      expect((await t().request('/api/v1/wells?sort=worst')).status).toBe(400);
    });
  });

  describe('reliability', () => {
    it('reports run lives, Kaplan–Meier, Weibull, MTBF and survival at 365 days per pump model and field', async () => {
      const at = (daysAgo: number) => new Date(Date.now() - daysAgo * D).toISOString();
      // Model R-1: 8 pumps installed 1 500 days ago, failing at 200, 300 … 900 days; 2 still running.
      for (let i = 0; i < 10; i++) {
        const id = `REL-${i}`;
        await post('/api/v1/wells', { well_id: id, field: i % 2 ? 'East' : 'West' });
        expect((await post(`/api/v1/wells/${id}/events`, { type: 'install', at: at(1500), pump_model: 'R-1' })).status).toBe(201);
        if (i < 8) {
          await post(`/api/v1/wells/${id}/events`, { type: 'failure', at: at(1500 - 200 - 100 * i), reason: 'motor burnt' });
          await post(`/api/v1/wells/${id}/events`, { type: 'pull', at: at(1500 - 205 - 100 * i) });
        }
      }
      const res = await t().request('/api/v1/reliability?group_by=pump_model');
      expect(res.status).toBe(200);
      const r = await json(res);
      expect(r.success).toBe(true);
      expect(r.group_by).toBe('pump_model');
      const g = r.groups.find((x: { group: string }) => x.group === 'R-1');
      expect([g.installs, g.failures, g.censored]).toEqual([10, 8, 2]);
      expect(g.run_lives).toHaveLength(10);
      expect(g.kaplan_meier[0]).toMatchObject({ t_days: 0, survival: 1 });
      expect(g.kaplan_meier[1].survival).toBeCloseTo(0.9, 6);
      expect(g.weibull.shape.value).toBeGreaterThan(1);
      expect(g.mtbf_days.value).toBeGreaterThan(400);
      expect(g.mtbf_days.value).toBeLessThan(1200);
      expect(g.survival_365.low).toBeLessThan(g.survival_365.value);
      const byField = await json(await t().request('/api/v1/reliability?group_by=field'));
      const east = byField.groups.find((x: { group: string }) => x.group === 'East');
      expect(east.installs).toBe(5);
      expect((await t().request('/api/v1/reliability?group_by=colour')).status).toBe(400);
      // Default grouping: pump model.
      expect((await json(await t().request('/api/v1/reliability'))).group_by).toBe('pump_model');
    });
  });
});
