// Ingest counters by transport, read by the metrics endpoint and the health report. Plain numbers so any
// exporter (Prometheus, JSON) can read them without a dependency on this module.

export type IngestTransport = 'http' | 'mqtt' | 'import';

export const INGEST_TRANSPORTS: readonly IngestTransport[] = ['http', 'mqtt', 'import'];

export interface TransportCounters {
  /** Readings committed (acknowledged to the sender). */
  accepted: number;
  /** Readings or messages refused: invalid, out of scope, or unparsable. */
  rejected: number;
  /** Of the accepted: new rows written. */
  inserted: number;
  /** Of the accepted: not written, the same reading was already stored or repeated in the same request. */
  duplicates: number;
  /** Of the accepted: not written, another reading is stored under the same well and timestamp (kept). */
  conflicts: number;
}

/** What one submission's readings became (the pipeline's counts, plus repeats dropped before it). */
export interface CommitCounts {
  inserted: number;
  duplicates: number;
  conflicts: number;
}

const zero = (): TransportCounters => ({ accepted: 0, rejected: 0, inserted: 0, duplicates: 0, conflicts: 0 });

export class IngestMetrics {
  readonly transports: Record<IngestTransport, TransportCounters> = {
    http: zero(),
    mqtt: zero(),
    import: zero(),
  };
  /** Rejections by reason class, e.g. `invalid`, `scope`, `payload`, `topic`. */
  readonly rejectedByReason = new Map<string, number>();
  readonly mqtt = {
    /** Clients connected to the embedded broker, or 1/0 for the external subscription. */
    connections: 0,
    /** CONNECTs refused (bad or missing key, missing permission). */
    refusedConnects: 0,
    /** PUBLISHes not acknowledged because storage refused them (the sender redelivers). */
    unacknowledged: 0,
    /** QoS 1/2 messages waiting for their commit before the acknowledgement goes out. */
    awaitingAck: 0,
  };

  accepted(transport: IngestTransport, n: number): void {
    this.transports[transport].accepted += n;
  }

  /** Records what committed readings became: every transport (the MQTT handler included) calls this. */
  committed(transport: IngestTransport, counts: CommitCounts): void {
    const t = this.transports[transport];
    t.inserted += counts.inserted;
    t.duplicates += counts.duplicates;
    t.conflicts += counts.conflicts;
  }

  rejected(transport: IngestTransport, n: number, reason = 'invalid'): void {
    if (n <= 0) return;
    this.transports[transport].rejected += n;
    this.rejectedByReason.set(reason, (this.rejectedByReason.get(reason) ?? 0) + n);
  }

  snapshot(): {
    transports: Record<IngestTransport, TransportCounters>;
    rejected_by_reason: Record<string, number>;
    mqtt: IngestMetrics['mqtt'];
  } {
    return {
      transports: {
        http: { ...this.transports.http },
        mqtt: { ...this.transports.mqtt },
        import: { ...this.transports.import },
      },
      rejected_by_reason: Object.fromEntries(this.rejectedByReason),
      mqtt: { ...this.mqtt },
    };
  }
}
