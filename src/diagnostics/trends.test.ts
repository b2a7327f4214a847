import { describe, expect, it } from 'vitest';
import type { Reading } from '../domain/reading.js';
import { generateLongScenario, Rng } from '../simulator/index.js';
import { computeTrends, diagnoseHistory, forecastWell, learnReference } from './index.js';
import { mannKendall, normalCdf, normalQuantile, theilSen } from './trendstats.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 2, 1);

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const r = new Rng(seed);
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Hourly readings of a steady 60 Hz well, with channel overrides as functions of the day number. */
function synthetic(days: number, over: Partial<Record<'temp' | 'vib' | 'flow' | 'current' | 'freq', (d: number) => number>> = {}, seed = 1): Reading[] {
  const r = new Rng(seed);
  const out: Reading[] = [];
  for (let h = 0; h <= days * 24; h++) {
    const d = h / 24;
    const f = over.freq?.(d) ?? 60;
    const rf = f / 60;
    out.push({
      well_id: 'W',
      ts: T0 + h * HOUR,
      vsd_frequency: f,
      flow_rate: (over.flow?.(d) ?? 1000) * rf * (1 + 0.01 * r.gauss()),
      pip: 1200 * (1 + 0.005 * r.gauss()),
      motor_current: (24 + (over.current?.(d) ?? 56) * rf * rf) * (1 + 0.005 * r.gauss()),
      motor_temp: (over.temp?.(d) ?? 100) + 0.3 * r.gauss(),
      vibration: (over.vib?.(d) ?? 0.5) * (1 + 0.02 * r.gauss()),
      flow_variance: 4,
      torque: 400 * rf * rf * (1 + 0.01 * r.gauss()),
      gor: 300,
    });
  }
  return out;
}

const WELL = { rated_flow_bpd: 1000, rated_current_a: 80, base_frequency_hz: 60, motor_temp_limit_c: 150, vibration_limit_g: 2 };

describe('trend statistics', () => {
  it('Mann–Kendall matches the hand-computed S, Var(S) (with ties) and p', () => {
    const a = mannKendall([1, 2, 3, 4, 5]);
    expect(a.s).toBe(10);
    expect(a.variance).toBeCloseTo((5 * 4 * 15) / 18, 10);
    // Z = (S − 1)/√Var = 9/4.0825 = 2.2045 → two-sided p = 0.0275
    expect(a.z).toBeCloseTo(2.2045, 3);
    expect(a.p).toBeCloseTo(0.0275, 3);
    const t = mannKendall([1, 1, 2, 3]);
    expect(t.s).toBe(5);
    expect(t.variance).toBeCloseTo((4 * 3 * 13 - 2 * 1 * 9) / 18, 10);
    expect(mannKendall([3, 1, 2, 1, 3]).p).toBeGreaterThan(0.5);
  });

  it('Theil–Sen slope, intercept and Sen confidence interval match the hand computation', () => {
    // Pairwise slopes sorted: −1, −1, 1/3, 1/2, 3/4, 1, 1, 4/3, 2, 3 → median 0.875.
    const ts = theilSen([1, 2, 3, 4, 5], [1, 3, 2, 5, 4]);
    expect(ts.slope).toBeCloseTo(0.875, 12);
    expect(ts.intercept).toBeCloseTo(0.125, 12);
    // n = 5: C = 1.96·√16.67 = 8.0, M1 = 1, M2 + 1 = 10 → [−1, 3].
    expect(ts.low).toBe(-1);
    expect(ts.high).toBe(3);
    const exact = theilSen([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
    expect(exact.slope).toBe(2);
    expect(exact.low).toBe(2);
    expect(exact.high).toBe(2);
    expect(exact.intercept).toBe(5);
  });

  it('normal distribution helpers agree with the tables', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-1)).toBeCloseTo(0.1587, 4);
    expect(normalQuantile(0.025)).toBeCloseTo(1.96, 3);
  });
});

describe('reference', () => {
  it('is the same whatever order the readings arrive in, and is not moved by a later slow decline', () => {
    const rs = synthetic(40, { flow: (d) => (d < 15 ? 1000 : 1000 * (1 - 0.01 * (d - 15))) });
    const a = learnReference(WELL, rs);
    const b = learnReference(WELL, shuffled(rs, 7));
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
    expect(a!.period.source).toBe('auto');
    // The first settled days, not the declining end.
    expect(a!.channels.flow_rate!.median).toBeGreaterThan(990);
    expect(a!.channels.flow_rate!.median).toBeLessThan(1010);
    expect(a!.from_ts).toBeLessThan(T0 + 3 * DAY);
  });

  it('uses an explicit period when an engineer sets one', () => {
    const rs = synthetic(30, { flow: (d) => 1000 - 5 * d });
    const ref = learnReference(WELL, rs, { period: { from: new Date(T0 + 20 * DAY).toISOString(), to: new Date(T0 + 25 * DAY).toISOString() } });
    expect(ref!.period.source).toBe('engineer');
    expect(ref!.channels.flow_rate!.median).toBeGreaterThan(870);
    expect(ref!.channels.flow_rate!.median).toBeLessThan(905);
    expect(learnReference(WELL, rs.slice(0, 10))).toBeNull();
  });
});

