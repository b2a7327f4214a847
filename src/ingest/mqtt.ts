// MQTT ingest. Two ways in, one rule: a QoS 1 PUBLISH is acknowledged only after its readings are committed
// (or its rejection recorded), so a gateway that loses its link, or a server that dies, never loses a reading
// the gateway believes delivered.
//
// - EmbeddedBroker: an aedes broker inside the process (MQTT 3.1.1). Clients log in with any username and an
//   API key as the password. aedes writes the PUBACK right after `authorizePublish` calls back, so that hook
//   is where the message is ingested: it calls back once the commit is done, or with an error (aedes then
//   closes the connection, no PUBACK goes out, and the client resends after reconnecting).
// - ExternalSubscriber: a shared subscription on an external broker (Mosquitto, EMQX …) over MQTT 5, so several
//   platform processes split the load. mqtt.js would send the PUBACK as soon as the message is handled; it is
//   held back until the commit (in receipt order), and on a failed commit the connection is dropped so the
//   broker redelivers from the persistent session.
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { Aedes, type AuthenticateError, type Client as AedesClient, type PublishPacket } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import type { Reading } from '../domain/reading.js';
import { can, type Principal } from '../domain/identity.js';
import type { Config } from '../config.js';
import type { DependencyCheck, Transport } from '../domain/lifecycle.js';
import type { ReadingValidator } from '../domain/validation.js';
import { GuardedConnection, PacketHeaderScanner, PRE_AUTH_MAX_PACKET_BYTES } from './mqtt-guard.js';
import { matchTelemetryTopic, processDeviceMessage, type RejectedSink } from './device.js';
import type { BrokerStats, IngestMetrics } from './metrics.js';
import type { IngestPipeline, SubmitCounts } from './pipeline.js';

/** What MQTT needs from the application: no more, so it does not depend on the HTTP layer's context. */
export interface MqttDeps {
  config: Config;
  log: Logger;
  validator: ReadingValidator;
  pipeline: IngestPipeline;
  /** The credential check HTTP uses too (security/authenticator.ts). */
  authenticator: { resolve(credential: string): Promise<Principal | null> };
  fieldOf(wellId: string): string | null | undefined;
}

/** How often a connected client's key is checked again (revocation takes effect within this). */
const REVALIDATE_MS = 5_000;
/** How long a message waits for room in a full ingest queue before it is left unacknowledged. */
const QUEUE_WAIT_MS = 30_000;
/** After the broker reports dropped messages, how long the MQTT dependency stays degraded. */
export const BROKER_DROP_WINDOW_MS = 5 * 60_000;

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


/** Ingests one MQTT message; resolves when it may be acknowledged, rejects when it must not be. */
export class MqttMessageHandler {
  constructor(
    private readonly ctx: MqttDeps,
    private readonly metrics: IngestMetrics,
    private readonly rejects: RejectedSink,
    readonly topicPrefix: string,
  ) {}

  isTelemetryTopic(topic: string): boolean {
    return matchTelemetryTopic(topic, this.topicPrefix) !== null;
  }

  /** Resolves once the message's readings are committed and its rejections recorded; says how many of each. */
  async handle(topic: string, payload: Buffer, principal: Principal | null): Promise<{ accepted: number; rejected: number }> {
    const match = matchTelemetryTopic(topic, this.topicPrefix);
    if (!match) return { accepted: 0, rejected: 0 };
    const { ctx } = this;
    let res: ReturnType<typeof processDeviceMessage>;
    try {
      res = processDeviceMessage('mqtt', topic, match.wellId, payload, principal, {
        validator: ctx.validator,
        fieldOf: ctx.fieldOf,
        checkOptions: () => ({
          now: Date.now(),
          maxFutureSkewMs: ctx.config.telemetry.maxFutureSkewMs,
          retentionMs: ctx.config.telemetry.retentionDays * 86_400_000,
        }),
      });
    } catch (err) {
      // Whatever the payload does to the parser, the sender gets an answer: recorded as refused, acknowledged.
      ctx.log.warn({ err, topic }, 'MQTT message could not be processed; recorded as rejected');
      await this.refuse(topic, payload, `payload could not be processed: ${(err as Error).message}`, 'payload');
      return { accepted: 0, rejected: 1 };
    }
    const work: Promise<unknown>[] = [];
    if (res.readings.length) work.push(this.submitWhenRoom(res.readings).then((counts) => this.metrics.committed('mqtt', counts)));
    if (res.rejected.length) work.push(this.rejects.add(res.rejected.map(({ kind: _k, ...r }) => r)));
    if (work.length === 1) await work[0];
    else await Promise.all(work);
    if (res.readings.length) this.metrics.accepted('mqtt', res.readings.length);
    for (const r of res.rejected) this.metrics.rejected('mqtt', 1, r.kind);
    return { accepted: res.readings.length, rejected: res.rejected.length };
  }

