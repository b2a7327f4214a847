import { describe, expect, it } from 'vitest';
import type { Reading } from '../domain/reading.js';
import { detectRunEvents, runState } from './run-events.js';

const r = (ts: number, f: number | null, i: number | null): Reading =>
  ({ well_id: 'W', ts, vsd_frequency: f, motor_current: i, flow_rate: null, pip: null, motor_temp: null, vibration: null, flow_variance: null, torque: null, gor: null }) as Reading;

describe('run state and transitions', () => {
  it('tells running from stopped by frequency and current; unknown without either', () => {
    expect(runState(r(0, 55, 40), 1)).toBe('running');
    expect(runState(r(0, 0, 0), 1)).toBe('stopped');
    expect(runState(r(0, null, 0.2), 1)).toBe('stopped');
    expect(runState(r(0, null, 30), 1)).toBe('running');
    // The drive still outputs frequency: running whatever the current says.
    expect(runState(r(0, 30, null), 1)).toBe('running');
    expect(runState(r(0, null, null), 1)).toBeNull();
  });

  it('reports a trip at the first stopped reading and a start at the first running one; unknown readings change nothing', () => {
    const rs = [r(1, 50, 40), r(2, null, null), r(3, 0, 0), r(4, 0, 0), r(5, null, null), r(6, 50, 40)];
    expect(detectRunEvents(rs, 1)).toEqual({ events: [{ type: 'trip', at: 3 }, { type: 'start', at: 6 }], last: 'running' });
  });

  it('uses the previous known state for a transition into the first reading', () => {
    expect(detectRunEvents([r(10, 0, 0)], 1, 'running').events).toEqual([{ type: 'trip', at: 10 }]);
    expect(detectRunEvents([r(10, 0, 0)], 1, null).events).toEqual([]);
    expect(detectRunEvents([r(10, 0, 0)], 1, 'stopped').events).toEqual([]);
  });
});
