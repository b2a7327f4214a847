// Incremental per-well state shared by the batch engine and the stream, so both judge exactly the same data:
// run/stop state machine, start log, a decimated ring of recent samples, flat-line trackers and coarse history
// buckets for trend (step vs slow) analysis. Every push is O(1).
import type { Channel, Reading } from '../domain/reading.js';
import { flowAtBase, isStopped, MIN_NORMALISABLE_HZ, stopCurrentThreshold, type WellParams } from './physics.js';

export const CH_FIELDS: readonly Channel[] = [
  'vsd_frequency',
  'flow_rate',
  'pip',
  'motor_current',
  'motor_temp',
  'vibration',
  'flow_variance',
  'torque',
  'gor',
];
export const NCH = 9;
export const F = 0, Q = 1, P = 2, I = 3, T = 4, V = 5, FV = 6, TQ = 7, G = 8;

const MIN = 60_000;
const HOUR = 3_600_000;
/** Start-up transients (inrush, pressure settling) are not judged: skip this long after an observed start. */
export const SETTLE_MS = 10 * MIN;
/** Persistence: a condition must hold over at least this span AND RECENT_MIN_SAMPLES samples. */
export const RECENT_SPAN_MS = 15 * MIN;
export const RECENT_MIN_SAMPLES = 5;
export const RECENT_MAX_SAMPLES = 40;
export const RING_CAPACITY = 256;
/**
 * Fast data (1 s) is decimated so the ring covers the persistence span with bounded memory and work: at most one
 * sample every 45 s (20 in the recent window, 256 in the ring: over 3 h).
 */
export const RING_MIN_GAP_MS = 45_000;
/** Trend buckets: 2 h means over 42 days, enough to tell a step from a weeks-long decline. */
export const BUCKET_MS = 2 * HOUR;
export const N_BUCKETS = 504;
export const FLAT_MIN_SAMPLES = 8;
export const FLAT_MIN_SPAN_MS = 30 * MIN;
export const FLAG_RUNNING = 1;
export const FLAG_SETTLED = 2;