  /**
   * A full ingest queue is a pause, not a failure: the message waits here (its acknowledgement with it) until
   * the queue has room. What waits is bounded by the senders' in-flight windows (the receive maximum on an
   * external broker), whereas refusing would cut the connection and bring the whole window back redelivered.
   */
  private async submitWhenRoom(readings: Reading[]): Promise<SubmitCounts> {
    const deadline = Date.now() + QUEUE_WAIT_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      try {
        return await this.ctx.pipeline.submitCounted(readings);
      } catch (err) {
        const backpressure = err instanceof AppError && err.status === 503 && err.details?.reason === 'backpressure';
        if (!backpressure || Date.now() + delay > deadline) throw err;
        this.metrics.mqtt.queueWaits++;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Records a whole message as refused (e.g. a topic this key may not publish to); resolves once stored. */
  async refuse(topic: string, payload: Buffer, reason: string, kind: string): Promise<void> {
    await this.rejects.add([{ transport: 'mqtt', source: topic, reason, payload: payload.toString('utf8') }]);
    this.metrics.rejected('mqtt', 1, kind);
  }
}

function authError(message: string, returnCode: 2 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host: string;
  /** Largest packet from an authenticated client; before authentication the cap is PRE_AUTH_MAX_PACKET_BYTES. */
  maxPacketBytes: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  maxConnections: number;
}

/** Who a client id belongs to: a key may not take over (or inherit the session of) another key's client id. */
function ownerOf(p: Principal): string {
  return p.keyId ?? `${p.kind}:${p.name}`;
}

export class EmbeddedBroker implements Transport {
  readonly name = 'mqtt';
  readonly health: DependencyCheck;
  private broker: Aedes | null = null;
  private server: Server | null = null;
  private failure: string | null = 'not started';
  private readonly principals = new WeakMap<AedesClient, Principal>();
  /** The key a client logged in with and when it was last checked: a revoked key is cut off within seconds. */
  private readonly logins = new WeakMap<AedesClient, { key: string; checkedAt: number }>();
  /** Client id → the key that holds it (while connected, or while its persistent session lives). */
  private readonly clientIdOwners = new Map<string, { owner: string; client: AedesClient }>();
  /** Byte-stream guards, one per connection; authentication lifts the packet cap from CONNECT size. */
  private readonly guards = new WeakMap<AedesClient, { authenticated: boolean }>();
  /** Payloads acknowledged but refused (rejections): never forwarded to subscribers. */
  private readonly notForwarded = new WeakSet<Buffer>();

  constructor(
    private readonly ctx: MqttDeps,
    private readonly handler: MqttMessageHandler,
    private readonly metrics: IngestMetrics,
    private readonly opts: EmbeddedBrokerOptions,
  ) {
    this.health = {
      name: 'mqtt',
      // HTTP ingest keeps working without the broker: report it, but stay ready.
      required: false,
      check: async () => {
        if (this.failure) throw new Error(this.failure);
        return { mode: 'embedded', port: this.port, clients: this.broker?.connectedClients ?? 0 };
      },
    };
  }

  /** Re-checks a connected client's key every few seconds (cached resolvers make this cheap). */
  private async stillAuthorized(client: AedesClient, log: Logger): Promise<boolean> {
    const login = this.logins.get(client);
    if (!login) return false;
    if (Date.now() - login.checkedAt < REVALIDATE_MS) return true;
    login.checkedAt = Date.now();
    const principal = await this.ctx.authenticator.resolve(login.key);
    if (!principal || !can(principal, 'ingest')) {
      log.warn({ client: client.id }, 'MQTT client cut off: its key was revoked or lost the ingest permission');
      this.principals.delete(client);
      this.logins.delete(client);
      return false;
    }
    this.principals.set(client, principal);
    return true;
  }

  /** The port actually bound (the configured one; MQTT_PORT=0 disables the broker, so it is never 0 here). */
  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a ? a.port : this.opts.port;
  }

  get listening(): boolean {
    return this.failure === null;
  }

  async start(): Promise<void> {
    const { ctx, metrics } = this;
    const log = ctx.log.child({ component: 'mqtt-broker' });
    const broker = await Aedes.createBroker({
      heartbeatInterval: 60_000,
      authenticate: (client, _username, password, done) => {
        const key = password ? password.toString('utf8') : '';
        if (!key) {
          metrics.mqtt.refusedConnects++;
          return done(authError('An API key is required as the MQTT password', 5), false);
        }
        ctx.authenticator.resolve(key).then(
          (principal) => {
            if (!principal || !can(principal, 'ingest')) {
              metrics.mqtt.refusedConnects++;
              log.warn({ client: client.id, principal: principal?.name }, 'MQTT connection refused: key invalid or without ingest permission');
              return done(authError('Not authorized', 5), false);
            }
            const claim = this.clientIdOwners.get(client.id);
            if (claim !== undefined && claim.owner !== ownerOf(principal)) {
              metrics.mqtt.refusedConnects++;
              log.warn({ client: client.id, principal: principal.name }, 'MQTT connection refused: the client id belongs to another key');
              return done(authError('Client id in use by another key', 2), false);
            }
            this.clientIdOwners.set(client.id, { owner: ownerOf(principal), client });
            this.principals.set(client, principal);
            this.logins.set(client, { key, checkedAt: Date.now() });
            const guard = this.guards.get(client);
            if (guard) guard.authenticated = true;
            done(null, true);
          },
          (err: Error) => {
            metrics.mqtt.refusedConnects++;
            log.warn({ err, client: client.id }, 'MQTT authentication failed');
            done(authError('Not authorized', 5), false);
          },
        );
      },
      authorizeSubscribe: (client, sub, done) => {
        const p = this.principals.get(client);
        // Devices write; reading the live stream needs the `read` permission.
        done(null, p && can(p, 'read') ? sub : null);
      },
      authorizeForward: (_client, packet) => (this.notForwarded.has(packet.payload as Buffer) ? null : packet),
      authorizePublish: (client, packet: PublishPacket, done) => {
        if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
        if (!client) return done(null);
        const principal = this.principals.get(client) ?? null;
        if (!principal) return done(new Error('Not authenticated'));
        const payload = packet.payload as Buffer;
        const telemetry = this.handler.isTelemetryTopic(packet.topic);
        // Only the admin may publish outside the telemetry topics or keep a retained message; anyone else's
        // message there is recorded as refused, acknowledged, and goes no further.
        const mayPublishAnywhere = can(principal, 'admin');
        if (!mayPublishAnywhere) packet.retain = false;
        if (!telemetry && mayPublishAnywhere) return done(null);
        metrics.mqtt.awaitingAck++;
        this.stillAuthorized(client, log)
          .then((ok) => {
            if (!ok) throw new Error('credentials revoked or no longer allowed to ingest');
            if (telemetry) return this.handler.handle(packet.topic, payload, principal);
            return this.handler
              .refuse(packet.topic, payload, `this key may only publish to ${this.handler.topicPrefix}/<well_id>/telemetry`, 'topic')
              .then(() => ({ accepted: 0, rejected: 1 }));
          })
          .then(
            (result) => {
              metrics.mqtt.awaitingAck--;
              if (result.rejected > 0) this.notForwarded.add(payload);
              done(null);
            },
            (err: Error) => {
              metrics.mqtt.awaitingAck--;
              metrics.mqtt.unacknowledged++;
              log.warn({ client: client.id, topic: packet.topic, err: err.message }, 'MQTT publish not acknowledged; the client will resend');
              done(err);
            },
          );
      },
    });
    broker.on('client', () => metrics.mqtt.connections++);
    broker.on('clientDisconnect', (client) => {
      metrics.mqtt.connections--;
      // A clean session ends with its connection, and with it the claim on the client id (unless the same
      // key has already reconnected under it). A persistent session keeps the claim.
      if (client.clean && this.clientIdOwners.get(client.id)?.client === client) this.clientIdOwners.delete(client.id);
    });
    this.broker = broker;
    const maxPacket = this.opts.maxPacketBytes;
    const server = createServer({ noDelay: true }, (socket) => {
      const scanner = new PacketHeaderScanner();
      const state = { authenticated: false };
      const conn = new GuardedConnection(
        socket,
        (chunk) => {
          // Before authentication every packet is CONNECT-sized and the total is bounded too, so an
          // unauthenticated client can make the broker hold at most PRE_AUTH_MAX_PACKET_BYTES.
          if (state.authenticated) return scanner.scan(chunk, maxPacket);
          const problem = scanner.scan(chunk, PRE_AUTH_MAX_PACKET_BYTES);
          if (problem) return `before authentication: ${problem}`;
          return scanner.bytes > PRE_AUTH_MAX_PACKET_BYTES ? `more than ${PRE_AUTH_MAX_PACKET_BYTES} bytes sent before authentication` : null;
        },
        (reason) => {
          metrics.mqtt.oversizedPackets++;
          log.warn({ remote: socket.remoteAddress, reason }, 'MQTT connection closed: packet too large');
        },
      );
      socket.on('error', () => undefined);
      const client = broker.handle(conn as unknown as Socket);
      this.guards.set(client, state);
    });
    server.maxConnections = this.opts.maxConnections;
    server.on('drop', () => {
      metrics.mqtt.droppedConnections++;
    });
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port, this.opts.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.failure = null;
      server.on('error', (err) => log.error({ err }, 'MQTT listener error'));
      log.info({ port: this.port }, `MQTT broker listening on mqtt://${this.opts.host}:${this.port}`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.failure =
        e.code === 'EADDRINUSE'
          ? `port ${this.opts.port} is already in use (another MQTT broker?): embedded broker not started`
          : `could not listen on port ${this.opts.port}: ${e.message}`;
      log.warn(
        { port: this.opts.port, code: e.code },
        `${this.failure}. HTTP keeps serving; set MQTT_PORT to a free port, MQTT_PORT=0 to disable, or MQTT_URL to use that broker`,
      );
      this.server = null;
      await new Promise<void>((r) => broker.close(() => r()));
      this.broker = null;
    }
  }

  async stop(): Promise<void> {
    this.failure = 'stopped';
    const server = this.server;
    const broker = this.broker;
    this.server = null;
    this.broker = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    // Closes client connections: publishes still waiting for their commit get no PUBACK and are resent later.
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
  }
}

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

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

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
    private readonly ctx: MqttDeps,
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
    const pending = new Map<number, Promise<boolean>>();
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
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: opts.clientId,
      clean: false,
      username: opts.username,
      password: opts.password,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      keepalive: 30,
      resubscribe: false,
      // The broker sends at most `receiveMaximum` messages before their acknowledgements: this bounds what a
      // backlog can push into the process, whatever is waiting at the broker.
      properties: { sessionExpiryInterval: opts.sessionExpirySeconds ?? 86_400, receiveMaximum: opts.receiveMaximum },
      // QoS 1 only (the subscription's maximum): QoS 0 messages arrive through the 'message' event below.
      customHandleAcks: (topic, message, packet, done) => {
        traffic();
        if (packet.messageId !== undefined) {
          metrics.mqtt.awaitingAck++;
          pending.set(
            packet.messageId,
            this.handler.handle(topic, message, null).then(
              () => true,
              (err: Error) => {
                log.warn({ err: err.message, topic }, 'MQTT message not acknowledged; the broker will redeliver');
                return false;
              },
            ),
          );
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
    const client = mqtt.connect(opts.url, { ...options, manualConnect: true });
    this.client = client;
    // mqtt.js sends the PUBACK right after the handler returns and reads the next packet only after that; hold
    // the PUBACK until the commit but let the reader go on, so one connection keeps many messages in flight.
    const c = client as unknown as { _sendPacket: SendPacket; stream: unknown };
    const send = c._sendPacket.bind(client);
    c._sendPacket = (packet, cb, ...rest) => {
      const work = packet.cmd === 'puback' && packet.messageId !== undefined ? pending.get(packet.messageId) : undefined;
      if (!work) return send(packet, cb, ...rest);
      pending.delete(packet.messageId!);
      const stream = c.stream;
      cb?.();
      this.ackChain = this.ackChain
        .then(() => work)
        .then((ok) => {
          metrics.mqtt.awaitingAck--;
          windowFreed();
          if (c.stream !== stream || !client.connected) return; // a new connection: the broker redelivers
          if (ok) return send(packet, () => undefined);
          metrics.mqtt.unacknowledged++;
          // MQTT redelivers an unacknowledged message only on a new connection (the session is persistent).
          (stream as { destroy?: () => void }).destroy?.();
        });
    };
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

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'invalid-url';
  }
}
