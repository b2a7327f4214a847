// Composition root: builds the services (storage, the ingest pipeline, the engine, surveillance, the live
// stream), wires them together through the event bus, builds the HTTP server and the MQTT transport, and owns
// the start-up and graceful-shutdown order.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { resolveAdminKey, type AdminKey } from './admin-key.js';
import { AppError } from './domain/errors.js';
import type { Transport } from './domain/lifecycle.js';
import { ReadingValidator } from './domain/validation.js';
import { RejectedSink } from './ingest/device.js';
import { DiagnosisService } from './ingest/diagnosis-service.js';
import { EventBus } from './ingest/event-bus.js';
import { EventHub } from './ingest/events.js';
import { IngestMetrics } from './ingest/metrics.js';
import { defaultClientId, EmbeddedBroker, ExternalSubscriber, MqttMessageHandler, type MqttDeps } from './ingest/mqtt/index.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { RunEventService } from './ingest/run-events.js';
import { SurveillanceService } from './ingest/surveillance.js';
import { HttpAlarmWebhook } from './ingest/webhook.js';
import { WellFieldMap } from './ingest/well-fields.js';
import { Authenticator } from './security/authenticator.js';
import { SecurityServices } from './security/services.js';
import type { AppContext } from './http/context.js';
import { metrics } from './http/metrics.js';
import { presentReading } from './http/present.js';
import { buildServer } from './http/server.js';
import { createLogger } from './logger.js';
import { DiskGuard } from './storage/disk-guard.js';
import { openRepository } from './storage/index.js';
import type { Repository } from './storage/repository.js';

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    try {
      return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      return '0.0.0';
    }
  }
}

/** Reads every main table; a failure that is not an outage says the store may be damaged. */
async function checkStore(repo: Repository): Promise<void> {
  try {
    // One attempt first (no retry budget), so a lost database is named at once; then every main table read.
    await repo.ping();
    await repo.checkTables();
  } catch (err) {
    if (err instanceof AppError && err.status === 503) throw err;
    throw new Error(`store check failed, a table cannot be read (the store may be damaged): ${(err as Error).message}`);
  }
}

export interface AppOptions {
  logger?: Logger;
  /** An already open repository (tests share one embedded store per file). */
  repo?: Repository;
  /**
   * The security layer: security headers, CORS, rate limits, user tokens and device keys, the audit log,
   * Prometheus metrics, the latest-reading and fleet caches. On unless turned off (tests of the core API).
   */
  security?: boolean;
  /** Told of every route the HTTP server registers from its global hooks on (route inventories in tests). */
  onRoute?: (route: RouteOptions) => void;
}

