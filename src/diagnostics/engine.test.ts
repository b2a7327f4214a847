import { describe, expect, it } from 'vitest';
import type { DiagnosisCode } from '../domain/diagnosis.js';
import { CATEGORIES, DIAGNOSIS_CODES } from '../domain/diagnosis.js';
import type { Reading } from '../domain/reading.js';
import { generateScenario } from '../simulator/index.js';
import { diagnose, learnBaseline } from './index.js';
import { HANDMADE_CASES, HEALTHY, series, WELL } from './testing/handmade.js';

/** The rule (evidence) that must back each code: the signature's defining observation. */
const KEY_RULE: Record<DiagnosisCode, RegExp> = {
  NORMAL: /steady|not_gone|no_baseline/,
  SHUT_DOWN: /^state\.stopped$/,
  GAS_LOCK: /^(flow\.gone|gor\.strong_rise|flow_variance\.very_high)$/,
  GAS_INTERFERENCE: /^flow\.moderate_drop$|^gor\.rise$|pip\.below_bubble_point|flow_variance\.high/,
  PUMP_OFF: /^pip\.toward_zero$/,
  BROKEN_SHAFT: /^current\.no_load$/,
  CLOSED_VALVE: /^current\.drop_15_30$/,
  TUBING_LEAK: /^flow\.step_drop$/,
  PUMP_WEAR: /^flow\.decline$/,
  SCALE: /^current\.creep_up$/,
  SAND_PRODUCTION: /^(current\.erratic|current\.spikes|vib\.spiky)$/,
  MOTOR_OVERHEAT: /^temp\.hot$/,
  MOTOR_OVERLOAD: /^current\.over_(estimated_)?nameplate$/,
  HIGH_VIBRATION: /^vib\.high$/,
  FREQUENT_CYCLING: /^pattern\.frequent_starts$/,
  SENSOR_FAULT: /^sensor\./,
  VSD_ISSUE: /^vsd\./,
  LOW_FLOW: /^flow\.below_min$/,
  UNKNOWN: /^anomaly\.deviation$/,
};

function check(code: DiagnosisCode, d: ReturnType<typeof diagnose>): void {
  expect(d.diagnosis).toBe(code);
  expect(CATEGORIES).toContain(d.category);
  expect(d.confidence).toBeGreaterThan(0);
  expect(d.confidence).toBeLessThanOrEqual(1);
  expect(d.actions.length).toBeGreaterThan(0);
  expect(d.resolution_time).toMatch(/\d/);
  expect(d.evidence.some((e) => KEY_RULE[code].test(e.rule)), `evidence rules: ${d.evidence.map((e) => e.rule).join(', ')}`).toBe(true);
}

describe('hand-written signature cases (ESP-DIAGNOSTICS.md §4, no simulator)', () => {
  for (const hc of HANDMADE_CASES) {
    it(hc.name, () => {
      const d = diagnose(hc.well, hc.readings);
      check(hc.expect, d);
      expect(d.ts).toBe(hc.readings[hc.readings.length - 1].ts);
    });
  }
  it('covers every code', () => {
    const covered = new Set(HANDMADE_CASES.map((c) => c.expect));
    for (const c of DIAGNOSIS_CODES) expect(covered.has(c), c).toBe(true);
  });
});

describe('simulated faults of every code (baseline learned from pre-fault history)', () => {
  for (const code of DIAGNOSIS_CODES) {
    for (const intervalMs of [60_000, 900_000]) {
      it(`${code} at ${intervalMs / 60_000} min sampling`, () => {
        const sc = generateScenario({ code, seed: 1000 + code.length * 13 + intervalMs / 60_000, intervalMs });
        const baseline = learnBaseline(sc.well, sc.readings.filter((r) => r.ts < sc.historyEndTs));
        expect(baseline).not.toBeNull();
        check(code, diagnose(sc.well, sc.readings, { baseline }));
      });
    }
  }
});

