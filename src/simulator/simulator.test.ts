import { describe, expect, it } from 'vitest';
import { DIAGNOSIS_CODES } from '../domain/diagnosis.js';
import { FleetSimulator, generateLongScenario, generateScenario } from './index.js';

describe('simulator', () => {
  it('is deterministic for a seed', () => {
    const a = generateScenario({ code: 'GAS_LOCK', seed: 7, intervalMs: 300_000 });
    const b = generateScenario({ code: 'GAS_LOCK', seed: 7, intervalMs: 300_000 });
    expect(a).toEqual(b);
    expect(generateScenario({ code: 'GAS_LOCK', seed: 8, intervalMs: 300_000 }).readings).not.toEqual(a.readings);
  });

  it('obeys the affinity law: flow/frequency constant across operator steps on a healthy well', () => {
    const sc = generateScenario({ code: 'NORMAL', seed: 21, intervalMs: 900_000 });
    const ratios = sc.readings.filter((r) => (r.vsd_frequency ?? 0) > 5).map((r) => r.flow_rate! / r.vsd_frequency!);
    const freqs = new Set(sc.readings.map((r) => Math.round(r.vsd_frequency ?? 0)));
    expect(freqs.size).toBeGreaterThan(1);
    const mean = ratios.reduce((x, y) => x + y, 0) / ratios.length;
    for (const r of ratios) expect(Math.abs(r / mean - 1)).toBeLessThan(0.1);
  });

  it('generates every code with a history before the fault and the expected raw direction', () => {
    for (const code of DIAGNOSIS_CODES) {
      const sc = generateScenario({ code, seed: 3, intervalMs: 600_000 });
      expect(sc.label).toBe(code);
      expect(sc.readings.length).toBeGreaterThan(48);
      expect(sc.readings.some((r) => r.ts < sc.historyEndTs)).toBe(true);
    }
    const bs = generateScenario({ code: 'BROKEN_SHAFT', seed: 4, intervalMs: 600_000 });
    const last = bs.readings[bs.readings.length - 1];
    expect(last.flow_rate!).toBeLessThan(0.05 * bs.well.rated_flow_bpd!);
    expect(last.motor_current!).toBeLessThan(0.4 * bs.well.rated_current_a!);
    expect(last.vsd_frequency!).toBeGreaterThan(20);
  });

  it('missing channels are null, never zero', () => {
    const sc = generateScenario({ code: 'NORMAL', seed: 5, intervalMs: 600_000, missing: ['gor', 'torque'] });
    for (const r of sc.readings) {
      expect(r.gor).toBeNull();
      expect(r.torque).toBeNull();
    }
  });

  it('fleet continues state, injects and clears faults', () => {
    const t0 = Date.UTC(2025, 0, 1);
    const f = new FleetSimulator({ wells: 20, seed: 2, startTs: t0 });
    const ids = f.wells().map((w) => w.well_id);
    expect(new Set(ids).size).toBe(20);
    expect(f.wells().some((w) => w.base_frequency_hz === 50) && f.wells().some((w) => w.base_frequency_hz === 60)).toBe(true);
    f.next(t0);
    f.injectFault(ids[0], 'SHUT_DOWN', t0 + 60_000);
    const r = f.next(t0 + 120_000);
    expect(r).toHaveLength(20);
    expect(r[0].vsd_frequency).toBe(0);
    expect(r[1].vsd_frequency!).toBeGreaterThan(20);
    f.clearFault(ids[0], t0 + 180_000);
    expect(f.next(t0 + 240_000)[0].vsd_frequency!).toBeGreaterThan(20);
  });

  it('drifts carry a channel toward its limit over weeks, with the truth the forecast is judged against', () => {
    const DAY = 86_400_000;
    for (const kind of ['TEMP_CREEP', 'VIBRATION_GROWTH', 'CURRENT_CREEP'] as const) {
      const sc = generateLongScenario({ kind, seed: 31, onsetDaysBeforeEnd: 30, limitDaysAfterEnd: 15, operatorStepMeanMs: 0 });
      expect(sc.readings).toHaveLength(60 * 24 + 1);
      const ch = sc.channel!;
      const early = sc.model.nominal(sc.onsetTs! - DAY, ch);
      const late = sc.model.nominal(sc.endTs, ch);
      expect(late, kind).toBeGreaterThan(early);
      // Without speed steps the nominal channel reaches the limit when the scenario said it would.
      const cross = sc.model.crossing(sc.endTs, ch, sc.limit!)!;
      expect((cross - sc.endTs) / DAY, kind).toBeGreaterThan(14);
      expect((cross - sc.endTs) / DAY, kind).toBeLessThan(16);
    }
    const a = generateLongScenario({ kind: 'PUMP_WEAR', seed: 5 });
    const b = generateLongScenario({ kind: 'PUMP_WEAR', seed: 5 });
    expect(a.readings).toEqual(b.readings);
    expect(a.model.nominal(a.endTs, 'flow_rate')).toBeLessThan(a.model.nominal(a.onsetTs!, 'flow_rate'));
  });
});
