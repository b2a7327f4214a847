// Detected trips and restarts: every committed batch is checked for running ⇄ stopped transitions and the
// well's detected events are kept equal to what the stored readings show, whatever order they arrived in.
//
// Live data (each batch newer than anything seen for the well) is judged in memory against the well's last
// state: no query unless a transition shows. Anything else (a backfill, a shuffled import, a re-sent batch,
// the first batch of a well since start) re-detects the window the batch touches from storage: from the last
// reading with a known state before the batch to the first one after it. The detected events in that window
// are replaced by what the readings now show, so an event seen at the edge of a partial history moves when
// the missing readings arrive, and a re-sent reading changes nothing.
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

interface WellRunState {
  /** Newest reading seen (ts) and its known state; null until loaded from storage. */
  lastTs: number;
  last: RunState | null;
  stopCurrentA: number;
  chain: Promise<void>;
  /** Re-detections queued or running: the in-memory state waits for them. */
  busy: number;
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
      let state = this.wells.get(wellId);
      if (!state) {
        state = { lastTs: Number.NEGATIVE_INFINITY, last: null, stopCurrentA: stopCurrentThreshold(null), chain: Promise.resolve(), busy: 0, loaded: false, thresholdKnown: false };
        this.wells.set(wellId, state);
      }
      const s = state;
      // In order and no transition, against a known last state: nothing to store.
      if (s.loaded && s.busy === 0 && list[0].ts > s.lastTs) {
        const { events, last } = detectRunEvents(list, s.stopCurrentA, s.last);
        if (!events.length) {
          s.lastTs = list[list.length - 1].ts;
          if (last !== null) s.last = last;
          continue;
        }
      }
      const from = list[0].ts;
      const to = list[list.length - 1].ts;
      s.busy++;
      s.chain = s.chain
        .then(() => this.reconcile(wellId, s, from, to))
        .catch((err) => this.log.error({ err, well_id: wellId }, 'could not record detected pump events'))
        .finally(() => void s.busy--);
      this.track(s.chain);
    }
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
