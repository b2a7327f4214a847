// Prometheus metrics (prom-client, the platform's own Registry), served at GET /metrics (plugins/metrics.ts). Transports report
// what they accept and reject through the exported `metrics` object:
//   metrics.readingsIngested.inc({ transport: 'mqtt' }, n); metrics.readingsRejected.inc({ transport: 'mqtt' }, n)
// Queue depth, diagnoses by code, active alarms and the ingest counters (ctx.ingestMetrics) are read
// from the running app at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SEVERITIES } from '../domain/diagnosis.js';
import type { AppContext } from './context.js';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });
// prom-client also exports three gauges named `*_total`, a suffix Prometheus reserves for counters (promtool
// refuses them); the same numbers remain as nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
  registry.removeSingleMetric(name);
}

/** Running apps whose state the scrape-time gauges read (one in production; tests may start several). */
const sources = new Set<AppContext>();

/** Per source, the last value of a cumulative statistic already added to a counter. */
const seen = new WeakMap<AppContext, Map<string, number>>();
function delta(ctx: AppContext, key: string, value: number): number {
  let m = seen.get(ctx);
  if (!m) seen.set(ctx, (m = new Map()));
  const last = m.get(key) ?? 0;
  m.set(key, value);
  return Math.max(0, value - last);
}

const storageErrors = new Counter({
  name: 'esp_storage_errors_total',
  help: 'Storage operations that failed (batch commits, audit writes, storage errors answered to clients)',
  labelNames: ['operation'] as const,
  registers: [registry],
});

/** A counter by transport that follows one field of the per-transport ingest counters (ctx.ingestMetrics). */
function transportCounter(name: string, help: string, field: 'accepted' | 'rejected' | 'inserted' | 'duplicates' | 'conflicts') {
  return new Counter({
    name,
    help,
    labelNames: ['transport'] as const,
    registers: [registry],
    collect() {
      for (const ctx of sources) {
        const m = ctx.ingestMetrics;
        if (!m) continue;
        for (const [transport, c] of Object.entries(m.transports)) this.inc({ transport }, delta(ctx, `${field}:${transport}`, c[field]));
      }
    },
  });
}

/** Latency buckets (seconds) of esp_http_request_duration_seconds. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface HttpSeries {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative; the +Inf bucket is `count`). */
  buckets: Float64Array;
}

/**
 * esp_http_requests_total and esp_http_request_duration_seconds. A request adds to plain numbers in one map
 * entry (prom-client's per-call label hashing costs more than the rest of a request's bookkeeping); the
 * Prometheus series are built from them at scrape time.
 */
export class HttpRequestMetrics {
  /** Route pattern → method → status → series: lookups by strings Fastify already holds, nothing built per request. */
  private readonly byRoute = new Map<string, Map<string, Map<number, HttpSeries>>>();
  private readonly series: HttpSeries[] = [];

  record(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let s = byStatus.get(status);
    if (!s) {
      s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: new Float64Array(HTTP_BUCKETS.length) };
      byStatus.set(status, s);
      this.series.push(s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < HTTP_BUCKETS.length; i++) {
      if (seconds <= HTTP_BUCKETS[i]) {
        s.buckets[i]++;
        break;
      }
    }
  }

  /** Registers the two metric families with a prom-client registry. */
  register(into: Registry): void {
    const series = () => this.series;
    const family = (name: string, help: string, type: 'counter' | 'histogram', values: () => unknown[]) => ({
      name,
      help,
      type,
      aggregator: 'sum' as const,
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => {
        this.byRoute.clear();
        this.series.length = 0;
      },
    });
    into.registerMetric(
      family('esp_http_requests_total', 'HTTP requests by method, route pattern and status', 'counter', () =>
        series().map((s) => ({ labels: s.labels, value: s.count })),
      ) as never,
    );
    const name = 'esp_http_request_duration_seconds';
    into.registerMetric(
      family(name, 'HTTP request latency by method, route pattern and status', 'histogram', () =>
        series().flatMap((s) => {
          const out: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
          let cumulative = 0;
          for (let i = 0; i < HTTP_BUCKETS.length; i++) {
            cumulative += s.buckets[i];
            out.push({ metricName: `${name}_bucket`, labels: { le: HTTP_BUCKETS[i], ...s.labels }, value: cumulative });
          }
          out.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count });
          out.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
          out.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
          return out;
        }),
      ) as never,
    );
  }
}

