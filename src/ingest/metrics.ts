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

/** An external broker's own statistics (Mosquitto `$SYS`); null until the broker has published the value. */
export interface BrokerStats {
  /** The broker's count of messages it discarded (queue or in-flight limits), since the broker started. */
  messagesDropped: number | null;
  /** Messages the broker holds (queued for offline or slow subscribers, retained, in flight). */
  storedMessages: number | null;
  storedBytes: number | null;
  clientsConnected: number | null;
  publishReceived: number | null;
}

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
    /** Embedded broker: connections cut because a packet header declared more than the limit. */
    oversizedPackets: 0,
    /** Embedded broker: connections closed at once because MQTT_MAX_CONNECTIONS were open. */
    droppedConnections: 0,
    /** Times a message waited for room in a full ingest queue (instead of going unacknowledged). */
    queueWaits: 0,
    /** Connections made to the external broker (the first one, then every reconnection). */
    brokerConnects: 0,
  };
  /** External broker statistics, when it publishes them. */
  readonly broker: BrokerStats & {
    /** Drops the broker reported while this process watched (rises of `messagesDropped`, across broker restarts). */
    dropsObserved: number;
    /** When the last rise was seen (ms since epoch), 0 if never. */
    lastDropAt: number;
  } = {
    messagesDropped: null,
    storedMessages: null,
    storedBytes: null,
    clientsConnected: null,
    publishReceived: null,
    dropsObserved: 0,
    lastDropAt: 0,
  };

  /**
   * Takes a new value of a broker counter or gauge; a rise of the drop counter is remembered. `retained`: a
   * value stored before we subscribed (the baseline). A live value with no baseline counts in full: the broker
   * publishes the counter only when it changes, so a missed baseline must not hide the first drops.
   */
  brokerStat(name: keyof BrokerStats, value: number, retained = false): void {
    if (name === 'messagesDropped') {
      const last = this.broker.messagesDropped;
      // A smaller value than the last means the broker restarted and counts from zero.
      const rise = retained ? 0 : last === null ? value : value >= last ? value - last : value;
      if (rise > 0) {
        this.broker.dropsObserved += rise;
        this.broker.lastDropAt = Date.now();
      }
    }
    this.broker[name] = value;
  }

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

  /** An HTTP ingest request was answered: 201 accepted its readings, 400 and 403 refused them. */
  httpAnswered(status: number, readings: number): void {
    if (status === 201) this.accepted('http', readings);
    else if (status === 400 || status === 403) this.rejected('http', readings, status === 403 ? 'scope' : 'invalid');
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
    broker: IngestMetrics['broker'];
  } {
    return {
      transports: {
        http: { ...this.transports.http },
        mqtt: { ...this.transports.mqtt },
        import: { ...this.transports.import },
      },
      rejected_by_reason: Object.fromEntries(this.rejectedByReason),
      mqtt: { ...this.mqtt },
      broker: { ...this.broker },
    };
  }
}