export class App {
  readonly ctx: AppContext;
  server!: FastifyInstance;
  readonly adminKey: AdminKey;
  /** The MQTT transport once started: the embedded broker, the subscription to an external one, or none. */
  mqtt: EmbeddedBroker | ExternalSubscriber | null = null;
  private transports: Transport[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | null = null;
  private readonly ownsRepo: boolean;
  private readonly wellFields: WellFieldMap;
  /** Security and operations services (null when the app runs with the admin key only). */
  private security: SecurityServices | null = null;

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    repo: Repository,
    ownsRepo: boolean,
    private readonly opts: AppOptions,
  ) {
    this.ownsRepo = ownsRepo;
    this.adminKey = resolveAdminKey(config);
    const bus = new EventBus(log);
    const events = new EventHub(presentReading);
    this.wellFields = new WellFieldMap(repo);
    // The embedded store lives in DATA_DIR: keep enough of that disk free that the engine never meets ENOSPC.
    // (PostgreSQL's disk is not visible from here; its disk_full error becomes 507 instead.)
    const diskGuard =
      ownsRepo && repo.kind === 'pglite' && config.database.storageMinFreeMb > 0
        ? new DiskGuard(config.app.dataDir, {
            minFreeBytes: config.database.storageMinFreeMb * 1024 * 1024,
            onChange: (low, space) =>
              low
                ? log.error({ data_dir: config.app.dataDir, free_mb: Math.floor(space.freeBytes / 2 ** 20) }, 'disk nearly full: refusing writes')
                : log.warn({ data_dir: config.app.dataDir, free_mb: Math.floor(space.freeBytes / 2 ** 20) }, 'disk space back: writes resume'),
          })
        : undefined;
    const pipeline = new IngestPipeline(
      repo,
      {
        batchMax: config.telemetry.commitBatchMax,
        delayMs: config.telemetry.commitDelayMs,
        queueMax: config.telemetry.queueMax,
        commitTimeoutMs: config.telemetry.commitTimeoutMs,
        writeGuard: diskGuard,
        concurrency: repo.kind === 'postgres' ? Math.max(1, Math.min(config.telemetry.writers, config.database.poolMax - 2)) : 1,
      },
      log,
      bus,
    );
    const diagnosis = new DiagnosisService(repo, bus, log, {
      liveWindowMs: config.telemetry.alarmLiveWindowMs,
      baselineSaveMs: 10 * 60_000,
      warmupReadings: 5000,
      warmupWindowMs: 48 * 3_600_000,
    });
    const runEvents = new RunEventService(repo, log);
    const webhook = config.telemetry.alarmWebhookUrl ? new HttpAlarmWebhook(config.telemetry.alarmWebhookUrl, log) : null;

    // Who reacts to what, in this order (the bus calls listeners synchronously, in subscription order; the
    // security layer's cache and metrics subscribe after these when the HTTP server is built).
    bus.on('readings.committed', (e) => diagnosis.committed(e));
    bus.on('readings.committed', (e) => runEvents.committed(e));
    bus.on('readings.committed', (e) => events.readings(e.readings));
    bus.on('well.changed', (e) => {
      if (e.change !== 'saved') return;
      diagnosis.wellUpdated(e.well.well_id, e.well);
      runEvents.wellUpdated(e.well.well_id, e.well.rated_current_a);
    });
    bus.on('well.changed', (e) => this.wellFields.changed(e));
    bus.on('diagnosis.recorded', (e) => events.publish({ type: 'diagnosis', data: e.diagnosis }));
    bus.on('alarm.changed', (e) => events.publish({ type: 'alarm', data: e.alarm }));
    if (webhook) bus.on('alarm.changed', (e) => webhook.send(e.change, e.alarm));

    this.ctx = {
      config,
      log,
      repo,
      pipeline,
      validator: new ReadingValidator(),
      diagnosis,
      runEvents,
      surveillance: new SurveillanceService(repo, log, { refreshMs: config.telemetry.forecastRefreshMs, batch: 20, tickMs: 60_000 }),
      events,
      bus,
      authenticator: new Authenticator(this.adminKey.key),
      dependencies: [
        {
          name: 'database',
          required: true,
          check: async () => {
            await checkStore(repo);
            return { type: repo.kind };
          },
        },
        ...(diskGuard
          ? [{ name: 'disk', required: false, check: async () => diskGuard.check() }]
          : []),
      ],
      diskGuard,
      startedAt: null,
      fieldOf: this.wellFields.fieldOf,
      wellFields: this.wellFields,
      ingestMetrics: new IngestMetrics(),
    };
  }

  static async create(config: Config, opts: AppOptions = {}): Promise<App> {
    const log = opts.logger ?? createLogger(config);
    const repo =
      opts.repo ?? (await openRepository(config, (err) => log.warn({ err: err.message }, 'database connection lost')));
    return new App(config, log, repo, !opts.repo, opts);
  }

  /** Reloads the well → field map used to check device keys scoped to a field. */
  refreshFields(): Promise<void> {
    return this.wellFields.refresh();
  }

  /** The MQTT transport the configuration asks for: a subscription to MQTT_URL, or a broker on MQTT_PORT. */
  private createMqtt(rejects: RejectedSink): EmbeddedBroker | ExternalSubscriber | null {
    const { ctx } = this;
    const { mqtt, app } = this.config;
    const deps: MqttDeps = {
      config: ctx.config,
      log: ctx.log,
      validator: ctx.validator,
      pipeline: ctx.pipeline,
      authenticator: ctx.authenticator,
      fieldOf: ctx.wellFields.fieldOf,
    };
    const metrics = ctx.ingestMetrics;
    const handler = new MqttMessageHandler(deps, metrics, rejects, mqtt.topicPrefix);
    if (mqtt.url) {
      return new ExternalSubscriber(deps, handler, metrics, {
        url: mqtt.url,
        shareGroup: mqtt.shareGroup,
        topicPrefix: mqtt.topicPrefix,
        username: mqtt.username,
        password: mqtt.password,
        clientId: mqtt.clientId ?? defaultClientId(mqtt.shareGroup, app.port),
        // Never more in flight than a tenth of the ingest queue, so a backlog cannot fill it.
        receiveMaximum: Math.max(1, Math.min(mqtt.receiveMaximum, Math.floor(this.config.telemetry.queueMax / 10))),
      });
    }
    if (mqtt.port) {
      return new EmbeddedBroker(deps, handler, metrics, {
        port: mqtt.port,
        host: app.host,
        maxPacketBytes: mqtt.maxPacketBytes,
        maxConnections: mqtt.maxConnections,
      });
    }
    return null;
  }

