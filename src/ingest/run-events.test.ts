import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ReadingsCommitted } from '../domain/events.js';
import type { Reading } from '../domain/reading.js';
import { detectRunEvents, stopCurrentThreshold } from '../diagnostics/run-events.js';
import { RecentStates, RunEventService } from './run-events.js';

const WELL = 'W-1';
const T0 = Date.UTC(2026, 0, 1);
const running = (ts: number) => ({ well_id: WELL, ts, vsd_frequency: 60, motor_current: 40 }) as Reading;
const stopped = (ts: number) => ({ well_id: WELL, ts, vsd_frequency: 0, motor_current: 0 }) as Reading;

/** Telemetry and detected events of one well in memory; the first history read waits for `release`. */
class MemoryStore {
  readonly readings: Reading[] = [];
  events: { type: string; at: number }[] = [];
  historyReads = 0;
  release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  store(batch: Reading[]): ReadingsCommitted {
    this.readings.push(...batch);
    this.readings.sort((a, b) => a.ts - b.ts);
    return new ReadingsCommitted(batch, batch.length, 1);
  }

  async getWell() {
    return null;
  }

  async recentHistory(_well: string, range: { from: number; to: number }, limit: number) {
    this.historyReads++;
    await this.gate;
    return this.readings.filter((r) => r.ts >= range.from && r.ts < range.to).slice(-limit);
  }

  async history(_well: string, range: { from: number; to: number }, limit: number, afterTs?: number) {
    this.historyReads++;
    await this.gate;
    return this.readings.filter((r) => r.ts >= range.from && r.ts < range.to && (afterTs === undefined || r.ts > afterTs)).slice(0, limit);
  }

  async replaceDetectedEvents(_well: string, after: number | null, through: number | null, events: { type: string; at: number }[]) {
    const inside = (at: number) => (after === null || at > after) && (through === null || at <= through);
    const kept = this.events.filter((e) => !inside(e.at));
    this.events = [...kept, ...events].sort((a, b) => a.at - b.at);
    return { inserted: [], deleted: 0 };
  }
}

describe('run-event service', () => {
  it('re-detects the batches committed during a re-detection together, then returns to the in-memory path', async () => {
    const store = new MemoryStore();
    const service = new RunEventService(store as never, pino({ level: 'silent' }));
    // The well's first batch since start: re-detected from storage (held at the gate).
    service.committed(store.store([running(T0)]));
    // Meanwhile 60 single readings arrive, a trip and a restart among them, some committed out of order.
    const later: Reading[] = [];
    for (let i = 1; i <= 60; i++) later.push(i >= 20 && i < 40 ? stopped(T0 + i * 1000) : running(T0 + i * 1000));
    const order = later.map((_, i) => i);
    for (let i = 0; i + 1 < order.length; i += 7) [order[i], order[i + 1]] = [order[i + 1], order[i]];
    for (const i of order) service.committed(store.store([later[i]]));
    store.release();
    await service.flush();

    // One re-detection for the first batch and one for everything that waited, not one per batch.
    expect(service.stats.reconciliations).toBe(2);
    const all = detectRunEvents(store.readings, stopCurrentThreshold(null)).events;
    expect(all.map((e) => e.type)).toEqual(['trip', 'start']);
    expect(store.events).toEqual(all);

    // Live again: an in-order batch without a transition costs no query.
    const reads = store.historyReads;
    service.committed(store.store([running(T0 + 61_000)]));
    await service.flush();
    expect(service.stats.reconciliations).toBe(2);
    expect(store.historyReads).toBe(reads);
  });

  it('keeps batches far apart in their own windows', async () => {
    const store = new MemoryStore();
    const service = new RunEventService(store as never, pino({ level: 'silent' }));
    service.committed(store.store([running(T0)]));
    // A backfill a week back (a trip in it) and live readings, both waiting for the first re-detection.
    service.committed(store.store([running(T0 + 10_000), stopped(T0 + 11_000)]));
    service.committed(store.store([running(T0 - 7 * 86_400_000), stopped(T0 - 7 * 86_400_000 + 1000), running(T0 - 7 * 86_400_000 + 2000)]));
    store.release();
    await service.flush();
    expect(service.stats.reconciliations).toBe(3);
    expect(store.events).toEqual(detectRunEvents(store.readings, stopCurrentThreshold(null)).events);
    expect(store.events.map((e) => e.type)).toEqual(['trip', 'start', 'trip']);
  });

  it('judges a batch slightly out of order in memory when it moves no transition, and re-detects it when it does', async () => {
    const store = new MemoryStore();
    store.release();
    const service = new RunEventService(store as never, pino({ level: 'silent' }));
    service.committed(store.store([running(T0)]));
    await service.flush();
    const reads = store.historyReads;
    // Pairs committed in swapped order, all running: no query.
    for (let i = 1; i < 40; i += 2) {
      service.committed(store.store([running(T0 + (i + 1) * 1000)]));
      service.committed(store.store([running(T0 + i * 1000)]));
    }
    await service.flush();
    expect(service.stats.reconciliations).toBe(1);
    expect(store.historyReads).toBe(reads);
    // A stopped reading landing late among running ones is a trip and a start: re-detected from storage.
    service.committed(store.store([stopped(T0 + 20_500)]));
    await service.flush();
    expect(service.stats.reconciliations).toBe(2);
    expect(store.events).toEqual([
      { type: 'trip', at: T0 + 20_500 },
      { type: 'start', at: T0 + 21_000 },
    ]);
    // A late running reading just before the trip moves nothing the data shows, but sits next to a
    // transition: re-detected too (the buffer only vouches for a batch inside a run of its own state).
    service.committed(store.store([running(T0 + 20_250)]));
    await service.flush();
    expect(service.stats.reconciliations).toBe(3);
    expect(store.events).toEqual(detectRunEvents(store.readings, stopCurrentThreshold(null)).events);
  });

  it('drops the waiting batches of a well forgotten (deleted) meanwhile', async () => {
    const store = new MemoryStore();
    const service = new RunEventService(store as never, pino({ level: 'silent' }));
    service.committed(store.store([running(T0)]));
    service.committed(store.store([stopped(T0 + 1000)]));
    const forgotten = service.forgetWell(WELL);
    store.release();
    await forgotten;
    await service.flush();
    expect(service.stats.reconciliations).toBe(1);
  });
});