export const metrics = {
  registry,
  /** Requests by method, route pattern and status, with their latency (recorded in plain counters per request). */
  http: new HttpRequestMetrics(),
  /** Accepted readings by transport: read from ctx.ingestMetrics; other transports may inc(). */
  readingsIngested: transportCounter('esp_readings_ingested_total', 'Readings accepted, by transport', 'accepted'),
  readingsRejected: transportCounter(
    'esp_readings_rejected_total',
    'Readings or device messages refused (invalid, out of scope, unparsable), by transport',
    'rejected',
  ),
  readingsNew: transportCounter('esp_readings_new_total', 'Accepted readings written as new rows, by transport', 'inserted'),
  readingsDuplicate: transportCounter(
    'esp_readings_duplicate_total',
    'Accepted readings not written because the same reading was already stored or repeated in the request, by transport',
    'duplicates',
  ),
  readingsConflict: transportCounter(
    'esp_readings_conflict_total',
    'Re-sent readings whose values differ from the stored reading under the same well and timestamp (the stored one is kept), by transport',
    'conflicts',
  ),
  readingsRejectedByReason: new Counter({
    name: 'esp_readings_rejected_by_reason_total',
    help: 'Refused readings or messages by reason class (invalid, scope, payload, topic …)',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      for (const ctx of sources) {
        for (const [reason, n] of ctx.ingestMetrics?.rejectedByReason ?? []) this.inc({ reason }, delta(ctx, `reason:${reason}`, n));
      }
    },
  }),
  readingsCommitted: new Counter({
    name: 'esp_readings_committed_total',
    help: 'Readings written by the group-commit pipeline (new rows and re-sent duplicates)',
    registers: [registry],
  }),
  readingsInserted: new Counter({
    name: 'esp_readings_inserted_total',
    help: 'New telemetry rows written (re-sent readings excluded)',
    registers: [registry],
  }),
  commitDuration: new Histogram({
    name: 'esp_ingest_commit_duration_seconds',
    help: 'Latency of one group-commit batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  storageErrors,
  authFailures: new Counter({
    name: 'esp_auth_failures_total',
    help: 'Refused logins, refreshes and credentials, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  rateLimited: new Counter({
    name: 'esp_rate_limited_total',
    help: 'Requests refused with 429, by limit',
    labelNames: ['limit'] as const,
    registers: [registry],
  }),
};
metrics.http.register(registry);

new Gauge({
  name: 'esp_ingest_queue_depth',
  help: 'Readings queued or being written by the ingest pipeline',
  registers: [registry],
  collect() {
    let n = 0;
    for (const ctx of sources) n += ctx.pipeline.depth;
    this.set(n);
  },
});

new Gauge({
  name: 'esp_derived_backlog_batches',
  help: 'Stored batches whose hourly roll-up and latest-reading contribution is not merged yet (merged about once a second)',
  registers: [registry],
  collect() {
    let n = 0;
    for (const ctx of sources) n += ctx.repo.derivedBacklog();
    this.set(n);
  },
});

new Counter({
  name: 'esp_diagnoses_total',
  help: 'Diagnoses stored by the engine, by diagnosis code',
  labelNames: ['code'] as const,
  registers: [registry],
  collect() {
    for (const ctx of sources) {
      for (const [code, n] of ctx.diagnosis.stats.byCode) {
        this.inc({ code }, delta(ctx, `diag:${code}`, n));
      }
    }
  },
});

new Counter({
  name: 'esp_pump_events_detected_total',
  help: 'Trips and restarts detected from committed readings (running ⇄ stopped transitions), by type',
  labelNames: ['type'] as const,
  registers: [registry],
  collect() {
    for (const ctx of sources) {
      for (const [type, n] of ctx.runEvents.stats.added) this.inc({ type }, delta(ctx, `pumpEvent:${type}`, n));
    }
  },
});

new Gauge({
  name: 'esp_active_alarms',
  help: 'Alarms not yet cleared, by severity',
  labelNames: ['severity'] as const,
  registers: [registry],
  async collect() {
    const totals: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
    for (const ctx of sources) {
      try {
        for (const [sev, n] of Object.entries(await ctx.repo.countActiveAlarms())) totals[sev] = (totals[sev] ?? 0) + n;
      } catch {
        storageErrors.inc({ operation: 'metrics' });
      }
    }
    for (const [severity, n] of Object.entries(totals)) this.set({ severity }, n);
  },
});

// Failed batch commits are counted by the pipeline; fold them in at scrape time.
new Gauge({
  name: 'esp_ingest_storage_available',
  help: '1 when the ingest pipeline is accepting work (storage reachable), else 0',
  registers: [registry],
  collect() {
    let ok = 1;
    for (const ctx of sources) {
      const d = delta(ctx, 'failedBatches', ctx.pipeline.stats.failedBatches);
      if (d > 0) storageErrors.inc({ operation: 'commit' }, d);
      const t = delta(ctx, 'timedOutBatches', ctx.pipeline.stats.timedOutBatches);
      if (t > 0) storageErrors.inc({ operation: 'commit_timeout' }, t);
      if (!ctx.pipeline.storageAvailable) ok = 0;
    }
    this.set(ok);
  },
});

new Gauge({
  name: 'esp_storage_free_bytes',
  help: 'Free space on the disk of DATA_DIR (embedded store); writes are refused below STORAGE_MIN_FREE_MB',
  registers: [registry],
  collect() {
    for (const ctx of sources) {
      const free = ctx.diskGuard?.freeBytes();
      if (free !== undefined) this.set(free);
    }
  },
});

new Gauge({
  name: 'esp_sse_clients',
  help: 'Live event streams (SSE) open',
  registers: [registry],
  collect() {
    let n = 0;
    for (const ctx of sources) n += ctx.events.clientCount;
    this.set(n);
  },
});

new Gauge({
  name: 'esp_sse_buffered_bytes',
  help: 'Bytes written to live event streams and not yet taken by their clients',
  registers: [registry],
  collect() {
    let n = 0;
    for (const ctx of sources) n += ctx.events.buffered().total;
    this.set(n);
  },
});

new Counter({
  name: 'esp_sse_events_skipped_total',
  help: 'Live events not sent to a client that had not taken the ones before (it is told how many)',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'sseSkipped', ctx.events.counters.skippedEvents));
  },
});

