// Detected trips and restarts: every committed batch is checked for running ⇄ stopped transitions and the
// well's detected events are kept equal to what the stored readings show, whatever order they arrived in.
//
// Live data (each batch newer than anything seen for the well) is judged in memory against the well's last
// state: no query unless a transition shows. So is a batch slightly out of order (under load the concurrent
// writers commit a well's readings a little out of order) when the well's recent states, kept in memory, show
// that it lands among readings of its own state and so moves no transition. Anything else (a backfill, a
// shuffled import, a re-sent batch, the first batch of a well since start) re-detects the window the batch
// touches from storage: from the last reading with a known state before the batch to the first one after it.
// The detected events in that window are replaced by what the readings now show, so an event seen at the edge
// of a partial history moves when the missing readings arrive, and a re-sent reading changes nothing.
//
// One re-detection at a time per well: batches committed meanwhile wait, and are then judged together (the
// live ones in memory, the rest in as few merged windows as their spread allows). Re-detecting each of them
// as it came would, under load, queue re-detections faster than they finish and keep the well off the
// in-memory path for good.
import type { Logger } from 'pino';
import type { ReadingsCommitted } from '../domain/events.js';
import type { Reading } from '../domain/reading.js';
import { detectRunEvents, runState, stopCurrentThreshold, type RunState } from '../diagnostics/run-events.js';
import type { PumpEventRepository, TelemetryRepository, WellRepository } from '../storage/repository.js';

/** Readings looked at on either side of a batch to find the neighbouring known state. */
const NEIGHBOURS = 32;
/** Readings of one window read per query. */
const PAGE = 50_000;
/** An open upper bound both stores parse (year 9999). */
const FAR_FUTURE = Date.UTC(9999, 0, 1);
/** Waiting batches closer than this are re-detected as one window (a wider gap costs its own queries). */
const MERGE_GAP_MS = 3_600_000;

/** Known states kept per well for judging out-of-order batches in memory. */
const RECENT = 64;

/**
 * The known run states of a well's newest readings, in time order. Every stored reading with a known state
 * from the first entry on is here (as far as this process has seen them), so a batch that falls inside the
 * span can be judged without storage.
 */
export class RecentStates {
  private ts: number[] = [];
  private states: RunState[] = [];

  get size(): number {
    return this.ts.length;
  }

  clear(): void {
    this.ts = [];
    this.states = [];
  }

  /** True when `readings` (in time order) start inside the span and add or remove no transition. */
  unchangedBy(readings: readonly Reading[], stopCurrentA: number): boolean {
    const from = readings[0].ts;
    const to = readings[readings.length - 1].ts;
    if (!this.ts.length || from <= this.ts[0]) return false;
    let i = this.indexOf(from);
    const around = this.states[i - 1];
    for (const r of readings) {
      const state = runState(r, stopCurrentA);
      if (state !== null && state !== around) return false;
    }
    for (; i < this.ts.length && this.ts[i] <= to; i++) if (this.states[i] !== around) return false;
    return i === this.ts.length || this.states[i] === around;
  }

  /** Adds the known states of `readings` (in time order); a timestamp already held takes the new state. */
  add(readings: readonly Reading[], stopCurrentA: number): void {
    const n = this.ts.length;
    if (!n || readings[0].ts > this.ts[n - 1]) {
      for (const r of readings) {
        const state = runState(r, stopCurrentA);
        if (state === null) continue;
        this.ts.push(r.ts);
        this.states.push(state);
      }
    } else this.merge(readings, stopCurrentA);
    this.trim();
  }

  /**
   * Storage's readings of [from, end) replace what is held there. An open end (storage's view up to the
   * present) always does; a closed range only where it meets the span (else a gap could lie between).
   */
  replace(from: number, end: number, readings: readonly Reading[], stopCurrentA: number): void {
    if (end !== Number.POSITIVE_INFINITY && (!this.ts.length || end <= this.ts[0])) return;
    const a = this.indexOf(from);
    const b = end === Number.POSITIVE_INFINITY ? this.ts.length : this.indexOf(end);
    this.ts.splice(a, b - a);
    this.states.splice(a, b - a);
    if (readings.length) this.merge(readings, stopCurrentA);
    this.trim();
  }

