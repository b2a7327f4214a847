// Live, per-well diagnosis for the ingest path. O(1) work per reading (ring buffers, counters); the full
// signature match runs only every few decimated samples, on a bounded window, so a fleet of wells streams at
// hundreds of thousands of readings per second. Uses the same WindowState and evaluate() as diagnose().
import type { Diagnosis, DiagnosisCode } from '../domain/diagnosis.js';
import type { Reading } from '../domain/reading.js';
import type { WellNameplate } from '../domain/well.js';
import { baselineFromRows, healthyRow, type Baseline, type SampleRow } from './baseline.js';
import { CODE_INFO } from './codes.js';
import { evaluate, evaluateCode, plausibleBaseline } from './engine.js';
import { resolveWell, type WellParams } from './physics.js';
import { EngineScratch } from './scratch.js';
import { WindowState } from './window.js';

/** Evaluate after this many new decimated samples... */
export const EVAL_EVERY_SAMPLES = 12;
/** ...or after this much data time, whichever comes first. */
export const EVAL_MAX_GAP_MS = 10 * 60_000;
/** A new code must win this many consecutive evaluations before it is reported (anti-flapping). */
export const CONFIRM_EVALS = 2;
/** ...and keep winning for this much data time (persistence, like the window itself). */
export const CONFIRM_MIN_MS = 30 * 60_000;
/**
 * Recovery (a fault clearing back to NORMAL) is confirmed after this much data time instead of CONFIRM_MIN_MS,
 * unless the well has been flapping (FLAP_CHANGES reported changes within FLAP_WINDOW_MS): a valve reopened or a
 * motor cooling back should not keep the old fault on screen for another half hour.
 */
export const RECOVERY_MIN_MS = 10 * 60_000;
/**
 * Critical acute faults (a broken shaft, a deadheaded pump, gas lock) harm the equipment within minutes: once the
 * recent window shows the signature, they are confirmed after this much data time (still CONFIRM_EVALS wins).
 */
export const ACUTE_MIN_MS = 5 * 60_000;
const ACUTE_CODES: ReadonlySet<DiagnosisCode> = new Set(['BROKEN_SHAFT', 'CLOSED_VALVE', 'GAS_LOCK']);
/**
 * "Abnormal, no signature" is often a fault still developing: it is reported only after this long, which gives
 * the signature time to emerge (one alarm per incident rather than UNKNOWN then the fault).
 */
export const UNKNOWN_MIN_MS = 60 * 60_000;
/** While a change is pending, evaluate this often (samples or data time) so confirmation is not delayed. */
export const EVAL_PENDING_SAMPLES = 3;
export const EVAL_PENDING_GAP_MS = 3 * 60_000;
export const FLAP_WINDOW_MS = 6 * 3_600_000;
export const FLAP_CHANGES = 2;
/**
 * current() rebuilds the evidence of an unchanged code at most this often (data time): callers that ask after
 * every ingest batch would otherwise force a full evidence build after every routine evaluation. The code itself
 * is always current (a change is built and reported at once); only values and notes may be this much older, and
 * the diagnosis' ts says when they were taken.
 */
export const EVIDENCE_REFRESH_MS = 15 * 60_000;
/** Incremental baseline: learn once this much healthy running data has been seen. */
export const LEARN_MIN_ROWS = 12;
export const LEARN_MIN_SPAN_MS = 2 * 3_600_000;
/** The provisional baseline is refined once a full day of healthy data has been seen (operator speeds vary). */
export const LEARN_FULL_SPAN_MS = 24 * 3_600_000;
const LEARN_MAX_ROWS = 512;

export interface DiagnosisStreamOptions {
  baseline?: Baseline | null;
  /** Working buffers for this stream's evaluations; default: the set shared by every stream (see below). */
  scratch?: EngineScratch;
}

/**
 * Streams evaluate one at a time (the engine is synchronous and keeps nothing in these buffers between calls), so
 * by default they share one set: a set per stream costs ~5 KB per well and slowed the fleet streaming benchmark
 * by about a quarter (cold buffers, thousands of extra typed arrays for the GC).
 */
const SHARED_SCRATCH = new EngineScratch();

const SEVERITY_RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** An abnormal code being replaced by a more specific or more severe one (not a return to health). */
function refines(from: DiagnosisCode, to: DiagnosisCode): boolean {
  if (from === 'NORMAL' || from === 'SHUT_DOWN' || to === 'NORMAL' || to === 'SHUT_DOWN') return false;
  if (from === 'UNKNOWN' || from === 'LOW_FLOW') return true;
  return SEVERITY_RANK[CODE_INFO[to].severity] > SEVERITY_RANK[CODE_INFO[from].severity];
}

export class DiagnosisStream {
  private p: WellParams;
  private w: WindowState;
  private b: Baseline | null;
  private cur: Diagnosis | null = null;
  /** The confirmed code (cur's code); cur's evidence may be older than the last routine evaluation. */
  private curCode: DiagnosisCode | null = null;
  /** A routine (code-only) evaluation confirmed curCode since cur was built: refresh cur lazily in current(). */
  private stale = false;
  /** Data times of the last reported code changes (state edges excluded), newest last. */
  private changes: number[] = [];
  private learnedAt = 0;
  private pendingCode: DiagnosisCode | null = null;
  private pendingCount = 0;
  private pendingSince = 0;
  private learning: boolean;
  private sinceEval = 0;
  private lastEvalTs = -Infinity;
  private learnRows: SampleRow[] = [];
  private readonly scratch: EngineScratch;

