import { describe, expect, it } from 'vitest';
import type { DiagnosisCode } from '../domain/diagnosis.js';
import { generateScenario } from '../simulator/index.js';
import { diagnose, DiagnosisStream, learnBaseline } from './index.js';
import { series, WELL } from './testing/handmade.js';

describe('DiagnosisStream', () => {
  const codes: DiagnosisCode[] = ['NORMAL', 'GAS_LOCK', 'BROKEN_SHAFT', 'CLOSED_VALVE', 'TUBING_LEAK', 'MOTOR_OVERLOAD', 'HIGH_VIBRATION', 'SHUT_DOWN', 'FREQUENT_CYCLING', 'SENSOR_FAULT', 'PUMP_WEAR'];
  for (const code of codes) {
    it(`agrees with diagnose() on ${code}`, () => {
      const sc = generateScenario({ code, seed: 400 + code.length, intervalMs: code === 'PUMP_WEAR' ? 3_600_000 : 60_000 });
      const baseline = learnBaseline(sc.well, sc.readings.filter((r) => r.ts < sc.historyEndTs));
      const s = new DiagnosisStream(sc.well, { baseline });
      for (const r of sc.readings) s.push(r);
      expect(diagnose(sc.well, sc.readings, { baseline }).diagnosis).toBe(code);
      expect(s.current().diagnosis).toBe(code);
    });
  }

  it('learns its own baseline incrementally when none is given, then detects a fault against it', () => {
    const sc = generateScenario({ code: 'CLOSED_VALVE', seed: 9, intervalMs: 60_000 });
    const s = new DiagnosisStream({});
    for (const r of sc.readings) s.push(r);
    const b = s.baseline();
    expect(b).not.toBeNull();
    expect(JSON.parse(JSON.stringify(b))).toEqual(b);
    expect(s.current().diagnosis).toBe('CLOSED_VALVE');
  });

  it('reports only changes: NORMAL once, then the fault once', () => {
    const rs = series({ n: 240, dtMs: 60_000, faultFrom: 120, fault: () => ({ motor_current: 18, flow_rate: 0, torque: 5 }) });
    const s = new DiagnosisStream(WELL);
    const changes = rs.map((r) => s.push(r)).filter((d) => d !== null).map((d) => d!.diagnosis);
    expect(changes).toEqual(['NORMAL', 'BROKEN_SHAFT']);
  });

  it('hysteresis: a flapping signal (alternating fault/healthy every few minutes) does not spam changes', () => {
    const rs = series({ n: 600, dtMs: 60_000, faultFrom: 120, fault: (_i, k) => (Math.floor(k / 4) % 2 === 0 ? { vibration: 3 } : {}) });
    const s = new DiagnosisStream(WELL);
    let changes = 0;
    for (const r of rs) if (s.push(r)) changes++;
    expect(changes).toBeLessThanOrEqual(3);
  });

  it('ignores out-of-order and duplicate readings for the live state', () => {
    const rs = series({ n: 200, dtMs: 60_000, faultFrom: 100, fault: () => ({ vibration: 3 }) });
    const s = new DiagnosisStream(WELL);
    for (const r of rs) s.push(r);
    const before = s.current();
    // A late batch of old healthy readings and a stopped reading in the past must not change anything.
    for (const r of rs.slice(0, 50)) expect(s.push(r)).toBeNull();
    expect(s.push({ ...rs[10], vsd_frequency: 0, motor_current: 0 })).toBeNull();
    expect(s.current()).toEqual(before);
    expect(before.diagnosis).toBe('HIGH_VIBRATION');
  });

  it('reports a stop immediately and a restart back to NORMAL', () => {
    const rs = series({ n: 200, dtMs: 60_000, faultFrom: 100, fault: (_i, k) => (k < 40 ? { vsd_frequency: 0, motor_current: 0, flow_rate: 0, vibration: 0, torque: 0 } : {}) });
    const s = new DiagnosisStream(WELL);
    const seen: string[] = [];
    for (const r of rs) {
      const d = s.push(r);
      if (d) seen.push(`${d.diagnosis}@${(r.ts - rs[0].ts) / 60_000}`);
    }
    expect(seen[0]).toBe('NORMAL@0');
    expect(seen[1]).toBe('SHUT_DOWN@100');
    expect(seen[2]).toBe('NORMAL@140');
  });

  it('updateWell applies a new nameplate (overload limit)', () => {
    const rs = series({ n: 120, dtMs: 60_000, healthy: { motor_current: 58 } });
    const s = new DiagnosisStream({ ...WELL, rated_current_a: 80 });
    for (const r of rs.slice(0, 60)) s.push(r);
    expect(s.current().diagnosis).toBe('NORMAL');
    s.updateWell({ ...WELL, rated_current_a: 50 });
    for (const r of rs.slice(60)) s.push(r);
    expect(s.current().diagnosis).toBe('MOTOR_OVERLOAD');
  });
});
