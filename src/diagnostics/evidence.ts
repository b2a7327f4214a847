// Building evidence for features. The stream's routine evaluations only need the degrees to pick the code, so
// they use the lite maker, which builds no evidence objects or strings (they were ~20 % of stream time in GC);
// a full diagnosis uses the full one. Which one applies is passed along with each evaluation.
import type { Evidence } from '../domain/diagnosis.js';
import { round } from './stats.js';

/** Shared placeholder evidence of lite evaluations (never reported). */
export const DUMMY_EV: Evidence = Object.freeze({ channel: '', observed: null, rule: 'lite', note: '' }) as Evidence;

export class EvidenceMaker {
  constructor(readonly lite: boolean) {}

  /** Evidence for an observed value against its baseline and limit; the note is built only when reported. */
  of(channel: string, observed: number, baseline: number | null, limit: number | null, rule: string, note: () => string): Evidence {
    if (this.lite) return DUMMY_EV;
    const o: Evidence = { channel, observed: Number.isFinite(observed) ? round(observed, 3) : null, rule, note: note() };
    if (baseline !== null && Number.isFinite(baseline)) o.baseline = round(baseline, 3);
    if (limit !== null && Number.isFinite(limit)) o.limit = round(limit, 3);
    return o;
  }

  /** The same evidence under another rule name (and limit). */
  as(e: Evidence, rule: string, limit?: number): Evidence {
    if (this.lite) return DUMMY_EV;
    const o: Evidence = { ...e, rule };
    if (limit !== undefined) o.limit = round(limit, 3);
    return o;
  }

  /** Evidence built on demand (only when not lite). */
  build(make: () => Evidence): Evidence {
    return this.lite ? DUMMY_EV : make();
  }
}

export const FULL_EVIDENCE = new EvidenceMaker(false);
export const LITE_EVIDENCE = new EvidenceMaker(true);