describe('engine behaviour', () => {
  it('an operator frequency change on a healthy well is NORMAL (affinity laws), on 50 Hz too', () => {
    const well = { ...WELL, base_frequency_hz: 50 };
    const rs = series({ n: 120, dtMs: 60_000, healthy: { vsd_frequency: 50 }, faultFrom: 60, fault: () => ({ vsd_frequency: 42, flow_rate: 2000 * (42 / 50), motor_current: 18 + 30 * (42 / 50) ** 2, torque: 250 * (42 / 50) ** 2, pip: 1620 }) });
    const d = diagnose(well, rs);
    expect(d.diagnosis).toBe('NORMAL');
    expect(d.summary).toMatch(/affinity/);
  });

  it('without affinity normalisation the same step would look like a fault: flow drop is the raw signal', () => {
    // Same data, but the frequency channel is absent: the engine cannot normalise and sees a 16 % flow loss
    // with PIP up: not NORMAL. Guards against a normalisation that silently does nothing.
    const rs = series({ n: 120, dtMs: 60_000, faultFrom: 60, fault: () => ({ flow_rate: 1300, pip: 1650 }) }).map((r) => ({ ...r, vsd_frequency: null }));
    expect(diagnose(WELL, rs).diagnosis).toBe('TUBING_LEAK');
  });

  it('no nameplate: learns a baseline from the early window and judges against it', () => {
    const rs = series({ n: 120, dtMs: 60_000, faultFrom: 60, fault: () => ({ vibration: 1.8 }) });
    const d = diagnose({}, rs);
    expect(d.diagnosis).toBe('HIGH_VIBRATION'); // 4.5× its own baseline, below the 2 g default limit
    expect(d.evidence.find((e) => e.rule === 'vib.high')?.baseline).toBeCloseTo(0.4, 1);
  });

  it('single reading, no history: nameplate and defaults only; NORMAL is less confident', () => {
    const one: Reading = { well_id: 'W', ts: 1, ...HEALTHY };
    const d = diagnose(WELL, [one]);
    expect(d.diagnosis).toBe('NORMAL');
    expect(d.confidence).toBeLessThan(0.9);
    expect(diagnose({}, [{ ...one, motor_temp: 175 }]).diagnosis).toBe('MOTOR_OVERHEAT');
  });

  it('no readings at all: UNKNOWN with zero confidence', () => {
    const d = diagnose(WELL, [], { now: 123 });
    expect(d.diagnosis).toBe('UNKNOWN');
    expect(d.confidence).toBe(0);
    expect(d.ts).toBe(123);
  });

  it('stopped periods are SHUT_DOWN and are not judged as faults after a restart', () => {
    const rs = series({ n: 180, dtMs: 60_000, faultFrom: 60, fault: (_i, k) => (k < 60 ? { vsd_frequency: 0, motor_current: 0, flow_rate: 0, vibration: 0, torque: 0, pip: 1500 + 5 * k } : {}) });
    expect(diagnose(WELL, rs.slice(0, 100)).diagnosis).toBe('SHUT_DOWN');
    expect(diagnose(WELL, rs).diagnosis).toBe('NORMAL');
  });

  it('unsorted input is sorted defensively', () => {
    const sc = generateScenario({ code: 'BROKEN_SHAFT', seed: 5, intervalMs: 300_000 });
    const shuffled = [...sc.readings].reverse();
    const base = learnBaseline(sc.well, sc.readings.filter((r) => r.ts < sc.historyEndTs));
    expect(diagnose(sc.well, shuffled, { baseline: base }).diagnosis).toBe('BROKEN_SHAFT');
  });

  it('missing channels: absent channels never fire rules; the rest still diagnose', () => {
    const sc = generateScenario({ code: 'CLOSED_VALVE', seed: 11, intervalMs: 60_000, missing: ['torque', 'gor', 'vibration'] });
    const base = learnBaseline(sc.well, sc.readings.filter((r) => r.ts < sc.historyEndTs));
    const d = diagnose(sc.well, sc.readings, { baseline: base });
    expect(d.diagnosis).toBe('CLOSED_VALVE');
    expect(d.evidence.some((e) => e.channel.startsWith('torque') || e.channel.startsWith('vibration') || e.channel === 'gor')).toBe(false);
    // Vibration above the limit cannot be diagnosed when vibration is not measured.
    const hv = generateScenario({ code: 'HIGH_VIBRATION', seed: 12, intervalMs: 60_000, missing: ['vibration'] });
    expect(diagnose(hv.well, hv.readings).diagnosis).not.toBe('HIGH_VIBRATION');
  });

  it('a single noisy sample is not a fault (persistence)', () => {
    const rs = series({ n: 120, dtMs: 60_000 });
    rs[rs.length - 1] = { ...rs[rs.length - 1], vibration: 4, motor_temp: 170 };
    expect(diagnose(WELL, rs).diagnosis).toBe('NORMAL');
  });

  for (const intervalMs of [1_000, 60_000, 3_600_000]) {
    it(`tubing leak detected at ${intervalMs / 1000} s sampling (persistence in time and samples)`, () => {
      const sc = generateScenario({ code: 'TUBING_LEAK', seed: 77, intervalMs, historyMs: intervalMs === 1_000 ? 4 * 3_600_000 : undefined });
      const base = learnBaseline(sc.well, sc.readings.filter((r) => r.ts < sc.historyEndTs));
      expect(diagnose(sc.well, sc.readings, { baseline: base }).diagnosis).toBe('TUBING_LEAK');
      // Just after the step, not yet persistent: still NORMAL.
      const early = sc.readings.filter((r) => r.ts <= sc.historyEndTs + Math.max(intervalMs, 60_000));
      expect(diagnose(sc.well, early, { baseline: base }).diagnosis).toBe('NORMAL');
    });
  }

  it('baseline is plain JSON and survives a round trip', () => {
    const sc = generateScenario({ code: 'NORMAL', seed: 3, intervalMs: 300_000 });
    const b = learnBaseline(sc.well, sc.readings);
    expect(b).not.toBeNull();
    const back = JSON.parse(JSON.stringify(b));
    expect(back).toEqual(b);
    expect(diagnose(sc.well, sc.readings, { baseline: back })).toEqual(diagnose(sc.well, sc.readings, { baseline: b }));
  });

  it('learnBaseline needs enough running data', () => {
    expect(learnBaseline(WELL, series({ n: 5, dtMs: 60_000 }))).toBeNull();
    const stopped = series({ n: 60, dtMs: 60_000, healthy: { vsd_frequency: 0, motor_current: 0, flow_rate: 0 } });
    expect(learnBaseline(WELL, stopped)).toBeNull();
  });
});
