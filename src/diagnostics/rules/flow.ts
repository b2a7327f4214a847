// Hydraulic faults: the pump or the flow path, read mainly from normalised flow, PIP and current
// (ESP-DIAGNOSTICS.md §4 rows PUMP_OFF, BROKEN_SHAFT, CLOSED_VALVE, TUBING_LEAK, PUMP_WEAR, SCALE, LOW_FLOW).
import type { Signature } from './signature.js';

export const FLOW_SIGNATURES: Signature[] = [
  {
    // Inflow cannot keep up: PIP drains toward zero, flow and current decline smoothly, GOR normal.
    code: 'PUMP_OFF',
    keys: [
      // PIP draining toward zero is what defines pump-off: without a PIP gauge it cannot be told from a deadhead.
      { f: 'pip_to_zero', w: 2.5, required: true },
      { f: 'flow_drop_strong', w: 2 },
      { f: 'current_smooth_decline', w: 1 },
    ],
    support: [
      { f: 'gor_normal', w: 1 },
      { f: 'not_erratic', w: 1 },
      { f: 'not_gas_strong', w: 0.7 },
      { f: 'temp_up', w: 0.5 },
    ],
  },
  {
    // Motor spins free: current at no-load level and flat, no flow, torque ~0, motor does not heat.
    code: 'BROKEN_SHAFT',
    keys: [
      { f: 'current_noload', w: 3 },
      { f: 'flow_gone', w: 2 },
    ],
    support: [
      { f: 'torque_near_zero', w: 1.5 },
      { f: 'temp_not_up', w: 1 },
      { f: 'current_steady', w: 0.7 },
      { f: 'pip_up', w: 0.5 },
      { f: 'not_gas_strong', w: 0.5 },
    ],
  },
  {
    // Deadhead: no flow but the pump still loads the motor (current −15–30 %, well above no-load); heats fast.
    code: 'CLOSED_VALVE',
    keys: [
      { f: 'flow_gone', w: 2 },
      { f: 'current_drop_cv', w: 2 },
      { f: 'temp_rise', w: 1 },
    ],
    support: [
      { f: 'not_noload', w: 1 },
      { f: 'pip_up', w: 1 },
      { f: 'current_steady', w: 0.5 },
      { f: 'not_gas_strong', w: 0.7 },
    ],
  },
  {
    // Recirculation through a hole: surface flow steps down 20–50 %, PIP up 5–20 %, amps unchanged.
    code: 'TUBING_LEAK',
    keys: [
      { f: 'flow_drop_step', w: 2 },
      { f: 'pip_up_leak', w: 1.5 },
      { f: 'current_normal', w: 1, steady: true },
      // "acute, step": a loss that built up over days to weeks is wear or scale, whatever PIP does.
      { f: 'not_slow', w: 1, steady: true },
    ],
    support: [
      { f: 'change_step', w: 1.5 },
      { f: 'vib_normal', w: 1 },
      { f: 'temp_normal', w: 0.5 },
      { f: 'gor_normal', w: 0.5 },
      { f: 'fvar_normal', w: 0.5 },
    ],
  },
  {
    // Worn stages: head (normalised flow) lost over weeks, PIP creeps up, vibration rises, amps not up.
    code: 'PUMP_WEAR',
    keys: [
      { f: 'flow_drop_slow', w: 2 },
      { f: 'wear_sign', w: 1.5 },
      { f: 'current_not_up', w: 1, steady: true },
    ],
    support: [
      { f: 'change_slow', w: 1 },
      { f: 'vib_up', w: 1 },
      { f: 'pip_up', w: 0.7 },
      { f: 'not_step', w: 0.5 },
      { f: 'gor_normal', w: 0.3 },
    ],
  },
  {
    // Deposits: flow lost over weeks while current and torque creep up (friction); vibration unchanged.
    code: 'SCALE',
    keys: [
      { f: 'flow_drop_slow', w: 2 },
      { f: 'current_up_creep', w: 2 },
    ],
    support: [
      { f: 'change_slow', w: 1 },
      { f: 'torque_up', w: 1 },
      { f: 'vib_normal', w: 0.7 },
      { f: 'not_over', w: 0.5 },
      { f: 'current_steady', w: 0.5 },
    ],
  },
  {
    // A state, not an event: normalised flow below the recommended minimum with nothing else wrong.
    code: 'LOW_FLOW',
    // (A state: reported only when no event signature explains the low flow, see STATE_CODES in engine.ts.)
    keys: [{ f: 'flow_below_min', w: 3 }],
    support: [
      { f: 'flow_not_gone', w: 1.5 },
      { f: 'current_steady', w: 1 },
      { f: 'pip_not_up', w: 1 },
      { f: 'not_pip_zero', w: 1.5 }, // a draining intake is pump-off, not a sizing state
      { f: 'flow_normal', w: 1 }, // a state: flow at the well's usual (low) level, not a fresh loss
      { f: 'not_step', w: 1 },
      { f: 'vib_normal', w: 0.5 },
      { f: 'fvar_normal', w: 0.5 },
    ],
  },
];