new Counter({
  name: 'esp_sse_clients_dropped_total',
  help: 'Live event streams closed because the client took nothing for SSE_SLOW_CLIENT_TIMEOUT_S',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'sseDropped', ctx.events.counters.droppedClients));
  },
});

new Counter({
  name: 'esp_sse_clients_refused_total',
  help: 'Live event streams refused by the caps (SSE_MAX_CLIENTS, SSE_MAX_CLIENTS_PER_PRINCIPAL)',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'sseRefused', ctx.events.counters.refusedClients));
  },
});

new Gauge({
  name: 'esp_mqtt_connections',
  help: 'MQTT clients connected to the embedded broker (or 1/0 for the external subscription)',
  registers: [registry],
  collect() {
    let n = 0;
    for (const ctx of sources) n += ctx.ingestMetrics?.mqtt.connections ?? 0;
    this.set(n);
  },
});

new Counter({
  name: 'esp_mqtt_refused_connects_total',
  help: 'MQTT CONNECTs refused (bad or missing key, missing permission)',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'mqttRefused', ctx.ingestMetrics?.mqtt.refusedConnects ?? 0));
  },
});

new Counter({
  name: 'esp_mqtt_unacknowledged_total',
  help: 'MQTT PUBLISHes not acknowledged because storage refused them (the sender redelivers)',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'mqttUnacked', ctx.ingestMetrics?.mqtt.unacknowledged ?? 0));
  },
});

new Counter({
  name: 'esp_mqtt_oversized_packets_total',
  help: 'Embedded broker connections cut because a packet header declared more than the limit (CONNECT-sized before authentication, MQTT_MAX_PACKET_BYTES after)',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'mqttOversized', ctx.ingestMetrics?.mqtt.oversizedPackets ?? 0));
  },
});

new Counter({
  name: 'esp_mqtt_dropped_connections_total',
  help: 'Embedded broker connections closed at once because MQTT_MAX_CONNECTIONS were open',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'mqttDroppedConnections', ctx.ingestMetrics?.mqtt.droppedConnections ?? 0));
  },
});

new Counter({
  name: 'esp_mqtt_queue_waits_total',
  help: 'Times an MQTT message waited for room in a full ingest queue (its acknowledgement held meanwhile)',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'mqttQueueWaits', ctx.ingestMetrics?.mqtt.queueWaits ?? 0));
  },
});

new Counter({
  name: 'esp_mqtt_broker_connects_total',
  help: 'Connections made to the external broker (a steady rise is a reconnect storm)',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'mqttBrokerConnects', ctx.ingestMetrics?.mqtt.brokerConnects ?? 0));
  },
});

new Counter({
  name: 'esp_mqtt_broker_drops_observed_total',
  help: 'Messages the external broker reported dropping ($SYS/broker/publish/messages/dropped rises) while this process watched',
  registers: [registry],
  collect() {
    for (const ctx of sources) this.inc(delta(ctx, 'mqttBrokerDrops', ctx.ingestMetrics?.broker.dropsObserved ?? 0));
  },
});

/** A gauge following one external-broker statistic; absent while the broker has not published it. */
function brokerGauge(name: string, help: string, stat: 'messagesDropped' | 'storedMessages' | 'storedBytes' | 'clientsConnected') {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      let known = false;
      let total = 0;
      for (const ctx of sources) {
        const v = ctx.ingestMetrics?.broker[stat];
        if (v === null || v === undefined) continue;
        known = true;
        total += v;
      }
      if (known) this.set(total);
    },
  });
}
brokerGauge('esp_mqtt_broker_messages_dropped', 'The external broker\'s own count of dropped messages since it started (Mosquitto $SYS)', 'messagesDropped');
brokerGauge('esp_mqtt_broker_stored_messages', 'Messages held by the external broker: queued, retained, in flight (Mosquitto $SYS)', 'storedMessages');
brokerGauge('esp_mqtt_broker_stored_bytes', 'Bytes of messages held by the external broker (Mosquitto $SYS)', 'storedBytes');
brokerGauge('esp_mqtt_broker_clients_connected', 'Clients connected to the external broker (Mosquitto $SYS)', 'clientsConnected');

/** Feeds the pipeline's commits into the counters and lets scrape-time gauges read this app; returns unbind. */
export function bindMetrics(ctx: AppContext): () => void {
  sources.add(ctx);
  const unsubscribe = ctx.bus.on('readings.committed', (e) => {
    metrics.readingsCommitted.inc(e.readings.length);
    metrics.readingsInserted.inc(e.inserted);
    metrics.commitDuration.observe(e.durationMs / 1000);
  });
  return () => {
    unsubscribe();
    sources.delete(ctx);
  };
}