describe('trends', () => {
  it('does not read operator speed steps as trends (affinity laws and the speed dependence taken out)', () => {
    const steps = [60, 54, 57, 63, 50, 58, 61, 55];
    const rs = synthetic(40, { freq: (d) => steps[Math.floor(d / 5) % steps.length] });
    const trends = computeTrends(WELL, shuffled(rs, 3));
    for (const c of ['flow_rate', 'motor_current', 'torque']) {
      const t = trends.find((x) => x.channel === c)!;
      expect(t.significant, c).toBe(false);
      expect(Math.abs(t.change_since_reference!), c).toBeLessThan(0.02);
    }
    const fc = forecastWell(WELL, rs, { horizonDays: 30 });
    expect(fc.channels).toEqual([]);
    expect(fc.warnings).toEqual([]);
  });

  it('reports a developing trend with its slope interval, significance and change since the reference', () => {
    const rs = synthetic(40, { temp: (d) => (d < 10 ? 100 : 100 + 0.5 * (d - 10)) });
    const t = computeTrends(WELL, rs).find((x) => x.channel === 'motor_temp')!;
    expect(t.significant).toBe(true);
    expect(t.p_value).toBeLessThan(0.01);
    expect(t.slope_per_day_low).toBeLessThanOrEqual(0.5);
    expect(t.slope_per_day_high).toBeGreaterThanOrEqual(0.45);
    expect(t.slope_per_day).toBeGreaterThan(0.4);
    expect(t.slope_per_day).toBeLessThan(0.6);
    expect(t.reference_value).toBeCloseTo(100, 0);
    expect(t.change_since_reference).toBeGreaterThan(0.12);
  });

  it('builds per-N-samples aggregates for sparse wells', () => {
    const rs = synthetic(60, { temp: (d) => 100 + 0.4 * d }).filter((_, i) => i % 6 === 0);
    const t = computeTrends(WELL, rs).find((x) => x.channel === 'motor_temp')!;
    expect(t.points).toBeLessThan(60);
    expect(t.points).toBeGreaterThanOrEqual(5);
    expect(t.significant).toBe(true);
    expect(t.slope_per_day).toBeCloseTo(0.4, 1);
  });
});