  constructor(well: Partial<WellNameplate>, opts: DiagnosisStreamOptions = {}) {
    this.p = resolveWell(well);
    this.w = new WindowState(this.p);
    this.b = opts.baseline ?? null;
    this.scratch = opts.scratch ?? SHARED_SCRATCH;
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
    const pending = this.pendingCode !== null;
    const everySamples = pending ? EVAL_PENDING_SAMPLES : EVAL_EVERY_SAMPLES;
    const maxGap = pending ? EVAL_PENDING_GAP_MS : EVAL_MAX_GAP_MS;
    if (stateChanged || (accepted && (this.sinceEval >= everySamples || r.ts - this.lastEvalTs >= maxGap))) {
      return this.evaluateNow(stateChanged);
    }
    return null;
  }

  private learn(): void {
    const w = this.w;
    const s = w.ringIndex(0);
    // Only settled, running, plausibly healthy data while the well is judged normal.
    if (w.ringFlag[s] !== 3 || (this.cur !== null && this.cur.diagnosis !== 'NORMAL')) return;
    if (!healthyRow(this.p, w.ringVal.subarray(s * 9, s * 9 + 9))) return;
    const v = w.ringVal.slice(s * 9, s * 9 + 9);
    let rows = this.learnRows;
    rows.push({ ts: w.ringTs[s], v });
    if (rows.length > LEARN_MAX_ROWS) {
      rows = this.learnRows = rows.filter((_, k) => k % 2 === 0);
      this.learnedAt = rows.length;
    }
    const span = rows[rows.length - 1].ts - rows[0].ts;
    // Provisional baseline after 2 h, final after a day; in between refined when the row count has grown by a
    // quarter (amortised O(1) per reading instead of a full recomputation every LEARN_MIN_ROWS rows).
    const grown = rows.length >= Math.max(this.learnedAt + LEARN_MIN_ROWS, 1.25 * this.learnedAt);
    if (rows.length >= LEARN_MIN_ROWS && span >= LEARN_MIN_SPAN_MS && (this.b === null || span >= LEARN_FULL_SPAN_MS || grown)) {
      this.learnedAt = rows.length;
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
    const w = this.w;
    this.lastEvalTs = w.lastTs;
    if (this.curCode === null) return this.confirm(evaluate(w, this.p, this.b, this.scratch), false);
    // Routine evaluations only pick the code (no evidence, no strings); the full diagnosis is built on a change.
    const code = evaluateCode(w, this.p, this.b, this.scratch);
    const curCode = this.curCode;
    if (code === curCode) {
      this.stale = true; // same code: evidence and ts are refreshed lazily by current()
      this.pendingCode = null;
      this.pendingCount = 0;
      return null;
    }
    // Persistence is measured from the first evaluation that disagreed with the confirmed code (pendingSince),
    // so a fault whose best-matching code alternates while it develops (LOW_FLOW ↔ PUMP_OFF, UNKNOWN ↔ a
    // signature) is still reported once it has lasted; the reported code must win CONFIRM_EVALS in a row.
    if (this.pendingCode === null) this.pendingSince = w.lastTs;
    if (this.pendingCode === code) this.pendingCount++;
    else {
      this.pendingCode = code;
      this.pendingCount = 1;
    }
    // Stops and starts are unambiguous (drive at 0 Hz and 0 A): report them at once.
    const isStateEdge = immediate && (code === 'SHUT_DOWN' || curCode === 'SHUT_DOWN');
    // Recovery to NORMAL, and refining an already reported abnormality (UNKNOWN / LOW_FLOW → a signature, or a
    // more severe code), need a shorter hold, unless the well has been flapping.
    const since = w.lastTs - FLAP_WINDOW_MS;
    let recent = 0;
    for (const t of this.changes) if (t > since) recent++;
    const quick = recent < FLAP_CHANGES && (code === 'NORMAL' || refines(curCode, code));
    const holdMs = ACUTE_CODES.has(code)
      ? ACUTE_MIN_MS
      : quick
        ? RECOVERY_MIN_MS
        : code === 'UNKNOWN'
          ? UNKNOWN_MIN_MS
          : CONFIRM_MIN_MS;
    const held = this.pendingCount >= CONFIRM_EVALS && w.lastTs - this.pendingSince >= holdMs;
    if (held || isStateEdge) return this.confirm(evaluate(w, this.p, this.b, this.scratch), isStateEdge);
    return null;
  }

  private confirm(d: Diagnosis, stateEdge: boolean): Diagnosis {
    if (this.curCode !== null && !stateEdge) {
      this.changes.push(this.w.lastTs);
      if (this.changes.length > 8) this.changes.shift();
    }
    this.cur = d;
    this.curCode = d.diagnosis;
    this.stale = false;
    this.pendingCode = null;
    this.pendingCount = 0;
    return d;
  }

  /**
   * The confirmed diagnosis (evaluates once if nothing has been judged yet). `now` is the reported ts while the
   * stream has seen no readings (the engine reads no clock).
   */
  current(now?: number): Diagnosis {
    if (this.cur === null) {
      this.cur = evaluate(this.w, this.p, this.b, this.scratch, now);
      this.curCode = this.cur.diagnosis;
    } else if (this.stale && this.w.lastTs - this.cur.ts >= EVIDENCE_REFRESH_MS) {
      // Refresh evidence and ts for the confirmed code (a newer evaluation with another code stays pending).
      const d = evaluate(this.w, this.p, this.b, this.scratch);
      if (d.diagnosis === this.curCode) this.cur = d;
      this.stale = false;
    }
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