  /** Merges readings (in time order) into the held entries in one pass. */
  private merge(readings: readonly Reading[], stopCurrentA: number): void {
    const ts: number[] = [];
    const states: RunState[] = [];
    let i = 0;
    for (const r of readings) {
      const state = runState(r, stopCurrentA);
      if (state === null) continue;
      while (i < this.ts.length && this.ts[i] < r.ts) {
        ts.push(this.ts[i]);
        states.push(this.states[i++]);
      }
      if (i < this.ts.length && this.ts[i] === r.ts) i++;
      if (ts.length && ts[ts.length - 1] === r.ts) states[states.length - 1] = state;
      else {
        ts.push(r.ts);
        states.push(state);
      }
    }
    for (; i < this.ts.length; i++) {
      ts.push(this.ts[i]);
      states.push(this.states[i]);
    }
    this.ts = ts;
    this.states = states;
  }

  /** The first index whose timestamp is ≥ ts. */
  private indexOf(ts: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private trim(): void {
    const extra = this.ts.length - RECENT;
    if (extra > 0) {
      this.ts.splice(0, extra);
      this.states.splice(0, extra);
    }
  }
}

interface Window {
  from: number;
  to: number;
}

/** Adds [from, to] to windows sorted by `from`, merging it with a window it overlaps or nearly touches. */
function addWindow(windows: Window[], from: number, to: number): void {
  for (const w of windows) {
    if (from <= w.to + MERGE_GAP_MS && to >= w.from - MERGE_GAP_MS) {
      w.from = Math.min(w.from, from);
      w.to = Math.max(w.to, to);
      return;
    }
  }
  windows.push({ from, to });
  windows.sort((a, b) => a.from - b.from);
}

interface WellRunState {
  /** Newest reading seen (ts) and its known state; null until loaded from storage. */
  lastTs: number;
  last: RunState | null;
  stopCurrentA: number;
  chain: Promise<void>;
  /** A re-detection is running: the in-memory state waits for it. */
  busy: boolean;
  /** Batches committed while busy, judged when it ends. */
  waiting: (readonly Reading[])[];
  recent: RecentStates;
  loaded: boolean;
  /** The stop threshold was read from the nameplate. */
  thresholdKnown: boolean;
}

export interface RunEventStats {
  /** Detected events added and removed (re-detection after out-of-order arrivals), by type. */
  added: Map<string, number>;
  removed: number;
  reconciliations: number;
}

export class RunEventService {
  private readonly wells = new Map<string, WellRunState>();
  private readonly pending = new Set<Promise<void>>();
  readonly stats: RunEventStats = { added: new Map(), removed: 0, reconciliations: 0 };

  constructor(
    private readonly repo: WellRepository & TelemetryRepository & PumpEventRepository,
    private readonly log: Logger,
  ) {}

  /** Called with every committed batch (synchronous part: the in-memory fast path). */
  committed(event: ReadingsCommitted): void {
    for (const [wellId, list] of event.byWell) {
      let s = this.wells.get(wellId);
      if (!s) {
        s = { lastTs: Number.NEGATIVE_INFINITY, last: null, stopCurrentA: stopCurrentThreshold(null), chain: Promise.resolve(), busy: false, waiting: [], recent: new RecentStates(), loaded: false, thresholdKnown: false };
        this.wells.set(wellId, s);
      }
      if (s.busy) s.waiting.push(list);
      else this.judge(wellId, s, [list]);
    }
  }

