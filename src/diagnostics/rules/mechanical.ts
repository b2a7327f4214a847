// Mechanical condition read from vibration, current and torque texture
// (ESP-DIAGNOSTICS.md §4 rows SAND_PRODUCTION, HIGH_VIBRATION; "sand vs high vibration").
import type { Signature } from './signature.js';

export const MECHANICAL_SIGNATURES: Signature[] = [
  {
    // Solids through the stages: vibration up AND a texture: vibration spiky, or current / torque / flow erratic
    // ("sand vs high vibration": plain mechanical vibration is steady). At 15 min – 1 h sampling a handful of
    // point samples rarely catches a vibration spike, so any texture, judged against the well's own normal
    // scatter, is enough.
    code: 'SAND_PRODUCTION',
    keys: [
      // Without a vibration baseline, erratic amps alone cannot tell sand from gas or an unstable supply.
      { f: 'vib_up', w: 1.5, required: true },
      { f: 'mech_texture', w: 2 },
    ],
    support: [
      { f: 'vib_spiky', w: 0.7 },
      { f: 'current_irregular', w: 1 },
      { f: 'torque_spiky', w: 1 },
      { f: 'flow_erratic', w: 1 },
      { f: 'fvar_up', w: 0.5 },
      { f: 'flow_not_gone', w: 1 },
      { f: 'not_gas_strong', w: 0.7 },
      { f: 'not_gas_any', w: 0.7 },
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