describe('forecast', () => {
  it('projects a linear temperature creep to the nameplate limit with an interval', () => {
    // 100 °C until day 10, then +0.5 °C/day: at day 40 it reads 115 °C, 70 days from 150 °C.
    const rs = synthetic(40, { temp: (d) => (d < 10 ? 100 : 100 + 0.5 * (d - 10)) });
    const fc = forecastWell({ ...WELL, well_id: 'ignored' }, rs, { horizonDays: 90, wellId: 'W-7' });
    expect(fc.well_id).toBe('W-7');
    expect(fc.horizon_days).toBe(90);
    const c = fc.channels.find((x) => x.channel === 'motor_temp')!;
    expect(c.model).toBe('linear');
    expect(c.limit).toBe(150);
    expect(c.limit_source).toBe('nameplate');
    expect(c.time_to_limit_days!).toBeGreaterThan(60);
    expect(c.time_to_limit_days!).toBeLessThan(80);
    expect(c.time_to_limit_low_days!).toBeLessThanOrEqual(c.time_to_limit_days!);
    expect(c.time_to_limit_high_days!).toBeGreaterThanOrEqual(c.time_to_limit_days!);
    expect(c.points).toHaveLength(91);
    expect(c.points[0].low).toBeLessThanOrEqual(c.points[0].high);
    const w = fc.warnings.find((x) => x.code === 'MOTOR_OVERHEAT')!;
    expect(w.channel).toBe('motor_temp');
    expect(w.lead_days).toBeCloseTo(c.time_to_limit_days!, 5);
    expect(Date.parse(w.expected_at)).toBeGreaterThan(rs[rs.length - 1].ts);
  });

  it('chooses exponential growth for bearing vibration and linear for a straight creep', () => {
    // Vibration: healthy 0.5 g plus a part that doubles every 6 days from day 15.
    const rs = synthetic(45, { vib: (d) => 0.5 + (d < 15 ? 0 : 0.02 * (2 ** ((d - 15) / 6) - 1)) });
    const v = forecastWell(WELL, rs, { horizonDays: 60 }).channels.find((x) => x.channel === 'vibration')!;
    expect(v.model).toBe('exponential');
    // Truth: 0.5 + 0.02·(2^{(t−15)/6} − 1) = 2 g at t = 15 + 6·log2(76) = 52.5 d → 7.5 days after day 45.
    expect(v.time_to_limit_days!).toBeGreaterThan(7.5 * 0.65);
    expect(v.time_to_limit_days!).toBeLessThan(7.5 * 1.35);
    const lin = synthetic(45, { vib: (d) => (d < 15 ? 0.5 : 0.5 + 0.02 * (d - 15)) });
    expect(forecastWell(WELL, lin, { horizonDays: 90 }).channels.find((x) => x.channel === 'vibration')!.model).toBe('linear');
  });

  it('forecasts exponential vibration growth through operator speed steps, with an interval around the truth', () => {
    // Speed steps 60 → 52 → 56 → 60 Hz; vibration scales with speed multiplicatively (0.6 + 0.4·(f/60)²), so the
    // step-measured correction must hold as the level grows. Same growth as above: the limit is 7.5 days away.
    const freq = (d: number): number => (d < 12 ? 60 : d < 24 ? 52 : d < 36 ? 56 : 60);
    const speed = (d: number): number => 0.6 + 0.4 * (freq(d) / 60) ** 2;
    const rs = synthetic(45, { freq, vib: (d) => (0.5 + (d < 15 ? 0 : 0.02 * (2 ** ((d - 15) / 6) - 1))) * speed(d) });
    const v = forecastWell(WELL, shuffled(rs, 3), { horizonDays: 60 }).channels.find((x) => x.channel === 'vibration')!;
    expect(v.model).toBe('exponential');
    expect(v.time_to_limit_days!).toBeGreaterThan(7.5 * 0.65);
    expect(v.time_to_limit_days!).toBeLessThan(7.5 * 1.35);
    // The rate's profile-likelihood interval, carried to the time to limit, is around the estimate.
    expect(v.time_to_limit_low_days!).toBeLessThan(v.time_to_limit_days!);
    expect(v.time_to_limit_high_days!).toBeGreaterThan(v.time_to_limit_days!);
    expect(v.slope_per_day_low).toBeLessThanOrEqual(v.slope_per_day);
    expect(v.slope_per_day_high).toBeGreaterThanOrEqual(v.slope_per_day);
  });

  it('keeps motor temperature on the linear model even when its creep bends upwards', () => {
    // Temperature creep is near linear physically; an accelerating stretch is not extrapolated exponentially.
    const rs = synthetic(40, { temp: (d) => (d < 10 ? 100 : 100 + 0.02 * (d - 10) ** 2) });
    const t = forecastWell(WELL, rs, { horizonDays: 120 }).channels.find((x) => x.channel === 'motor_temp')!;
    expect(t.model).toBe('linear');
    expect(t.time_to_limit_days!).toBeGreaterThan(0);
  });

  it('gives a healthy well empty lists', () => {
    const fc = forecastWell(WELL, shuffled(synthetic(50), 9), { horizonDays: 30 });
    expect(fc.channels).toEqual([]);
    expect(fc.warnings).toEqual([]);
  });
});

describe('slow codes from weeks of history backfilled out of order', () => {
  for (const kind of ['PUMP_WEAR', 'SCALE'] as const) {
    it(`diagnoses ${kind} with trend evidence`, () => {
      const sc = generateLongScenario({ kind, seed: 4242, onsetDaysBeforeEnd: 25, nameplate: { base_frequency_hz: 50 } });
      const h = diagnoseHistory(sc.well, shuffled(sc.readings, 11));
      expect(h.diagnosis.diagnosis).toBe(kind);
      expect(h.reference).not.toBeNull();
      const ev = h.diagnosis.evidence.find((e) => e.rule === 'slow.flow_decline')!;
      expect(ev.note).toMatch(/per day|\/day/);
      expect(ev.note).toMatch(/since the reference/);
      expect(ev.note).toMatch(/Mann–Kendall p/);
      const fc = forecastWell(sc.well, sc.readings, { horizonDays: 30 });
      expect(fc.warnings.some((w) => w.code === kind)).toBe(true);
    });
  }

  it('keeps a healthy well with speed steps and a planned stop NORMAL, with no forecast', () => {
    const sc = generateLongScenario({ kind: 'NORMAL', seed: 77, operatorStepMeanMs: 2 * DAY });
    const rs = shuffled(sc.readings, 5);
    expect(diagnoseHistory(sc.well, rs).diagnosis.diagnosis).toBe('NORMAL');
    const fc = forecastWell(sc.well, rs, { horizonDays: 30 });
    expect(fc.warnings).toEqual([]);
  });

  it('reports a developing motor-temperature trend as a finding before the limit', () => {
    const rs = synthetic(40, { temp: (d) => (d < 10 ? 100 : 100 + 0.5 * (d - 10)) });
    const h = diagnoseHistory(WELL, rs);
    expect(h.diagnosis.diagnosis).toBe('NORMAL');
    expect(h.diagnosis.evidence.some((e) => e.rule === 'trend.motor_temp')).toBe(true);
  });
});
