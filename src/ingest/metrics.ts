// Ingest counters by transport, read by the metrics endpoint and the health report. Plain numbers so any
// exporter (Prometheus, JSON) can read them without a dependency on this module.

export type IngestTransport = 'http' | 'mqtt' | 'import';

export const INGEST_TRANSPORTS: readonly IngestTransport[] = ['http', 'mqtt', 'import'];

export interface TransportCounters {
  /** Readings committed (acknowledged to the sender). */
  accepted: number;
  /** Readings or messages refused: invalid, out of scope, or unparsable. */
  rejected: number;
}

export class IngestMetrics {
  readonly transports: Record<IngestTransport, TransportCounters> = {
    http: { accepted: 0, rejected: 0 },
    mqtt: { accepted: 0, rejected: 0 },
    import: { accepted: 0, rejected: 0 },
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
  };

  accepted(transport: IngestTransport, n: number): void {
    this.transports[transport].accepted += n;
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
