// Composition root: wires config, logging, storage, ingest, the engine, HTTP and transports, and owns the
// start-up and graceful-shutdown order.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { resolveAdminKey, type AdminKey } from './admin-key.js';
import { AppError } from './domain/errors.js';
import { ReadingValidator } from './domain/validation.js';
import { DiagnosisService } from './ingest/diagnosis-service.js';
import { EventHub } from './ingest/events.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { HttpAlarmWebhook } from './ingest/webhook.js';
import { RunEventService } from './ingest/run-events.js';
import { SurveillanceService } from './ingest/surveillance.js';
import { Authenticator } from './security/authenticator.js';
import type { AppContext } from './http/context.js';
import type { DependencyCheck, Transport } from './domain/lifecycle.js';
import { presentReading } from './http/present.js';
import { buildServer, type ServerExtensions } from './http/server.js';
import { createLogger } from './logger.js';
import { DiskGuard } from './storage/disk-guard.js';
import { openRepository } from './storage/index.js';
import type { Repository } from './storage/repository.js';

/** Something with its own life cycle started after HTTP (the MQTT broker or subscriber, caches …). */
export type { Transport };

export interface Module {
  /** HTTP additions and global hooks. */
  server?: ServerExtensions;
  /**
   * Called before the HTTP server is built: opens the module's services and returns what the server and the
   * app get from them (security: its services for the HTTP plugins, its maintenance timer).
   */
  open?(ctx: AppContext, app: App): Promise<{ server?: ServerExtensions; transports?: Transport[] }>;
  /** Called once the context exists; may return transports to start. */
  setup?(ctx: AppContext, app: App): Promise<Transport[] | void>;
}

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
  modules?: Module[];
}

export class App {
  readonly ctx: AppContext;
  server!: FastifyInstance;
  readonly adminKey: AdminKey;
  private transports: Transport[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | null = null;
  private readonly ownsRepo: boolean;
  private readonly fields = new Map<string, string | null>();

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    repo: Repository,
    ownsRepo: boolean,
    private readonly modules: Module[],
  ) {
    this.ownsRepo = ownsRepo;
    this.adminKey = resolveAdminKey(config);
    const events = new EventHub(presentReading);
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
    );
    const diagnosis = new DiagnosisService(repo, events, log, {
      liveWindowMs: config.telemetry.alarmLiveWindowMs,
      baselineSaveMs: 10 * 60_000,
      warmupReadings: 5000,
      warmupWindowMs: 48 * 3_600_000,
      webhook: config.telemetry.alarmWebhookUrl ? new HttpAlarmWebhook(config.telemetry.alarmWebhookUrl, log) : undefined,
    });
    const runEvents = new RunEventService(repo, log);
    pipeline.onCommit((readings) => {
      diagnosis.onCommitted(readings);
      runEvents.onCommitted(readings);
      events.readings(readings);
    });
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
      fieldOf: (wellId) => this.fields.get(wellId),
    };
  }

  static async create(config: Config, opts: AppOptions = {}): Promise<App> {
    const log = opts.logger ?? createLogger(config);
    const repo =
      opts.repo ?? (await openRepository(config, (err) => log.warn({ err: err.message }, 'database connection lost')));
    return new App(config, log, repo, !opts.repo, opts.modules ?? []);
  }

  /** Refreshes the well → field map used to check device keys scoped to a field. */
  async refreshFields(): Promise<void> {
    const { wells } = await this.ctx.repo.listWells({ limit: 1_000_000, offset: 0 });
    this.fields.clear();
    for (const w of wells) this.fields.set(w.well_id, w.field);
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
    const server: ServerExtensions = { plugins: [], early: [] };
    for (const m of this.modules) {
      const opened = await m.open?.(this.ctx, this);
      if (opened?.transports) this.transports.push(...opened.transports);
      for (const ext of [m.server, opened?.server]) {
        server.plugins!.push(...(ext?.plugins ?? []));
        server.early!.push(...(ext?.early ?? []));
        if (ext?.alarmHooks) server.alarmHooks = ext.alarmHooks;
        if (ext?.security) server.security = ext.security;
      }
    }
    this.server = await buildServer(this.ctx, server);
    for (const m of this.modules) {
      const t = await m.setup?.(this.ctx, this);
      if (t) this.transports.push(...t);
    }
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
      await this.ctx.diagnosis.flush();
      await this.ctx.runEvents.flush();
      if (this.ownsRepo) await this.ctx.repo.close();
      this.log.info('stopped');
    })();
    return this.stopping;
  }
}
