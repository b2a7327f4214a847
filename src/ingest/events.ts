// Live events for the dashboard (Server-Sent Events). Readings are coalesced per well and flushed once a
// second so a busy fleet does not flood browsers; diagnoses and alarms go out at once.
import type { Alarm } from '../domain/alarm.js';
import type { Reading } from '../domain/reading.js';

export type LiveEvent =
  | { type: 'reading'; data: Record<string, unknown> }
  | { type: 'diagnosis'; data: Record<string, unknown> }
  | { type: 'alarm'; data: Alarm };

export type Subscriber = (event: LiveEvent) => void;

/** One open stream, as the hub accounts for it. */
export interface LiveClient {
  /** Credential the stream was opened with (caps per principal). */
  principal: string;
  /** Bytes written to the client and not yet taken by it. */
  bufferedBytes(): number;
  /** Ends the stream (at shutdown). */
  end(): void;
}

/** Counters of the live streams' bounds (read by /metrics and tests). */
export interface LiveCounters {
  /** Events not sent to a client because it had not taken what was sent before (it is told with `skipped`). */
  skippedEvents: number;
  /** Clients disconnected because they took nothing for too long. */
  droppedClients: number;
  /** Streams refused because of a cap (total or per principal). */
  refusedClients: number;
}

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private pendingReadings = new Map<string, Reading>();
  private timer: NodeJS.Timeout | null = null;
  private readonly clients = new Set<LiveClient>();
  private readonly perPrincipal = new Map<string, number>();
  readonly counters: LiveCounters = { skippedEvents: 0, droppedClients: 0, refusedClients: 0 };

  constructor(
    private readonly presentReading: (r: Reading) => Record<string, unknown>,
    private readonly flushMs = 1000,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Admits a stream under the caps: 'total' or 'principal' when one is reached (nothing registered), else
   * a function that removes the client again.
   */
  admit(client: LiveClient, maxTotal: number, maxPerPrincipal: number): 'total' | 'principal' | (() => void) {
    const mine = this.perPrincipal.get(client.principal) ?? 0;
    if (this.clients.size >= maxTotal) return (this.counters.refusedClients++, 'total');
    if (mine >= maxPerPrincipal) return (this.counters.refusedClients++, 'principal');
    this.clients.add(client);
    this.perPrincipal.set(client.principal, mine + 1);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.clients.delete(client);
      const n = (this.perPrincipal.get(client.principal) ?? 1) - 1;
      if (n > 0) this.perPrincipal.set(client.principal, n);
      else this.perPrincipal.delete(client.principal);
    };
  }

  /** Streams open now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Bytes waiting to be taken by clients, in total and for the fullest one. */
  buffered(): { total: number; max: number } {
    let total = 0;
    let max = 0;
    for (const c of this.clients) {
      const b = c.bufferedBytes();
      total += b;
      if (b > max) max = b;
    }
    return { total, max };
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(event: LiveEvent): void {
    for (const s of this.subscribers) s(event);
  }

  /** Keeps the newest reading per well until the next flush. */
  readings(readings: readonly Reading[]): void {
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
    // Open streams would hold the server's close open for as long as their clients stay.
    for (const c of [...this.clients]) c.end();
  }
}