describe('recent run states', () => {
  const threshold = stopCurrentThreshold(null);

  it('vouches only for a batch inside its span that lands among readings of its own state', () => {
    const recent = new RecentStates();
    recent.add([running(T0), running(T0 + 1000), stopped(T0 + 2000), stopped(T0 + 3000)], threshold);
    expect(recent.unchangedBy([running(T0 + 500)], threshold)).toBe(true);
    expect(recent.unchangedBy([stopped(T0 + 2500)], threshold)).toBe(true);
    expect(recent.unchangedBy([stopped(T0 + 500)], threshold)).toBe(false); // a new trip
    expect(recent.unchangedBy([running(T0 + 1500)], threshold)).toBe(false); // next to the trip
    expect(recent.unchangedBy([running(T0 - 500)], threshold)).toBe(false); // before the span
    expect(recent.unchangedBy([running(T0 + 500), running(T0 + 2500)], threshold)).toBe(false); // spans the trip
    expect(recent.unchangedBy([stopped(T0 + 3500)], threshold)).toBe(true); // past the end, same state
    expect(recent.unchangedBy([{ well_id: WELL, ts: T0 + 1500 } as Reading], threshold)).toBe(false); // next to the trip
  });

  it('merges out-of-order readings, keeps the newest entries, and takes storage\'s view of a range', () => {
    const recent = new RecentStates();
    const many = Array.from({ length: 100 }, (_, i) => running(T0 + i * 1000));
    recent.add(many, threshold);
    expect(recent.size).toBe(64);
    expect(recent.unchangedBy([running(T0 + 30_500)], threshold)).toBe(false); // trimmed away: before the span
    recent.add([running(T0 + 80_000), stopped(T0 + 80_500)], threshold);
    expect(recent.size).toBe(64);
    expect(recent.unchangedBy([running(T0 + 80_250)], threshold)).toBe(false);
    // Storage says [80 s, 81 s) holds only a running reading: the stopped one goes.
    recent.replace(T0 + 80_000, T0 + 81_000, [running(T0 + 80_000)], threshold);
    expect(recent.unchangedBy([running(T0 + 80_250)], threshold)).toBe(true);
    // A closed range before the span is ignored (a gap may lie between); an open one replaces from there on.
    recent.replace(T0 - 10_000, T0 - 5_000, [stopped(T0 - 7_000)], threshold);
    expect(recent.unchangedBy([running(T0 + 60_500)], threshold)).toBe(true);
    recent.replace(T0 + 90_000, Number.POSITIVE_INFINITY, [stopped(T0 + 90_000)], threshold);
    expect(recent.unchangedBy([running(T0 + 89_500)], threshold)).toBe(false);
    expect(recent.unchangedBy([stopped(T0 + 95_000)], threshold)).toBe(true);
  });
});
