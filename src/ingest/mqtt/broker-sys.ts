// Broker statistics for the external subscriber: what the broker itself says it dropped or stores.
import type { BrokerStats, IngestMetrics } from '../metrics.js';

/**
 * Broker statistics read from Mosquitto's `$SYS` tree (published every `sys_interval` seconds, retained).
 * The first value of a counter is the baseline; what it rises by afterwards is what this process saw dropped.
 */
export const BROKER_SYS_TOPICS: Record<string, keyof BrokerStats> = {
  '$SYS/broker/publish/messages/dropped': 'messagesDropped',
  '$SYS/broker/store/messages/count': 'storedMessages',
  '$SYS/broker/store/messages/bytes': 'storedBytes',
  '$SYS/broker/clients/connected': 'clientsConnected',
  '$SYS/broker/publish/messages/received': 'publishReceived',
};
/** EMQX publishes its counters per node (`$SYS/brokers/<node>/metrics/...`); they are summed over nodes. */
const EMQX_SYS_TOPICS: Record<string, keyof BrokerStats> = {
  'metrics/messages/dropped': 'messagesDropped',
  'metrics/messages/received': 'publishReceived',
  'stats/connections/count': 'clientsConnected',
};
const EMQX_SYS_PATTERN = /^\$SYS\/brokers\/([^/]+)\/(metrics\/messages\/dropped|metrics\/messages\/received|stats\/connections\/count)$/;

/** Turns `$SYS` messages of Mosquitto or EMQX into broker statistics. */
export class BrokerSysReader {
  private readonly perNode = new Map<string, number>();

  constructor(private readonly metrics: IngestMetrics) {}

  /** The topics to subscribe to (a broker without them simply sends nothing). */
  static readonly topics = [...Object.keys(BROKER_SYS_TOPICS), ...Object.keys(EMQX_SYS_TOPICS).map((t) => `$SYS/brokers/+/${t}`)];

  /** `retained`: the value was stored before this subscription (a baseline), not a change seen live. */
  take(topic: string, payload: Buffer, retained = false): void {
    const value = Number.parseFloat(payload.toString('utf8'));
    if (!Number.isFinite(value)) return;
    const mosquitto = BROKER_SYS_TOPICS[topic];
    if (mosquitto) return this.metrics.brokerStat(mosquitto, value, retained);
    const m = EMQX_SYS_PATTERN.exec(topic);
    if (!m) return;
    this.perNode.set(topic, value);
    const stat = EMQX_SYS_TOPICS[m[2]];
    let sum = 0;
    for (const [t, v] of this.perNode) if (t.endsWith('/' + m[2])) sum += v;
    this.metrics.brokerStat(stat, sum, retained);
  }
}
