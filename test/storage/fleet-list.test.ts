// The fleet list is built as one JSON document by the database (fast on the embedded store): it must say
// exactly what the row mapping (used by getWell) says, on both adapters, for awkward wells too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_INFO } from '../../src/diagnostics/codes.js';
import { ADAPTERS, openTestDatabase, type TestDatabase } from '../helpers.js';

describe.each(ADAPTERS)('fleet list as JSON (%s)', (kind) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    const { repo } = db;
    await repo.putWell('A-1', { name: 'Pad "A" — ünïcode', field: 'North', rated_flow_bpd: 1234.5, base_frequency_hz: 60, vibration_limit_g: 0.1 });
    await repo.putWell('B-2', {});
    await repo.putWell('C-3', { field: 'South', min_flow_bpd: 0 });
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    await repo.insertReadings([
      { well_id: 'A-1', ts: t, flow_rate: 1000.25, pip: 0, motor_current: 12.3456789, motor_temp: -5.5, vibration: 1e-7, vsd_frequency: 59.999, flow_variance: null, torque: null, gor: 123456 },
      { well_id: 'C-3', ts: t - 1, flow_rate: null, pip: null, motor_current: null, motor_temp: null, vibration: null, vsd_frequency: null, flow_variance: null, torque: null, gor: 0.1 + 0.2 },
      { well_id: 'D-4', ts: t + 1, flow_rate: 1, pip: 2, motor_current: 3, motor_temp: 4, vibration: 5, vsd_frequency: 6, flow_variance: 7, torque: 8, gor: 9 },
    ]);
    const info = CODE_INFO.GAS_LOCK;
    await repo.insertDiagnosis(
      'A-1',
      { diagnosis: 'GAS_LOCK', category: info.category, severity: info.severity, confidence: 0.933, actions: info.actions, resolution_time: info.resolution_time, evidence: [], ts: t, summary: 'it\'s "locked"' },
      null,
      'test',
    );
    await repo.insertDiagnosis(
      'C-3',
      { diagnosis: 'NORMAL', category: 'NORMAL', severity: 'info', confidence: 1 / 3, actions: [], resolution_time: '', evidence: [], ts: t - 1 },
      null,
      'test',
    );
    await repo.setBaseline('A-1', { version: 1, big: 'x'.repeat(2000) });
  });

  afterAll(async () => {
    await db?.close();
  });

  it('matches getWell for every well, in well order', async () => {
    const { total, wells } = await db.repo.listWells({ limit: 100, offset: 0 });
    expect(total).toBe(4);
    expect(wells.map((w) => w.well_id)).toEqual(['A-1', 'B-2', 'C-3', 'D-4']);
    for (const w of wells) expect(w).toStrictEqual(await db.repo.getWell(w.well_id));
    expect(wells[0]).not.toHaveProperty('baseline');
  });

  it('filters and pages as before', async () => {
    expect((await db.repo.listWells({ field: 'South', limit: 10, offset: 0 })).wells.map((w) => w.well_id)).toEqual(['C-3']);
    expect((await db.repo.listWells({ severity: 'critical', limit: 10, offset: 0 })).wells.map((w) => w.well_id)).toEqual(['A-1']);
    expect((await db.repo.listWells({ q: 'ünï', limit: 10, offset: 0 })).wells.map((w) => w.well_id)).toEqual(['A-1']);
    const page = await db.repo.listWells({ limit: 2, offset: 1 });
    expect(page.wells.map((w) => w.well_id)).toEqual(['B-2', 'C-3']);
    expect(page.total).toBe(4);
    expect(await db.repo.listWells({ q: 'nothing', limit: 10, offset: 0 })).toEqual({ total: 0, wells: [] });
  });
});
