// EmbeddedBroker: an aedes broker inside the process (MQTT 3.1.1). Clients log in with any username and an API key
// as the password. aedes writes the PUBACK right after `authorizePublish` calls back, so that hook is where the
// message is ingested: it calls back once the commit is done, or with an error (aedes then closes the connection,
// no PUBACK goes out, and the client resends after reconnecting).
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client as AedesClient, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { can, type Principal } from '../../domain/identity.js';
import type { DependencyCheck, Transport } from '../../domain/lifecycle.js';
import type { IngestMetrics } from '../metrics.js';
import type { MqttDeps } from './deps.js';
import { GuardedConnection, PacketHeaderScanner, PRE_AUTH_MAX_PACKET_BYTES } from './guard.js';
import type { MqttMessageHandler } from './handler.js';

/** How often a connected client's key is checked again (revocation takes effect within this). */
const REVALIDATE_MS = 5_000;

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
