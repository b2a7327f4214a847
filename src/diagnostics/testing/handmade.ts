// Hand-written cases built straight from the signatures table (ESP-DIAGNOSTICS.md §4), independent of the
// simulator: plain numbers a reviewer can check by eye. Used by the tests and by `npm run eval`.
import type { DiagnosisCode } from '../../domain/diagnosis.js';
import type { ChannelValues, Reading } from '../../domain/reading.js';
import type { WellNameplate } from '../../domain/well.js';
import type { Baseline } from '../baseline.js';

export interface HandCase {
  name: string;
  well: Partial<WellNameplate>;
  readings: Reading[];
  expect: DiagnosisCode;
  baseline?: Baseline;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 5, 1);

/** 60 Hz well: rated 2000 bbl/d, 60 A (no-load ≈ 18 A), limit 150 °C, bubble point 900 psi. */
export const WELL: Partial<WellNameplate> = {
  rated_flow_bpd: 2000,
  min_flow_bpd: 1400,
  max_flow_bpd: 2500,
  rated_current_a: 60,
  base_frequency_hz: 60,
  motor_temp_limit_c: 150,
  bubble_point_psi: 900,
  vibration_limit_g: 2.0,
};

export const HEALTHY: ChannelValues = {
  vsd_frequency: 60,
  flow_rate: 2000,
  pip: 1500,
  motor_current: 48,
  motor_temp: 105,
  vibration: 0.4,
  flow_variance: 5,
  torque: 250,
  gor: 400,
};

type Values = Partial<ChannelValues>;

/** Deterministic small noise so "steady" channels are not bit-identical (that would look like a dead gauge). */
function noiser(seed: number): (x: number, rel: number) => number {
  let s = seed >>> 0;
  return (x, rel) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return x * (1 + rel * ((s / 4294967296) * 2 - 1));
  };
}

export function series(opts: {
  n: number;
  dtMs: number;
  healthy?: Values;
  fault?: (i: number, k: number) => Values;
  faultFrom?: number;
  noise?: number;
  seed?: number;
  wellId?: string;
}): Reading[] {
  const nz = noiser(opts.seed ?? 1);
  const noise = opts.noise ?? 0.01;
  const base = { ...HEALTHY, ...opts.healthy };
  const out: Reading[] = [];
  for (let i = 0; i < opts.n; i++) {
    const inFault = opts.fault && opts.faultFrom !== undefined && i >= opts.faultFrom;
    const v: ChannelValues = { ...base, ...(inFault ? opts.fault!(i, i - opts.faultFrom!) : {}) };
    const r: Reading = { well_id: opts.wellId ?? 'HAND-1', ts: T0 + i * opts.dtMs, ...v };
    for (const c of ['flow_rate', 'pip', 'motor_current', 'motor_temp', 'vibration', 'flow_variance', 'torque', 'gor'] as const) {
      const x = r[c];
      if (x !== null && x !== 0) r[c] = Math.round(nz(x, c === 'vibration' ? 4 * noise : noise) * 1000) / 1000;
    }
    out.push(r);
  }
  return out;
}

const alt = (k: number, a: number, b: number): number => (k % 2 === 0 ? a : b);

