// The drive (VSD): output frequency unstable without a commanded change, or below a useful minimum.
import type { Signature } from './signature.js';

export const DRIVE_SIGNATURES: Signature[] = [
  {
    code: 'VSD_ISSUE',
    keys: [{ f: 'vsd', w: 3 }],
    support: [
      // Flow and amps follow the frequency: after affinity normalisation they look normal.
      { f: 'flow_normal', w: 1 },
      { f: 'not_noload', w: 0.5 },
    ],
  },
];
