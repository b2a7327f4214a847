// Live, per-well diagnosis for the ingest path. O(1) work per reading (ring buffers, counters); the full
// signature match runs only every few decimated samples, on a bounded window, so a fleet of wells streams at
// hundreds of thousands of readings per second. Uses the same WindowState and evaluate() as diagnose().
import type { Diagnosis, DiagnosisCode } from '../domain/diagnosis.js';
import type { Reading } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import { baselineFromRows, healthyRow, type Baseline, type SampleRow } from './baseline.js';
import { evaluate, plausibleBaseline } from './engine.js';
import { resolveWell, type WellParams } from './physics.js';
import { WindowState } from './window.js';

/** Evaluate after this many new decimated samples... */
export const EVAL_EVERY_SAMPLES = 12;
/** ...or after this much data time, whichever comes first. */
export const EVAL_MAX_GAP_MS = 10 * 60_000;
/** A new code must win this many consecutive evaluations before it is reported (anti-flapping). */
export const CONFIRM_EVALS = 2;
/** ...and keep winning for this much data time (persistence, like the window itself). */
export const CONFIRM_MIN_MS = 30 * 60_000;
/** Incremental baseline: learn once this much healthy running data has been seen. */
export const LEARN_MIN_ROWS = 12;
export const LEARN_MIN_SPAN_MS = 2 * 3_600_000;
/** The provisional baseline is refined once a full day of healthy data has been seen (operator speeds vary). */
export const LEARN_FULL_SPAN_MS = 24 * 3_600_000;
const LEARN_MAX_ROWS = 512;

export interface DiagnosisStreamOptions {
  baseline?: Baseline | null;
}

export class DiagnosisStream {
  private p: WellParams;
  private w: WindowState;
  private b: Baseline | null;
  private cur: Diagnosis | null = null;
  private pendingCode: DiagnosisCode | null = null;
  private pendingCount = 0;
  private pendingSince = 0;
  private learning: boolean;
  private sinceEval = 0;
  private lastEvalTs = -Infinity;
  private learnRows: SampleRow[] = [];

  constructor(well: Partial<WellNameplate>, opts: DiagnosisStreamOptions = {}) {
    this.p = resolveWell(well);
    this.w = new WindowState(this.p);
    this.b = opts.baseline ?? null;
    this.learning = this.b === null;
  }

  /** Feed one reading. Returns a diagnosis only when the well's (confirmed) code changes. */
  push(r: Reading): Diagnosis | null {
    const w = this.w;
    if (!(r.ts > w.lastTs)) return null; // out of order or duplicate: never rewrite live state
    const wasRunning = w.running;
    const head = w.ringHead;
    const size = w.ringSize;
    w.push(r);
    const accepted = w.ringHead !== head || w.ringSize !== size;
    const stateChanged = wasRunning !== w.running || w.count === 1;
    if (accepted) {
      if (this.learning) this.learn();
      this.sinceEval++;
    }
    if (stateChanged || (accepted && (this.sinceEval >= EVAL_EVERY_SAMPLES || r.ts - this.lastEvalTs >= EVAL_MAX_GAP_MS))) {
      return this.evaluateNow(stateChanged);
    }
    return null;
  }

  private learn(): void {
    const w = this.w;
    const s = w.ringIndex(0);
    // Only settled, running, plausibly healthy data while the well is judged normal.
    if (w.ringFlag[s] !== 3 || (this.cur !== null && this.cur.diagnosis !== 'NORMAL')) return;
    const v = w.ringVal.slice(s * 9, s * 9 + 9);
    if (!healthyRow(this.p, v)) return;
    const rows = this.learnRows;
    rows.push({ ts: w.ringTs[s], v });
    if (rows.length > LEARN_MAX_ROWS) this.learnRows = rows.filter((_, k) => k % 2 === 0);
    const span = rows[rows.length - 1].ts - rows[0].ts;
    // Provisional baseline after 2 h, final after a day; recomputed at most every LEARN_MIN_ROWS new rows.
    if (rows.length >= LEARN_MIN_ROWS && span >= LEARN_MIN_SPAN_MS && (this.b === null || span >= LEARN_FULL_SPAN_MS || rows.length % LEARN_MIN_ROWS === 0)) {
      const b = baselineFromRows(this.p, this.learnRows);
      if (b) this.b = plausibleBaseline(b, this.p);
      if (b && span >= LEARN_FULL_SPAN_MS) {
        this.learning = false;
        this.learnRows = [];
      }
    }
  }

  private evaluateNow(immediate: boolean): Diagnosis | null {
    this.sinceEval = 0;
    this.lastEvalTs = this.w.lastTs;
    const d = evaluate(this.w, this.p, this.b);
    const cur = this.cur;
    if (cur === null) {
      this.cur = d;
      return d;
    }
    if (d.diagnosis === cur.diagnosis) {
      this.cur = d; // same code: refresh evidence and ts silently
      this.pendingCode = null;
      this.pendingCount = 0;
      return null;
    }
    if (this.pendingCode === d.diagnosis) this.pendingCount++;
    else {
      this.pendingCode = d.diagnosis;
      this.pendingCount = 1;
      this.pendingSince = this.w.lastTs;
    }
    // Stops and starts are unambiguous (drive at 0 Hz and 0 A): report them at once.
    const isStateEdge = immediate && (d.diagnosis === 'SHUT_DOWN' || cur.diagnosis === 'SHUT_DOWN');
    const held = this.pendingCount >= CONFIRM_EVALS && this.w.lastTs - this.pendingSince >= CONFIRM_MIN_MS;
    if (held || isStateEdge) {
      this.cur = d;
      this.pendingCode = null;
      this.pendingCount = 0;
      return d;
    }
    return null;
  }

  /** The confirmed diagnosis (evaluates once if nothing has been judged yet). */
  current(): Diagnosis {
    if (this.cur === null) this.cur = evaluate(this.w, this.p, this.b, Date.now());
    return this.cur;
  }

  updateWell(well: Partial<WellNameplate>): void {
    this.p = resolveWell(well);
    this.w.setParams(this.p);
  }

  baseline(): Baseline | null {
    return this.b;
  }
}
