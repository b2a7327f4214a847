// Trips and restarts seen in the data (ESP-DIAGNOSTICS.md section 6): a running → stopped transition between
// two consecutive readings (by timestamp) is a trip, stopped → running a start. A reading whose state cannot
// be told (neither frequency nor current measured) is skipped, so gaps and missing channels make no events.
// Pure: the caller hands readings in timestamp order; which events exist depends only on the set of readings.
import type { Reading } from '../domain/reading.js';
import { isStopped } from './physics.js';

export { stopCurrentThreshold } from './physics.js';

export type RunState = 'running' | 'stopped';

export interface DetectedRunEvent {
  type: 'trip' | 'start';
  /** Timestamp of the first reading in the new state (epoch ms). */
  at: number;
}

/** Running or stopped by drive frequency and motor current; null when neither is measured. */
export function runState(r: Pick<Reading, 'vsd_frequency' | 'motor_current'>, stopCurrentA: number): RunState | null {
  const f = r.vsd_frequency ?? Number.NaN;
  const i = r.motor_current ?? Number.NaN;
  if (Number.isNaN(f) && Number.isNaN(i)) return null;
  return isStopped(f, i, stopCurrentA) ? 'stopped' : 'running';
}

/**
 * The transitions in `readings` (sorted by ts). `previous` is the state of the last known reading before
 * them, when there is one: a transition into the first reading is then reported too.
 */
export function detectRunEvents(
  readings: readonly Reading[],
  stopCurrentA: number,
  previous: RunState | null = null,
): { events: DetectedRunEvent[]; last: RunState | null } {
  const events: DetectedRunEvent[] = [];
  let state = previous;
  for (const r of readings) {
    const s = runState(r, stopCurrentA);
    if (s === null || s === state) continue;
    if (state !== null) events.push({ type: s === 'stopped' ? 'trip' : 'start', at: r.ts });
    state = s;
  }
  return { events, last: state };
}
