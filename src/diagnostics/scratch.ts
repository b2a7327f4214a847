// Working buffers of one evaluation. The engine reuses them instead of allocating per evaluation (a stream
// evaluates thousands of times a second across a fleet); whoever evaluates owns a set and passes it in (a
// DiagnosisStream keeps one, diagnose() makes one per call), so there is no shared state between wells or callers.
import { NCH, RECENT_MAX_SAMPLES } from './window.js';

export class EngineScratch {
  /** Channels whose sensor is suspect in this evaluation (1 = masked). */
  readonly masked = new Uint8Array(NCH);
  /** sensorSuspects: per channel, recent samples seen and samples impossible or full scale. */
  readonly sensorSeen = new Int32Array(NCH);
  readonly sensorBad = new Int32Array(NCH);
  /** recentStats: the recent window's ring slots, newest first as collected. */
  readonly sampleSlots = new Int32Array(RECENT_MAX_SAMPLES);
  /** recentStats: each channel's normalised values in the recent window. */
  readonly columns: Float64Array[] = Array.from({ length: NCH }, () => new Float64Array(RECENT_MAX_SAMPLES));
  /** recentStats: raw (not normalised) motor current, and the drive frequency sequence. */
  readonly rawCurrent = new Float64Array(RECENT_MAX_SAMPLES);
  readonly frequencies = new Float64Array(RECENT_MAX_SAMPLES);
  /** Medians and MADs sort in place: values are copied here first. */
  readonly work = new Float64Array(RECENT_MAX_SAMPLES);
  /** stepResidual: one segment of the series. */
  readonly segment = new Float64Array(RECENT_MAX_SAMPLES);
  /** recentStats' per-channel results (a RecentStats refers to these until the next evaluation). */
  readonly median = new Float64Array(NCH);
  readonly cv = new Float64Array(NCH);
  readonly spike = new Float64Array(NCH);
  readonly count = new Int32Array(NCH);
}
