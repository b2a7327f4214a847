// Free gas at the intake (ESP-DIAGNOSTICS.md §3 "Gas", §4 rows GAS_LOCK, GAS_INTERFERENCE).
import type { Signature } from './signature.js';

export const GAS_SIGNATURES: Signature[] = [
  {
    // Pump full of gas: no lift. Current falls toward no-load and cycles; GOR and flow variance very high.
    code: 'GAS_LOCK',
    keys: [
      { f: 'flow_gone', w: 2 },
      { f: 'gas_strong', w: 2 },
      { f: 'current_gl', w: 1.5 },
    ],
    support: [
      { f: 'current_erratic', w: 1 },
      { f: 'temp_rise', w: 1 },
      { f: 'pip_fluct', w: 0.5 },
      { f: 'not_pip_zero', w: 0.7 }, // pump-off drains PIP to zero; gas lock does not
      { f: 'gor_up_strong', w: 0.5 },
      { f: 'fvar_very_high', w: 0.5 },
    ],
  },
  {
    // Degraded but still producing: flow −10–30 %, current −5–15 % and ragged, PIP near/below bubble point.
    code: 'GAS_INTERFERENCE',
    keys: [
      { f: 'flow_drop_gi', w: 2 },
      { f: 'gas_any', w: 2 },
      { f: 'current_gi', w: 1 },
    ],
    support: [
      { f: 'flow_not_gone', w: 1.5 },
      { f: 'not_gas_strong', w: 0.5 },
      { f: 'pip_below_bubble', w: 1 },
      { f: 'current_erratic', w: 1 },
      { f: 'gor_up', w: 1 },
      { f: 'fvar_up', w: 1 },
      { f: 'not_pip_zero', w: 0.5 },
      { f: 'temp_up', w: 0.3 },
    ],
  },
];
