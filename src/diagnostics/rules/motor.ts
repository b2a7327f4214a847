// Motor thermal and electrical load (ESP-DIAGNOSTICS.md §3 "Cooling", §4 rows MOTOR_OVERHEAT, MOTOR_OVERLOAD).
import type { Signature } from './signature.js';

export const MOTOR_SIGNATURES: Signature[] = [
  {
    // Hot motor at normal amps: a cooling problem (low flow past the motor), not an electrical overload.
    code: 'MOTOR_OVERHEAT',
    keys: [{ f: 'temp_hot', w: 3 }],
    support: [
      { f: 'current_normal', w: 1 },
      { f: 'not_over', w: 1 },
      { f: 'flow_not_gone', w: 1 },
      { f: 'not_gas_strong', w: 0.5 },
    ],
  },
  {
    // Sustained amps above 110 % nameplate with flow held: heavier fluid or low voltage.
    code: 'MOTOR_OVERLOAD',
    keys: [{ f: 'current_over_nameplate', w: 3 }],
    support: [
      { f: 'flow_not_down', w: 1.5 },
      { f: 'temp_up', w: 1 },
      { f: 'torque_up', w: 1 },
      { f: 'current_steady', w: 0.5 },
    ],
  },
];