export function readingValue(r: Reading, c: number): number {
  const v = r[CH_FIELDS[c]];
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

function num(x: number | null | undefined): number {
  return typeof x === 'number' && x === x && x !== Infinity && x !== -Infinity ? x : NaN;
}

export class WindowState {
  params: WellParams;
  fb: number;
  stopCurrentA: number;

  count = 0;
  firstTs = NaN;
  lastTs = -Infinity;
  readonly last = new Float64Array(NCH).fill(NaN);
  running = false;
  /** ts of the first running sample of the current run. */
  runningSince = NaN;
  /** True when the run's start was seen in the data (the window did not begin mid-run). */
  startObserved = false;
  stoppedSince = NaN;
  everStopped = false;
  /** Timestamps of observed starts (stopped → running), newest last, bounded. */
  starts: number[] = [];
  /** Highest current seen on the first running sample after a start (inrush, if sampled fast enough). */
  lastStartCurrent = NaN;

  // Ring of decimated samples (struct of arrays).
  readonly ringTs = new Float64Array(RING_CAPACITY);
  readonly ringVal = new Float64Array(RING_CAPACITY * NCH);
  readonly ringFlag = new Uint8Array(RING_CAPACITY);
  ringHead = 0; // next write slot
  ringSize = 0;
  private lastRingTs = -Infinity;
  private lastRingFlag = -1;

  // Flat-line trackers (running samples only).
  readonly flatCount = new Int32Array(NCH);
  readonly flatSince = new Float64Array(NCH);
  readonly flatVal = new Float64Array(NCH).fill(NaN);
  /** The channel has varied while running at some point (so a flat run is not just a constant-by-design value). */
  readonly varied = new Uint8Array(NCH);
  /** Consecutive running-sample pairs seen, and how many repeated the exact value (quantised gauges repeat often). */
  readonly pairN = new Float64Array(NCH);
  readonly pairEq = new Float64Array(NCH);

  // Trend buckets (settled running samples): sums of normalised flow and of the terms that make normalised
  // current linear in the no-load current (I·r and r with r = (fb/f)²), so no-load amps can be chosen later.
  readonly bucketId = new Float64Array(N_BUCKETS).fill(NaN);
  readonly bQSum = new Float64Array(N_BUCKETS);
  readonly bQN = new Float64Array(N_BUCKETS);
  readonly bIrSum = new Float64Array(N_BUCKETS);
  readonly bRSum = new Float64Array(N_BUCKETS);
  readonly bIN = new Float64Array(N_BUCKETS);

  constructor(params: WellParams) {
    this.params = params;
    this.fb = params.baseFrequencyHz;
    this.stopCurrentA = stopCurrentThreshold(params.ratedCurrentA);
  }

  setParams(params: WellParams): void {
    this.params = params;
    this.fb = params.baseFrequencyHz;
    this.stopCurrentA = stopCurrentThreshold(params.ratedCurrentA);
  }

  /** Feed one reading; the caller guarantees ts is strictly newer than anything pushed before. */
  push(r: Reading): void {
    const ts = r.ts;
    const v = this.last;
    // Unrolled (hot path): monomorphic property reads are much faster than keyed access.
    v[0] = num(r.vsd_frequency);
    v[1] = num(r.flow_rate);
    v[2] = num(r.pip);
    v[3] = num(r.motor_current);
    v[4] = num(r.motor_temp);
    v[5] = num(r.vibration);
    v[6] = num(r.flow_variance);
    v[7] = num(r.torque);
    v[8] = num(r.gor);
    if (this.count === 0) this.firstTs = ts;
    this.count++;
    this.lastTs = ts;

    const stopped = isStopped(v[F], v[I], this.stopCurrentA);
    const wasRunning = this.running;
    const first = this.count === 1;
    if (stopped) {
      if (wasRunning || first) this.stoppedSince = ts;
      this.running = false;
      this.everStopped = true;
      for (let c = 0; c < NCH; c++) this.flatCount[c] = 0;
    } else if (!wasRunning) {
      this.running = true;
      this.runningSince = ts;
      this.startObserved = !first;
      if (!first) {
        this.starts.push(ts);
        if (this.starts.length > 64) this.starts.shift();
        this.lastStartCurrent = v[I];
      }
    }
    const settled = this.running && (!this.startObserved || ts - this.runningSince >= SETTLE_MS);

    if (this.running) {
      for (let c = 0; c < NCH; c++) {
        const x = v[c];
        if (Number.isNaN(x)) {
          this.flatCount[c] = 0;
          continue;
        }
        if (this.flatCount[c] > 0) {
          this.pairN[c]++;
          if (x === this.flatVal[c]) this.pairEq[c]++;
        }
        if (this.flatCount[c] > 0 && x === this.flatVal[c]) this.flatCount[c]++;
        else {
          if (this.flatCount[c] > 0) this.varied[c] = 1;
          this.flatCount[c] = 1;
          this.flatSince[c] = ts;
          this.flatVal[c] = x;
        }
      }
    }

    if (settled) this.addToBucket(ts, v);

    const flag = (this.running ? FLAG_RUNNING : 0) | (settled ? FLAG_SETTLED : 0);
    if (ts - this.lastRingTs >= RING_MIN_GAP_MS || flag !== this.lastRingFlag) {
      const h = this.ringHead;
      this.ringTs[h] = ts;
      this.ringFlag[h] = flag;
      this.ringVal.set(v, h * NCH);
      this.ringHead = (h + 1) % RING_CAPACITY;
      if (this.ringSize < RING_CAPACITY) this.ringSize++;
      this.lastRingTs = ts;
      this.lastRingFlag = flag;
    }
  }

  private addToBucket(ts: number, v: Float64Array): void {
    const f = v[F];
    if (Number.isNaN(f) || f < MIN_NORMALISABLE_HZ) return;
    const b = Math.floor(ts / BUCKET_MS);
    const s = b % N_BUCKETS;
    if (this.bucketId[s] !== b) {
      this.bucketId[s] = b;
      this.bQSum[s] = 0;
      this.bQN[s] = 0;
      this.bIrSum[s] = 0;
      this.bRSum[s] = 0;
      this.bIN[s] = 0;
    }
    if (!Number.isNaN(v[Q])) {
      this.bQSum[s] += flowAtBase(v[Q], f, this.fb);
      this.bQN[s]++;
    }
    if (!Number.isNaN(v[I])) {
      const r = (this.fb / f) ** 2;
      this.bIrSum[s] += v[I] * r;
      this.bRSum[s] += r;
      this.bIN[s]++;
    }
  }

  /** Ring slot index of the k-th newest sample (k = 0 newest). */
  ringIndex(k: number): number {
    return (this.ringHead - 1 - k + RING_CAPACITY * 2) % RING_CAPACITY;
  }
}
