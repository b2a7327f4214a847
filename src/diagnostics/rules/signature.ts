// A fault signature is a row of the table in ESP-DIAGNOSTICS.md section 4, written as key features (what
// defines the fault) and support features (the rest of the row, incl. "how to tell the close ones apart").
import type { DiagnosisCode, Evidence } from '../../domain/diagnosis.js';
import type { Features } from '../features.js';

export interface Term {
  f: string;
  w: number;
  /** A "nothing changed" key (e.g. current steady): cannot make a signature fire on its own. */
  steady?: boolean;
  /** The signature cannot be told at all without this feature (its channel or baseline is absent): no score. */
  required?: boolean;
}

export interface Signature {
  code: DiagnosisCode;
  keys: Term[];
  support: Term[];
}

export interface Candidate {
  code: DiagnosisCode;
  score: number;
  evidence: Evidence[];
  /** Share of the key features that could be judged (channels present). */
  coverage: number;
}

/**
 * Score in [0,1]: weighted mean of key degrees, pulled down when any key is weak (a signature is a conjunction),
 * scaled by how well the rest of the row matches and by how many key channels were measured.
 */
const NO_EVIDENCE: Evidence[] = [];

export function scoreSignature(sig: Signature, fx: Features, lite = false): Candidate | null {
  let kw = 0;
  let kwAll = 0;
  let ks = 0;
  let kmin = 1;
  let abnormalKeys = 0;
  for (const t of sig.keys) {
    kwAll += t.w;
    const f = fx[t.f];
    if (!f) {
      if (t.required) return null;
      continue;
    }
    if (!t.steady) abnormalKeys++;
    kw += t.w;
    ks += t.w * f.d;
    if (f.d < kmin) kmin = f.d;
  }
  if (kw === 0 || abnormalKeys === 0) return null;
  const keyScore = (ks / kw) * (0.5 + 0.5 * kmin);
  let sw = 0;
  let ss = 0;
  for (const t of sig.support) {
    const f = fx[t.f];
    if (!f) continue;
    sw += t.w;
    ss += t.w * f.d;
  }
  const support = sw > 0 ? ss / sw : 0.5;
  const coverage = kw / kwAll;
  const score = keyScore * (0.6 + 0.4 * support) * (0.75 + 0.25 * coverage);
  if (lite) return { code: sig.code, score, evidence: NO_EVIDENCE, coverage };
  const evidence: Evidence[] = [];
  const seen = new Set<string>();
  const push = (name: string, isKey: boolean): void => {
    const f = fx[name];
    if (!f || (!isKey && f.d < 0.5)) return;
    const key = `${f.ev.rule}|${f.ev.channel}`;
    if (seen.has(key)) return;
    seen.add(key);
    evidence.push(f.ev);
  };
  for (const t of sig.keys) push(t.f, true);
  for (const t of sig.support) push(t.f, false);
  return { code: sig.code, score, evidence, coverage };
}
