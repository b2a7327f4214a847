// Data-quality checks (ESP-DIAGNOSTICS.md §4 row SENSOR_FAULT): a channel flat-lined, pinned at full scale or
// impossible while the others are consistent. Suspect channels are masked before judging the pump, so that a
// dead gauge never raises a pump fault on its own ("do not act on that channel").
import type { Evidence } from '../../domain/diagnosis.js';
import type { Baseline, ChannelStat } from '../baseline.js';
import { outOfRange } from '../baseline.js';
import { MIN_NORMALISABLE_HZ } from '../physics.js';
import type { EngineScratch } from '../scratch.js';
import { round } from '../stats.js';
import {
  CH_FIELDS,
  F,
  FLAG_RUNNING,
  FLAT_MIN_SAMPLES,
  FLAT_MIN_SPAN_MS,
  FV,
  G,
  I,
  NCH,
  P,
  Q,
  RECENT_MIN_SAMPLES,
  RECENT_SPAN_MS,
  T,
  TQ,
  V,
  type WindowState,
} from '../window.js';

/** A flat run must be at least this improbable for the channel's own repeat rate to count as frozen. */
export const FLAT_RUN_P = 1e-3;

export interface SensorSuspect {
  channel: number;
  evidence: Evidence;
}

function baselineStat(b: Baseline | null, c: number): ChannelStat | null {
  if (!b) return null;
  const m: Record<number, ChannelStat | null> = { [F]: b.frequency_hz, [Q]: b.flow_norm, [P]: b.pip, [I]: b.current_norm, [T]: b.motor_temp, [V]: b.vibration, [FV]: b.flow_variance, [TQ]: b.torque_norm, [G]: b.gor };
  return m[c] ?? null;
}

export function sensorSuspects(w: WindowState, b: Baseline | null, scratch: EngineScratch): SensorSuspect[] {
  const out: SensorSuspect[] = [];
  if (!w.running) return out;
  // 1. Impossible / full-scale values, or a dead current reading on a running drive: must hold in at least
  //    half of the recent samples (one glitch is not a fault).
  const bad = scratch.sensorBad.fill(0);
  const seen = scratch.sensorSeen.fill(0);
  const newest = w.ringTs[w.ringIndex(0)];
  let n = 0;
  for (let k = 0; k < w.ringSize; k++) {
    const s = w.ringIndex(k);
    if (!(w.ringFlag[s] & FLAG_RUNNING)) break;
    if (newest - w.ringTs[s] > RECENT_SPAN_MS && n >= RECENT_MIN_SAMPLES) break;
    n++;
    const f = w.ringVal[s * NCH + F];
    for (let c = 0; c < NCH; c++) {
      const x = w.ringVal[s * NCH + c];
      if (Number.isNaN(x)) continue;
      seen[c]++;
      if (outOfRange(c, x)) bad[c]++;
      else if (c === I && f >= MIN_NORMALISABLE_HZ && x <= w.stopCurrentA) bad[c]++; // drive runs, no amps
      else if (c === F && x < 1) bad[c]++; // amps flow but the drive reports 0 Hz
    }
  }
  for (let c = 0; c < NCH; c++) {
    if (seen[c] > 0 && bad[c] * 2 >= seen[c]) {
      out.push({
        channel: c,
        evidence: { channel: CH_FIELDS[c], observed: round(w.last[c], 3), rule: 'sensor.impossible_or_full_scale', note: `${CH_FIELDS[c]} reads ${round(w.last[c], 2)} (impossible, full scale or inconsistent with the drive) in ${bad[c]}/${seen[c]} recent samples` },
      });
    }
  }
  // 2. Flat line: exactly the same value for ≥ FLAT_MIN_SAMPLES and ≥ FLAT_MIN_SPAN_MS, on a channel that
  //    normally varies, while at least two other channels keep varying. The drive frequency is excluded
  //    (a constant setpoint is normal).
  let varying = 0;
  // A coarse (quantised) gauge on a quiet well repeats its value often: the run must then be long enough to be
  // improbable given how often this channel repeated before the run (P(run) = pEq^(len−1) < FLAT_RUN_P).
  const isFlat = (c: number): boolean => {
    const len = w.flatCount[c];
    if (len < FLAT_MIN_SAMPLES || w.lastTs - w.flatSince[c] < FLAT_MIN_SPAN_MS) return false;
    const n = w.pairN[c] - (len - 1);
    if (n < 20) return true;
    const pEq = (w.pairEq[c] - (len - 1)) / n;
    return pEq <= 0 || (len - 1) * Math.log(Math.min(pEq, 0.999)) < Math.log(FLAT_RUN_P);
  };
  for (let c = 0; c < NCH; c++) if (c !== F && w.flatCount[c] > 0 && !isFlat(c)) varying++;
  for (let c = 0; c < NCH; c++) {
    if (c === F || !isFlat(c) || out.some((s) => s.channel === c)) continue;
    const bs = baselineStat(b, c);
    const normallyVaries = bs ? bs.mad > 0 : w.varied[c] === 1;
    if (!normallyVaries || varying < 2) continue;
    const hours = (w.lastTs - w.flatSince[c]) / 3_600_000;
    out.push({
      channel: c,
      evidence: { channel: CH_FIELDS[c], observed: round(w.flatVal[c], 3), baseline: bs?.median ?? null, rule: 'sensor.flat_line', note: `${CH_FIELDS[c]} frozen at ${round(w.flatVal[c], 2)} for ${w.flatCount[c]} samples (${hours.toFixed(1)} h) while ${varying} other channels vary` },
    });
  }
  return out;
}
