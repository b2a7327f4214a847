import { DRIVE_SIGNATURES } from './drive.js';
import { FLOW_SIGNATURES } from './flow.js';
import { GAS_SIGNATURES } from './gas.js';
import { MECHANICAL_SIGNATURES } from './mechanical.js';
import { MOTOR_SIGNATURES } from './motor.js';
import type { Signature } from './signature.js';

/** Every running-fault signature of ESP-DIAGNOSTICS.md §4 (states, patterns and data checks live apart). */
export const SIGNATURES: readonly Signature[] = [...GAS_SIGNATURES, ...FLOW_SIGNATURES, ...MOTOR_SIGNATURES, ...MECHANICAL_SIGNATURES, ...DRIVE_SIGNATURES];

export { scoreSignature, type Candidate, type Signature } from './signature.js';
export { sensorSuspects } from './data.js';
export { cycling, shutDown } from './state.js';