function cases(): HandCase[] {
  const c: HandCase[] = [];
  const n = 120; // 2 h at 1 min: first 60 healthy, last 60 faulty
  const add = (name: string, expect: DiagnosisCode, fault: (k: number) => Values, extra: Partial<HandCase> = {}, dt = MIN): void => {
    c.push({ name, expect, well: WELL, readings: series({ n, dtMs: dt, faultFrom: n / 2, fault: (_i, k) => fault(k), seed: c.length + 1 }), ...extra });
  };
  c.push({ name: 'steady healthy well', expect: 'NORMAL', well: WELL, readings: series({ n, dtMs: MIN }) });
  // Operator step 60 → 50 Hz: flow × 5/6, load current × (5/6)², torque × (5/6)², PIP up (less drawdown).
  add('operator frequency step 60→50 Hz', 'NORMAL', () => ({ vsd_frequency: 50, flow_rate: 2000 * (50 / 60), motor_current: 18 + 30 * (50 / 60) ** 2, torque: 250 * (50 / 60) ** 2, pip: 1600, motor_temp: 101 }));
  add('stopped: 0 Hz, 0 A', 'SHUT_DOWN', (k) => ({ vsd_frequency: 0, motor_current: 0, flow_rate: 0, vibration: 0, torque: 0, flow_variance: 0, pip: 1500 + 10 * k, motor_temp: 105 - 0.3 * k }));
  add('gas lock: no flow, ragged low amps, GOR and flow variance very high', 'GAS_LOCK', (k) => ({ flow_rate: alt(k, 60, 180), motor_current: alt(k, 22, 31), gor: 2200, flow_variance: 85, pip: alt(k, 1400, 1600), motor_temp: 122 }));
  add('gas interference: −20 % flow, −10 % ragged amps, PIP under bubble point', 'GAS_INTERFERENCE', (k) => ({ flow_rate: alt(k, 1520, 1680), motor_current: alt(k, 42, 45), pip: 870, gor: 750, flow_variance: 19, motor_temp: 108, vibration: 0.46 }));
  add('pump-off: PIP drains to ~0, flow and amps decline smoothly, GOR normal', 'PUMP_OFF', (k) => ({ pip: Math.max(40, 1500 - 60 * k), flow_rate: Math.max(700, 2000 - 45 * k), motor_current: Math.max(34, 48 - 0.5 * k), motor_temp: 105 + Math.min(12, 0.4 * k) }));
  add('broken shaft: amps to no-load, flat; no flow; torque ~0', 'BROKEN_SHAFT', (k) => ({ motor_current: 18.5, flow_rate: 0, torque: 6, pip: 1500 + Math.min(250, 8 * k), motor_temp: 102, vibration: 0.3 }));
  add('closed valve: no flow, amps −25 %, motor heats fast, PIP up', 'CLOSED_VALVE', (k) => ({ motor_current: 36, flow_rate: 0, torque: 170, pip: 1500 + Math.min(250, 8 * k), motor_temp: 105 + Math.min(45, 1.5 * k) }));
  add('tubing leak: flow steps −35 %, PIP +10 %, amps unchanged', 'TUBING_LEAK', () => ({ flow_rate: 1300, pip: 1650 }));
  c.push({
    name: 'pump wear over 30 days: flow −25 %, PIP +10 %, vibration ×2, amps −3 %',
    expect: 'PUMP_WEAR',
    well: WELL,
    readings: series({ n: 24 * 40, dtMs: HOUR, faultFrom: 24 * 10, fault: (_i, k) => {
      const p = Math.min(1, k / (24 * 30));
      return { flow_rate: 2000 * (1 - 0.25 * p), pip: 1500 * (1 + 0.1 * p), vibration: 0.4 * (1 + p), motor_current: 48 * (1 - 0.03 * p) };
    }, seed: 31 }),
  });
  c.push({
    name: 'scale over 30 days: flow −20 %, amps and torque +15 %',
    expect: 'SCALE',
    well: WELL,
    readings: series({ n: 24 * 40, dtMs: HOUR, faultFrom: 24 * 10, fault: (_i, k) => {
      const p = Math.min(1, k / (24 * 30));
      return { flow_rate: 2000 * (1 - 0.2 * p), motor_current: 48 * (1 + 0.15 * p), torque: 250 * (1 + 0.2 * p), motor_temp: 105 + 4 * p };
    }, seed: 32 }),
  });
  add('sand: vibration ×2.5 and spiky, amps and torque spiking', 'SAND_PRODUCTION', (k) => ({ vibration: k % 4 === 0 ? 2.4 : 0.9, motor_current: k % 5 === 0 ? 60 : k % 7 === 0 ? 38 : 48, torque: k % 5 === 0 ? 330 : 250, flow_variance: 12 }));
  add('motor overheat: at the 150 °C limit with normal amps', 'MOTOR_OVERHEAT', () => ({ motor_temp: 151, flow_rate: 1880 }));
  add('motor overload: 117 % of nameplate amps, flow held', 'MOTOR_OVERLOAD', () => ({ motor_current: 70, motor_temp: 118, torque: 345 }));
  add('high vibration: 2.6 g steady, amps steady', 'HIGH_VIBRATION', () => ({ vibration: 2.6 }));
  add('VSD unstable: frequency wanders ±4 Hz without a command', 'VSD_ISSUE', (k) => {
    const f = 60 + [3, -4, 2, -3, 4, -2, 1, -4][k % 8];
    return { vsd_frequency: f, flow_rate: (2000 * f) / 60, motor_current: 18 + 30 * (f / 60) ** 2, torque: 250 * (f / 60) ** 2 };
  });
  add('VSD below useful minimum: 25 Hz', 'VSD_ISSUE', () => ({ vsd_frequency: 25, flow_rate: 2000 * (25 / 60), motor_current: 18 + 30 * (25 / 60) ** 2, torque: 250 * (25 / 60) ** 2, pip: 2000 }));
  add('low flow: normalised flow 1150 bbl/d under the 1400 minimum, all else steady', 'LOW_FLOW', () => ({ flow_rate: 1150 }));
  add('sensor: PIP flat-lined', 'SENSOR_FAULT', () => ({ pip: 1500 }), {}, MIN);
  c[c.length - 1].readings.forEach((r, i) => { if (i >= n / 2) r.pip = 1500; });
  add('sensor: motor temperature pinned at 300 °C full scale', 'SENSOR_FAULT', () => ({ motor_temp: 300 }));
  add('unknown: PIP falls a third with flow, amps, temperature unchanged', 'UNKNOWN', () => ({ pip: 1000 }));
  // Frequent cycling: 2 days at 10 min, running 3 h / stopped 1 h.
  c.push({
    name: 'frequent cycling: run 3 h, stop 1 h, for 2 days',
    expect: 'FREQUENT_CYCLING',
    well: WELL,
    readings: series({ n: 6 * 48, dtMs: 10 * MIN, faultFrom: 6 * 12, fault: (_i, k) => (k % 24 >= 18 ? { vsd_frequency: 0, motor_current: 0, flow_rate: 0, vibration: 0, torque: 0, flow_variance: 0 } : { motor_temp: 112 }), seed: 77 }),
  });
  // No nameplate: baseline only (learned from the early part of the window).
  const noNp: Partial<WellNameplate> = {};
  c.push({ name: 'no nameplate: tubing leak vs own baseline', expect: 'TUBING_LEAK', well: noNp, readings: series({ n, dtMs: MIN, faultFrom: n / 2, fault: () => ({ flow_rate: 1350, pip: 1640 }), seed: 91 }) });
  c.push({ name: 'no nameplate: broken shaft vs own baseline', expect: 'BROKEN_SHAFT', well: noNp, readings: series({ n, dtMs: MIN, faultFrom: n / 2, fault: () => ({ motor_current: 17, flow_rate: 0, torque: 5 }), seed: 92 }) });
  c.push({ name: 'no nameplate: healthy', expect: 'NORMAL', well: noNp, readings: series({ n, dtMs: MIN, seed: 93 }) });
  // Hourly sampling, noiseless closed valve.
  c.push({ name: 'hourly, noiseless: closed valve', expect: 'CLOSED_VALVE', well: WELL, readings: series({ n: 48, dtMs: HOUR, noise: 0, faultFrom: 40, fault: () => ({ motor_current: 38, flow_rate: 0, pip: 1700, motor_temp: 140, torque: 180 }) }) });
  // Single readings, no history: nameplate and defaults only.
  const one = (name: string, expect: DiagnosisCode, v: Values, well: Partial<WellNameplate> = WELL): void => {
    c.push({ name: `single reading: ${name}`, expect, well, readings: [{ well_id: 'HAND-1', ts: T0, ...HEALTHY, ...v }] });
  };
  one('healthy', 'NORMAL', {});
  one('stopped', 'SHUT_DOWN', { vsd_frequency: 0, motor_current: 0, flow_rate: 0, vibration: 0, torque: 0 });
  one('no-load amps, no flow', 'BROKEN_SHAFT', { motor_current: 18, flow_rate: 0, torque: 5 });
  one('165 °C motor', 'MOTOR_OVERHEAT', { motor_temp: 165 });
  one('72 A on a 60 A motor', 'MOTOR_OVERLOAD', { motor_current: 72 });
  one('3.1 g vibration', 'HIGH_VIBRATION', { vibration: 3.1 });
  one('flow 1000 bbl/d on a 2000 bbl/d pump', 'LOW_FLOW', { flow_rate: 1000 });
  one('no nameplate, 170 °C (default limit 150)', 'MOTOR_OVERHEAT', { motor_temp: 170 }, {});
  one('only amps and Hz', 'NORMAL', { flow_rate: null, pip: null, motor_temp: null, vibration: null, flow_variance: null, torque: null, gor: null });
  return c;
}

export const HANDMADE_CASES: HandCase[] = cases();
