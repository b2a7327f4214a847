// Live events for the dashboard (Server-Sent Events). Readings are coalesced per well and flushed once a
// second so a busy fleet does not flood browsers; diagnoses and alarms go out at once.
import type { Alarm } from '../domain/alarm.js';
import type { Reading } from '../domain/reading.js';

export type LiveEvent =
  | { type: 'reading'; data: Record<string, unknown> }
  | { type: 'diagnosis'; data: Record<string, unknown> }
  | { type: 'alarm'; data: Alarm };

export type Subscriber = (event: LiveEvent) => void;

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private pendingReadings = new Map<string, Reading>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly presentReading: (r: Reading) => Record<string, unknown>,
    private readonly flushMs = 1000,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(event: LiveEvent): void {
    for (const s of this.subscribers) s(event);
  }

  /** Keeps the newest reading per well until the next flush. */
  readings(readings: Reading[]): void {
    if (!this.subscribers.size) return;
    for (const r of readings) {
      const prev = this.pendingReadings.get(r.well_id);
      if (!prev || prev.ts < r.ts) this.pendingReadings.set(r.well_id, r);
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  private flush(): void {
    this.timer = null;
    const pending = this.pendingReadings;
    this.pendingReadings = new Map();
    for (const r of pending.values()) this.publish({ type: 'reading', data: this.presentReading(r) });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscribers.clear();
  }
}
