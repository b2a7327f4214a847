// ExternalSubscriber: a shared subscription on an external broker (Mosquitto, EMQX …) over MQTT 5, so several
// platform processes split the load. mqtt.js would send the PUBACK as soon as the message is handled; it is held
// back until the commit (in receipt order) by the connection stream handed to mqtt.js (ack-holding-stream.ts), and
// on a failed commit the connection is dropped so the broker redelivers from the persistent session.
import { connect as netConnect, isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { MqttClient, type IClientOptions } from 'mqtt';
import { streamBuilder as webSocketStream } from 'mqtt/lib/connect/ws';
import type { Logger } from 'pino';
import type { DependencyCheck, Transport } from '../../domain/lifecycle.js';
import type { IngestMetrics } from '../metrics.js';
import { AckHoldingStream } from './ack-holding-stream.js';
import { BrokerSysReader } from './broker-sys.js';
import type { MqttDeps } from './deps.js';
import type { MqttMessageHandler } from './handler.js';

/** After the broker reports dropped messages, how long the MQTT dependency stays degraded. */
export const BROKER_DROP_WINDOW_MS = 5 * 60_000;

export interface ExternalSubscriberOptions {
  url: string;
  shareGroup: string;
  topicPrefix: string;
  username?: string;
  password?: string;
  clientId: string;
  /** How long the broker keeps this subscriber's session (and its unacknowledged messages) while offline. */
  sessionExpirySeconds?: number;
  /** QoS 1 messages the broker may send before an acknowledgement (MQTT 5 receive maximum). */
  receiveMaximum: number;
}

/** The stable client id of this process on the external broker (its persistent session is keyed by it). */
export function defaultClientId(shareGroup: string, httpPort: number): string {
  return `${shareGroup}-${hostname()}-${httpPort || process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128);
}

export class ExternalSubscriber implements Transport {
  readonly name = 'mqtt';
  readonly health: DependencyCheck;
  private client: MqttClient | null = null;
  private connected = false;
  private lastError: string | null = null;
  /** PUBACKs go out in receipt order, each after its message's commit. */
  private ackChain: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    ctx: MqttDeps,
    private readonly handler: MqttMessageHandler,
    private readonly metrics: IngestMetrics,
    private readonly opts: ExternalSubscriberOptions,
  ) {
    this.log = ctx.log.child({ component: 'mqtt-subscriber' });
    this.health = {
      name: 'mqtt',
      required: true,
      check: async () => {
        if (!this.connected) throw new Error(this.lastError ?? 'not connected to the broker');
        const b = this.metrics.broker;
        const info: Record<string, unknown> = {
          mode: 'external',
          url: redact(this.opts.url),
          subscription: this.subscription,
          receive_maximum: this.opts.receiveMaximum,
          // null: the broker does not publish them (not Mosquitto, `sys_interval 0`, or its ACL hides $SYS).
          broker_messages_dropped: b.messagesDropped,
          broker_stored_messages: b.storedMessages,
        };
        if (b.lastDropAt && Date.now() - b.lastDropAt < BROKER_DROP_WINDOW_MS) {
          // Connected and storing what arrives, but the broker is discarding messages (its queue or in-flight
          // limits): readings are being lost before they reach the platform.
          return {
            ...info,
            status: 'degraded',
            error: `the broker dropped ${b.dropsObserved} message(s) since this process connected, the last ${Math.round((Date.now() - b.lastDropAt) / 1000)} s ago: raise its max_queued_messages (see deploy/mosquitto/mosquitto.conf)`,
          };
        }
        return info;
      },
    };
  }

  get subscription(): string {
    return `$share/${this.opts.shareGroup}/${this.opts.topicPrefix}/+/telemetry`;
  }

  async start(): Promise<void> {
    const { opts, metrics, log } = this;
    const sys = new BrokerSysReader(metrics);
    /** QoS 1 messages received and not yet acknowledged, on this connection and any earlier one. */
    let inWindow = 0;
    /** Set while reading is paused because the window is full. */
    let resumeReading: (() => void) | null = null;
    const windowFreed = () => {
      inWindow--;
      if (resumeReading && inWindow < opts.receiveMaximum) {
        const resume = resumeReading;
        resumeReading = null;
        resume();
      }
    };
    // mqtt.js counts only acknowledgements and PINGRESP as signs of life, not incoming PUBLISHes: while a backlog
    // streams in, its PINGREQ answer queues behind the messages and it declares a keepalive timeout, drops the
    // connection and gets the whole in-flight window redelivered, again and again. Messages arriving prove the
    // link alive; the PUBACKs going out keep the broker's side of the keepalive satisfied.
    let lastTraffic = 0;
    const traffic = () => {
      const now = Date.now();
      if (now - lastTraffic < 1_000) return;
      lastTraffic = now;
      this.client?.reschedulePing(true);
    };
    const address = brokerAddress(opts.url);
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: address.clientId ?? opts.clientId,
      clean: false,
      username: address.username ?? opts.username,
      password: address.password ?? opts.password,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      keepalive: 30,
      resubscribe: false,
      // Connected by start() once the event handlers are in place.
      manualConnect: true,
      // The broker sends at most `receiveMaximum` messages before their acknowledgements: this bounds what a
      // backlog can push into the process, whatever is waiting at the broker.
      properties: { sessionExpiryInterval: opts.sessionExpirySeconds ?? 86_400, receiveMaximum: opts.receiveMaximum },
      // QoS 1 only (the subscription's maximum): QoS 0 messages arrive through the 'message' event below.
      customHandleAcks: (topic, message, packet, done) => {
        traffic();
        if (packet.messageId !== undefined) {
          metrics.mqtt.awaitingAck++;
          const committed = this.handler.handle(topic, message, null).then(
            () => true,
            (err: Error) => {
              log.warn({ err: err.message, topic }, 'MQTT message not acknowledged; the broker will redeliver');
              return false;
            },
          );
          // PUBACKs go out in receipt order, each after its own commit: a message's turn comes when every earlier
          // one has had its turn and its own commit has settled.
          const turn = this.ackChain
            .then(() => committed)
            .then((ok) => {
              metrics.mqtt.awaitingAck--;
              windowFreed();
              return ok;
            });
          this.ackChain = turn.then(() => undefined);
          // The connection this message came on holds its PUBACK until the turn (a later connection never sends it).
          connection?.hold(packet.messageId, turn);
          // The window is enforced here too: a broker resuming a session may send more than the receive maximum
          // (Mosquitto 2.0 did, ~4 500 for 1 000). Past it, the next packet is not read until an acknowledgement
          // leaves, so the rest waits in TCP and at the broker, not in this process.
          if (++inWindow >= opts.receiveMaximum) {
            resumeReading = () => done(0);
            return;
          }
        }
        done(0);
      },
    };
    // mqtt.js's public constructor takes the function that opens each connection: every connection (the first and
    // each reconnection) is wrapped so that its PUBACKs wait for their commits while the reader goes on.
    let connection: AckHoldingStream | null = null;
    const openHolding = (c: MqttClient): AckHoldingStream => {
      connection = new AckHoldingStream(openConnection(address, c), () => metrics.mqtt.unacknowledged++);
      return connection;
    };
    const client = new MqttClient(openHolding, options);
    this.client = client;
    client.on('connect', (connack) => {
      this.connected = true;
      this.lastError = null;
      metrics.mqtt.connections = 1;
      metrics.mqtt.brokerConnects++;
      log.info({ url: redact(opts.url), session_present: connack.sessionPresent, subscription: this.subscription }, 'connected to MQTT broker');
      client.subscribe(this.subscription, { qos: 1 }, (err, granted) => {
        const code = granted?.[0]?.qos;
        if (err || (code !== undefined && code > 2)) {
          log.error({ err, granted }, 'MQTT subscription refused');
          this.lastError = `subscription refused${err ? ': ' + err.message : ''}`;
        }
      });
      // The broker's own counters, where it publishes them (Mosquitto). A refusal only means they stay unknown.
      client.subscribe(BrokerSysReader.topics, { qos: 0 }, (err) => {
        if (err) log.info({ err: err.message }, 'broker statistics ($SYS) not available');
      });
    });
    client.on('message', (topic, message, packet) => {
      if (packet.qos !== 0) return;
      traffic();
      if (topic.startsWith('$SYS/')) {
        sys.take(topic, message, packet.retain);
        return;
      }
      // Sent with QoS 0: nothing to acknowledge, stored as it comes.
      this.handler.handle(topic, message, null).catch((err: Error) => log.warn({ err: err.message, topic }, 'QoS 0 message not stored'));
    });
    client.on('close', () => {
      // A paused read on a closed connection: let mqtt.js finish with it (its PUBACK is not sent).
      if (resumeReading) {
        const resume = resumeReading;
        resumeReading = null;
        resume();
      }
      if (this.connected) log.warn('MQTT broker connection closed; reconnecting');
      this.connected = false;
      metrics.mqtt.connections = 0;
    });
    client.on('error', (err) => {
      this.lastError = err.message;
      log.warn({ err: err.message }, 'MQTT client error');
    });
    client.connect();
    // Wait briefly for the first connection so a healthy start is ready at once; never block start-up on it.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5_000);
      client.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    // Let commits already under way send their PUBACKs, then leave; the session keeps everything else.
    await Promise.race([this.ackChain, new Promise((r) => setTimeout(r, 5_000).unref())]);
    await client.endAsync(false).catch(() => undefined);
    this.connected = false;
  }
}

/** Where and how to reach the broker: MQTT_URL read as mqtt.connect() reads it (credentials and a clientId query too). */
interface BrokerAddress {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  host: string;
  port: number;
  /** WebSocket path (and query). */
  path: string;
  username?: string;
  password?: string;
  clientId?: string;
}

const DEFAULT_PORTS: Record<BrokerAddress['protocol'], number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

function brokerAddress(url: string): BrokerAddress {
  const u = new URL(url);
  const scheme = u.protocol.replace(/:$/, '');
  const protocol = scheme === 'tcp' ? 'mqtt' : scheme === 'ssl' || scheme === 'tls' ? 'mqtts' : scheme;
  if (protocol !== 'mqtt' && protocol !== 'mqtts' && protocol !== 'ws' && protocol !== 'wss') throw new Error(`unsupported MQTT URL scheme: ${u.protocol}`);
  const address: BrokerAddress = {
    protocol,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: u.port ? Number(u.port) : DEFAULT_PORTS[protocol],
    path: u.pathname + u.search || '/',
  };
  if (u.username) {
    address.username = decodeURIComponent(u.username);
    if (u.password) address.password = decodeURIComponent(u.password);
  }
  const clientId = u.searchParams.get('clientId');
  if (clientId !== null) address.clientId = clientId;
  return address;
}

/** Opens the raw connection to the broker (TCP, TLS or WebSocket), as mqtt.js itself would. */
function openConnection(a: BrokerAddress, client: MqttClient): Duplex {
  switch (a.protocol) {
    case 'mqtt':
      return netConnect({ host: a.host, port: a.port });
    case 'mqtts':
      return tlsConnect({ host: a.host, port: a.port, servername: isIP(a.host) === 0 ? a.host : undefined });
    default:
      return webSocketStream(client, { ...client.options, protocol: a.protocol, hostname: a.host, port: a.port, path: a.path }) as Duplex;
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'invalid-url';
  }
}