  /** Judges batches of one well (each in time order, the batches by their first reading) against its state. */
  private judge(wellId: string, s: WellRunState, lists: readonly (readonly Reading[])[]): void {
    const windows: Window[] = [];
    for (const list of lists) {
      if (!windows.length && s.loaded) {
        // In order and no transition, against a known last state: nothing to store.
        if (list[0].ts > s.lastTs) {
          const { events, last } = detectRunEvents(list, s.stopCurrentA, s.last);
          if (!events.length) {
            s.lastTs = list[list.length - 1].ts;
            if (last !== null) s.last = last;
            s.recent.add(list, s.stopCurrentA);
            continue;
          }
        } else if (s.recent.unchangedBy(list, s.stopCurrentA)) {
          // Out of order, among readings of its own state: no transition moves.
          s.recent.add(list, s.stopCurrentA);
          s.lastTs = Math.max(s.lastTs, list[list.length - 1].ts);
          continue;
        }
      }
      addWindow(windows, list[0].ts, list[list.length - 1].ts);
    }
    if (!windows.length) return;
    s.busy = true;
    s.chain = s.chain
      .then(async () => {
        for (const w of windows) await this.reconcile(wellId, s, w.from, w.to);
      })
      .catch((err) => this.log.error({ err, well_id: wellId }, 'could not record detected pump events'))
      .finally(() => {
        s.busy = false;
        const waiting = s.waiting;
        s.waiting = [];
        // A forgotten (deleted) well's late batches are dropped with it.
        if (waiting.length && this.wells.get(wellId) === s) this.judge(wellId, s, waiting.sort((a, b) => a[0].ts - b[0].ts));
      });
    this.track(s.chain);
  }

  /** Re-detects the events of the window around [from, to] from the stored readings. */
  private async reconcile(wellId: string, s: WellRunState, from: number, to: number): Promise<void> {
    this.stats.reconciliations++;
    if (!s.thresholdKnown) {
      const well = await this.repo.getWell(wellId);
      s.stopCurrentA = stopCurrentThreshold(well?.rated_current_a ?? null);
      s.thresholdKnown = true;
    }
    const known = (r: Reading) => runState(r, s.stopCurrentA) !== null;
    const before = (await this.repo.recentHistory(wellId, { from: 0, to: from }, NEIGHBOURS)).reverse().find(known) ?? null;
    const after = (await this.repo.history(wellId, { from: to + 1, to: FAR_FUTURE }, NEIGHBOURS)).find(known) ?? null;
    const window: Reading[] = [];
    const end = (after?.ts ?? to) + 1;
    for (let cursor: number | undefined; ; ) {
      const page = await this.repo.history(wellId, { from, to: end }, PAGE, cursor);
      window.push(...page);
      if (page.length < PAGE) break;
      cursor = page[page.length - 1].ts;
    }
    const previous = before ? runState(before, s.stopCurrentA) : null;
    const { events, last } = detectRunEvents(window, s.stopCurrentA, previous);
    const result = await this.repo.replaceDetectedEvents(wellId, before?.ts ?? null, after?.ts ?? null, events);
    this.stats.removed += result.deleted;
    for (const e of result.inserted) this.stats.added.set(e.type, (this.stats.added.get(e.type) ?? 0) + 1);
    s.recent.replace(from, after ? end : Number.POSITIVE_INFINITY, window, s.stopCurrentA);
    // With nothing stored after this window, its end is the well's last state (the in-memory path's start).
    if (!after) {
      const newest = window.length ? window[window.length - 1].ts : to;
      if (newest >= s.lastTs || !s.loaded) {
        s.lastTs = newest;
        s.last = last;
      }
      s.loaded = true;
    }
  }

  /** The well's nameplate changed (its rated current sets the stop threshold). */
  wellUpdated(wellId: string, ratedCurrentA: number | null): void {
    const s = this.wells.get(wellId);
    if (!s) return;
    s.stopCurrentA = stopCurrentThreshold(ratedCurrentA);
    s.thresholdKnown = true;
    s.recent.clear(); // its states were told with the old threshold
  }

  /** Forgets a well about to be deleted, after its pending writes. */
  async forgetWell(wellId: string): Promise<void> {
    const s = this.wells.get(wellId);
    this.wells.delete(wellId);
    if (s) await s.chain;
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for every reconciliation started so far (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
