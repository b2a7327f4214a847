// Operating state and start/stop pattern (ESP-DIAGNOSTICS.md §3 "Stopped is not failed", §4 rows SHUT_DOWN,
// FREQUENT_CYCLING).
import type { Evidence } from '../../domain/diagnosis.js';
import { round } from '../stats.js';
import { F, I, P, T, type WindowState } from '../window.js';
import type { Candidate } from './signature.js';

const DAY = 86_400_000;
export const CYCLING_MIN_STARTS_PER_DAY = 3;

export function shutDown(w: WindowState): Candidate | null {
  if (w.running || w.count === 0) return null;
  const mins = (w.lastTs - w.stoppedSince) / 60_000;
  const ev: Evidence[] = [
    { channel: 'vsd_frequency', observed: Number.isNaN(w.last[F]) ? null : w.last[F], limit: 1, rule: 'state.stopped', note: 'drive frequency ≈ 0' },
    { channel: 'motor_current', observed: Number.isNaN(w.last[I]) ? null : w.last[I], limit: round(w.stopCurrentA, 2), rule: 'state.stopped', note: 'motor current ≈ 0' },
    { channel: 'stopped_minutes', observed: round(mins, 1), rule: 'state.stopped', note: `stopped for ${mins < 120 ? `${Math.round(mins)} min` : `${(mins / 60).toFixed(1)} h`} (seen in this window)` },
  ];
  if (!Number.isNaN(w.last[P])) ev.push({ channel: 'pip', observed: w.last[P], rule: 'state.stopped', note: 'PIP recovers toward static pressure while stopped' });
  if (!Number.isNaN(w.last[T])) ev.push({ channel: 'motor_temp', observed: w.last[T], rule: 'state.stopped', note: 'motor cools while stopped' });
  return { code: 'SHUT_DOWN', score: 0.95, evidence: ev, coverage: 1 };
}

export function cycling(w: WindowState): Candidate | null {
  const since = w.lastTs - DAY;
  let n = 0;
  for (const t of w.starts) if (t > since) n++;
  if (n < CYCLING_MIN_STARTS_PER_DAY) return null;
  const ev: Evidence[] = [
    { channel: 'starts_per_day', observed: n, limit: CYCLING_MIN_STARTS_PER_DAY, rule: 'pattern.frequent_starts', note: `${n} starts in the last 24 h; every start stresses the motor (inrush several × nameplate) and heats it` },
  ];
  const ir = w.params.ratedCurrentA;
  if (ir !== null && Number.isFinite(w.lastStartCurrent)) {
    ev.push({ channel: 'start_current', observed: round(w.lastStartCurrent, 1), limit: ir, rule: 'pattern.start_current', note: `current on the last start ${round(w.lastStartCurrent / ir, 2)}× nameplate` });
  }
  return { code: 'FREQUENT_CYCLING', score: Math.min(0.97, 0.8 + 0.04 * (n - CYCLING_MIN_STARTS_PER_DAY)), evidence: ev, coverage: 1 };
}