  async start(listen = true): Promise<void> {
    const applied = await this.ctx.repo.migrate();
    if (applied.length) this.log.info({ applied }, 'migrations applied');
    // A store that opens but cannot be read (damaged files) keeps the process up and not ready, saying why,
    // rather than serving errors behind a healthy probe or exiting in a restart loop.
    let storeDamaged = false;
    try {
      await checkStore(this.ctx.repo);
    } catch (err) {
      storeDamaged = true;
      this.log.error({ err: (err as Error).message }, 'store check failed at start: not ready until it passes');
    }
    if (this.opts.security !== false) this.security = await this.openSecurity();
    this.server = await buildServer(this.ctx, { security: this.security ?? undefined, onRoute: this.opts.onRoute });
    const rejects = new RejectedSink(this.ctx.repo, this.ctx.log);
    this.mqtt = this.createMqtt(rejects);
    if (this.mqtt) this.transports.push(this.mqtt);
    // Stopped after the MQTT transport: rejections still buffered are written before storage closes.
    this.transports.push({ name: 'ingest-rejects', start: async () => undefined, stop: () => rejects.flush() });
    for (const t of this.transports) if (t.health) this.ctx.dependencies.push(t.health);
    await this.refreshFields().catch((err: unknown) => {
      if (!storeDamaged) throw err;
    });
    if (listen) {
      await this.server.listen({ port: this.config.app.port, host: this.config.app.host });
    } else {
      await this.server.ready();
    }
    for (const t of this.transports) await t.start();
    this.scheduleRetention();
    this.ctx.surveillance.start();
    this.ctx.startedAt = Date.now();
  }

  /**
   * The security and operations services, wired to the rest: the cache as a dependency, the caches on the
   * context, device keys and user tokens as credential resolvers, the latest-reading
   * cache fed by commits, and a maintenance timer (field map, expired refresh tokens).
   */
  private async openSecurity(): Promise<SecurityServices> {
    const ctx = this.ctx;
    const security = await SecurityServices.open({
      config: ctx.config,
      log: ctx.log,
      repo: ctx.repo,
      onAuditWriteFailed: () => metrics.storageErrors.inc({ operation: 'audit' }),
    });
    if (security.dependency) ctx.dependencies.push(security.dependency);
    ctx.latest = security.latest;
    ctx.fleet = security.fleet;
    ctx.authenticator.addResolver((credential) => security.service.resolveDeviceKey(credential));
    ctx.authenticator.addResolver((credential) => security.service.resolveAccessToken(credential));
    // Newest reading per well (by timestamp) from the pipeline's commits.
    ctx.bus.on('readings.committed', ({ readings }) => {
      void security.latest.put(readings).catch((err: Error) => ctx.log.warn({ err: err.message }, 'latest cache update failed'));
    });
    let timer: NodeJS.Timeout | null = null;
    this.transports.push({
      name: 'security-maintenance',
      start: async () => {
        // Every minute: the full well → field map (for MQTT device keys), expired refresh tokens.
        timer = setInterval(() => {
          void (async () => {
            try {
              await this.refreshFields();
              await security.purge();
            } catch (err) {
              ctx.log.warn({ err }, 'security maintenance failed');
            }
          })();
        }, 60_000);
        timer.unref();
      },
      stop: async () => {
        if (timer) clearInterval(timer);
      },
    });
    return security;
  }

  /** Port actually bound (PORT=0 picks a free one). */
  get port(): number {
    const addr = this.server.server.address();
    return typeof addr === 'object' && addr ? addr.port : this.config.app.port;
  }

  private scheduleRetention(): void {
    const run = async () => {
      try {
        const cutoff = Date.now() - this.config.telemetry.retentionDays * 86_400_000;
        const dropped = await this.ctx.repo.dropTelemetryBefore(cutoff);
        if (dropped.length) this.log.info({ dropped }, 'retention: dropped telemetry partitions');
      } catch (err) {
        this.log.warn({ err }, 'retention job failed');
      }
    };
    void run();
    const t = setInterval(run, 3_600_000);
    t.unref();
    this.timers.push(t);
  }

  /** Stop accepting, finish in-flight requests, write what is queued, close storage. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      await this.ctx.surveillance.stop();
      for (const t of this.transports) {
        await t.stop().catch((err) => this.log.warn({ err, transport: t.name }, 'transport stop failed'));
      }
      this.ctx.events.close();
      // Commit what is queued now (not when the batch timer fires) so waiting requests are answered while
      // the server closes; then refuse new work and write whatever came in meanwhile.
      if (this.server) {
        // Keep-alive connections whose last request finished after close() began would hold it open until
        // their idle timeout: close them as they go idle.
        const idle = setInterval(() => this.server.server.closeIdleConnections(), 50);
        try {
          await Promise.all([this.server.close(), this.ctx.pipeline.drain(false)]);
        } finally {
          clearInterval(idle);
        }
      }
      await this.ctx.pipeline.drain();
      // After the last commit: readings written during the drain updated the cache before its connection goes.
      await this.security?.close();
      await this.ctx.diagnosis.flush();
      await this.ctx.runEvents.flush();
      if (this.ownsRepo) await this.ctx.repo.close();
      this.log.info('stopped');
    })();
    return this.stopping;
  }
}
