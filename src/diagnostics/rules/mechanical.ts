// Mechanical condition read from vibration, current and torque texture
// (ESP-DIAGNOSTICS.md §4 rows SAND_PRODUCTION, HIGH_VIBRATION; "sand vs high vibration").
import type { Signature } from './signature.js';

export const MECHANICAL_SIGNATURES: Signature[] = [
  {
    // Solids through the stages: vibration up and spiky AND current/torque erratic.
    code: 'SAND_PRODUCTION',
    keys: [
      { f: 'vib_up', w: 1.5 },
      { f: 'vib_spiky', w: 1 },
      { f: 'current_irregular', w: 2 },
    ],
    support: [
      { f: 'torque_spiky', w: 1 },
      { f: 'flow_erratic', w: 1 },
      { f: 'flow_not_gone', w: 1 },
      { f: 'not_gas_strong', w: 0.7 },
    ],
  },
  {
    // Plain mechanical vibration (bearings, alignment): above limit or several × baseline, current steady.
    code: 'HIGH_VIBRATION',
    keys: [{ f: 'vib_high', w: 3 }],
    support: [
      { f: 'current_steady', w: 1.5 },
      { f: 'current_normal', w: 1 },
      { f: 'flow_normal', w: 0.5 },
      { f: 'vib_steady', w: 0.5 },
    ],
  },
];
