// What happens in the system that other parts react to. The ingest pipeline, the engine and the routes emit
// these on the event bus (src/ingest/event-bus.ts); the live stream, the caches, the well → field map, the
// alarm webhook and the metrics subscribe. Plain data: no transport, storage or HTTP types.
import type { Alarm } from './alarm.js';
import type { Reading } from './reading.js';
import type { Well } from './well.js';

/** Readings durably stored by one commit (readings refused as conflicting are not among them). */
export class ReadingsCommitted {
  private grouped: ReadonlyMap<string, readonly Reading[]> | null = null;

  constructor(
    readonly readings: readonly Reading[],
    /** Rows newly written (the rest were already stored). */
    readonly inserted: number,
    readonly durationMs: number,
  ) {}

  /**
   * The readings per well, each well's in time order. Computed once for every subscriber that asks; the lists
   * are shared, so subscribers must not change them.
   */
  get byWell(): ReadonlyMap<string, readonly Reading[]> {
    if (this.grouped) return this.grouped;
    const byWell = new Map<string, Reading[]>();
    for (const r of this.readings) {
      let list = byWell.get(r.well_id);
      if (!list) byWell.set(r.well_id, (list = []));
      list.push(r);
    }
    for (const list of byWell.values()) if (list.length > 1) list.sort((a, b) => a.ts - b.ts);
    return (this.grouped = byWell);
  }
}

/** A well was registered, its nameplate replaced, or it was deleted. */
export type WellChanged =
  | { change: 'saved'; well: Well }
  | { change: 'deleted'; wellId: string };

/** An alarm was raised or cleared by the engine, or acknowledged by a person. */
export interface AlarmChanged {
  change: 'raised' | 'cleared' | 'acknowledged';
  alarm: Alarm;
}

/** The engine stored a new diagnosis for a well (its JSON form, as the API returns it). */
export interface DiagnosisRecorded {
  wellId: string;
  diagnosis: Record<string, unknown>;
}

/** Every event by name, with its payload. */
export interface DomainEvents {
  'readings.committed': ReadingsCommitted;
  'well.changed': WellChanged;
  'alarm.changed': AlarmChanged;
  'diagnosis.recorded': DiagnosisRecorded;
}

export type DomainEventName = keyof DomainEvents;
