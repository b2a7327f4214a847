// Configuration comes only from the environment (and an optional .env), parsed and validated once at start.
// A bad value stops start-up with a message that names the variable.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from './domain/errors.js';

export type Environment = 'development' | 'staging' | 'production';

export interface Config {
  app: {
    environment: Environment;
    host: string;
    port: number;
    dataDir: string;
    version: string;
    serviceName: string;
    shutdownTimeoutMs: number;
  };
  database: {
    /** Unset: the embedded store (PGlite) in dataDir. */
    url: string | undefined;
    poolMax: number;
    statementTimeoutMs: number;
    connectRetries: number;
    /** Embedded store: writes are refused (507) while DATA_DIR has less than this free; 0 disables the guard. */
    storageMinFreeMb: number;
  };
  mqtt: {
    /** Port of the embedded broker; 0 disables it. */
    port: number;
    /** External broker: the platform subscribes there instead of embedding one. */
    url: string | undefined;
    shareGroup: string;
    username: string | undefined;
    password: string | undefined;
    topicPrefix: string;
    /** Client id on the external broker; its persistent session (unacknowledged messages) is keyed by it. */
    clientId: string | undefined;
    /** Embedded broker: largest packet accepted from an authenticated client (CONNECT is capped far lower). */
    maxPacketBytes: number;
    /** Embedded broker: connections beyond this are closed at once. */
    maxConnections: number;
    /** External broker: QoS 1 messages the broker may have in flight to this process (MQTT 5 receive maximum). */
    receiveMaximum: number;
  };
  logging: {
    level: string;
    format: 'json' | 'pretty';
  };
  security: {
    adminKey: string | undefined;
    secretKey: string | undefined;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    allowedOrigins: string[];
    rateLimitPerMinute: number;
    /** Readings per minute one credential may write over HTTP ingest (single and batch), and requests per IP to those routes. */
    ingestRateLimitPerMinute: number;
    redisUrl: string | undefined;
    /** Prefix of every Redis key (cache, rate limits): processes sharing it share limits and cache. */
    redisPrefix: string;
    /** Which peers may set X-Forwarded-For (Fastify trustProxy): true, false, a hop count or addresses/CIDRs. */
    trustProxy: boolean | number | string;
  };
  telemetry: {
    retentionDays: number;
    maxBatchReadings: number;
    maxBodyBytes: number;
    /** Largest body accepted by the bulk import (streamed, so memory stays constant). */
    maxImportBytes: number;
    maxFutureSkewMs: number;
    /** Group commit: flush a batch when it holds this many readings ... */
    commitBatchMax: number;
    /** ... or when the oldest waiting reading has waited this long. */
    commitDelayMs: number;
    /** Batches written at once (PostgreSQL); the embedded store always writes one at a time. */
    writers: number;
    /** Readings waiting for commit beyond which ingest answers 503 / MQTT stops acknowledging. */
    queueMax: number;
    /** A commit not confirmed by storage within this is given up: 503 to its waiters, the writer freed. */
    commitTimeoutMs: number;
    alarmWebhookUrl: string | undefined;
    /** Readings older than this are backfill: they update diagnoses but never raise alarms for the past. */
    alarmLiveWindowMs: number;
    /** Stored forecasts older than this are recomputed in the background (0: only on request). */
    forecastRefreshMs: number;
  };
  /** Server-Sent Events (live stream) bounds. */
  live: {
    /** Bytes waiting to be sent to one client beyond which its events are skipped until it catches up. */
    clientBufferBytes: number;
    /** A client that has not taken anything for this long while events are skipped is disconnected. */
    slowClientTimeoutMs: number;
    /** Streams open at once, in total (503 beyond) and per credential (429 beyond). */
    maxClients: number;
    maxClientsPerPrincipal: number;
  };
}

type Env = Record<string, string | undefined>;

class EnvReader {
  readonly errors: string[] = [];
  constructor(private readonly env: Env) {}

  str(name: string, def?: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === '' ? def : v;
  }

  int(name: string, def: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === undefined) return def;
    if (!/^-?\d+$/.test(raw.trim())) {
      this.errors.push(`${name}: expected an integer, got "${raw}"`);
      return def;
    }
    const n = Number(raw);
    if (n < min || n > max) {
      this.errors.push(`${name}: must be between ${min} and ${max}, got ${n}`);
      return def;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
    const raw = this.str(name);
    if (raw === undefined) return def;
    const v = raw.toLowerCase() as T;
    if (!allowed.includes(v)) {
      this.errors.push(`${name}: must be one of ${allowed.join(', ')}, got "${raw}"`);
      return def;
    }
    return v;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        this.errors.push(`${name}: protocol must be one of ${protocols.join(', ')}, got "${u.protocol}"`);
      }
    } catch {
      this.errors.push(`${name}: not a valid URL`);
    }
    return raw;
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env, version = '0.0.0'): Config {
  const r = new EnvReader(env);
  const environment = r.oneOf<Environment>('ENVIRONMENT', ['development', 'staging', 'production'], 'development');
  const production = environment === 'production';

  const config: Config = {
    app: {
      environment,
      host: r.str('HOST', '0.0.0.0')!,
      port: r.int('PORT', 8000, 0, 65535),
      dataDir: resolve(r.str('DATA_DIR', './data')!),
      version,
      serviceName: 'esp-iot-platform',
      shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 15_000, 100, 600_000),
    },
    database: {
      url: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
      poolMax: r.int('DATABASE_POOL_MAX', 10, 1, 1000),
      statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
      connectRetries: r.int('DATABASE_CONNECT_RETRIES', 5, 0, 1000),
      storageMinFreeMb: r.int('STORAGE_MIN_FREE_MB', 256, 0, 10_000_000),
    },
    mqtt: {
      port: r.int('MQTT_PORT', 1883, 0, 65535),
      url: r.url('MQTT_URL', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
      shareGroup: r.str('MQTT_SHARE_GROUP', 'esp-platform')!,
      username: r.str('MQTT_USERNAME'),
      password: r.str('MQTT_PASSWORD'),
      topicPrefix: r.str('MQTT_TOPIC_PREFIX', 'esp')!,
      clientId: r.str('MQTT_CLIENT_ID'),
      maxPacketBytes: r.int('MQTT_MAX_PACKET_BYTES', 1_048_576, 1_024, 268_435_455),
      maxConnections: r.int('MQTT_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
      receiveMaximum: r.int('MQTT_RECEIVE_MAXIMUM', 5_000, 1, 65_535),
    },
    logging: {
      level: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
      format: r.oneOf('LOG_FORMAT', ['json', 'pretty'], production ? 'json' : 'pretty'),
    },
    security: {
      adminKey: r.str('ESP_ADMIN_KEY'),
      secretKey: r.str('SECRET_KEY'),
      accessTokenTtlSeconds: r.int('ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400),
      refreshTokenTtlSeconds: r.int('REFRESH_TOKEN_TTL_SECONDS', 7 * 86_400, 60, 90 * 86_400),
      allowedOrigins: (r.str('ALLOWED_ORIGINS', '') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      rateLimitPerMinute: r.int('RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000),
      // A gateway for 1 000 wells reporting every second writes 60 000 readings a minute: twice that by default.
      ingestRateLimitPerMinute: r.int('INGEST_RATE_LIMIT_PER_MINUTE', 120_000, 1, 1_000_000_000),
      redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']),
      redisPrefix: r.str('REDIS_PREFIX', 'esp:')!,
      // No proxy is believed unless configured: any client on a private network could otherwise pick its own
      // address (per-IP rate limits, login limits, audit log) by sending X-Forwarded-For.
      trustProxy: ((v: string): boolean | number | string =>
        v === 'true' ? true : v === 'false' || v === 'none' || v === '' ? false : /^\d+$/.test(v) ? Number(v) : v)(
        r.str('TRUST_PROXY', 'none')!.trim().toLowerCase(),
      ),
    },
    telemetry: {
      retentionDays: r.int('TELEMETRY_RETENTION_DAYS', 90, 1, 36_500),
      maxBatchReadings: r.int('TELEMETRY_MAX_BATCH', 10_000, 1, 1_000_000),
      maxBodyBytes: r.int('TELEMETRY_MAX_BODY_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxImportBytes: r.int('TELEMETRY_MAX_IMPORT_BYTES', 2 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER),
      maxFutureSkewMs: r.int('TELEMETRY_MAX_FUTURE_SKEW_S', 3600, 0, 365 * 86_400) * 1000,
      commitBatchMax: r.int('INGEST_COMMIT_BATCH', 5000, 1, 1_000_000),
      commitDelayMs: r.int('INGEST_COMMIT_DELAY_MS', 5, 0, 10_000),
      writers: r.int('INGEST_WRITERS', 4, 1, 64),
      queueMax: r.int('INGEST_QUEUE_MAX', 200_000, 100, 100_000_000),
      commitTimeoutMs: r.int('INGEST_COMMIT_TIMEOUT_MS', 15_000, 0, 3_600_000),
      alarmWebhookUrl: r.url('ALARM_WEBHOOK_URL', ['http:', 'https:']),
      alarmLiveWindowMs: r.int('ALARM_LIVE_WINDOW_S', 900, 1, 30 * 86_400) * 1000,
      forecastRefreshMs: r.int('FORECAST_REFRESH_MIN', 360, 0, 7 * 24 * 60) * 60_000,
    },
    live: {
      // One flush of a 1 000-well fleet is ~300 KB written at once: a client that reads keeps up.
      clientBufferBytes: r.int('SSE_CLIENT_BUFFER_BYTES', 1024 * 1024, 1024, 1024 ** 3),
      slowClientTimeoutMs: r.int('SSE_SLOW_CLIENT_TIMEOUT_S', 60, 1, 86_400) * 1000,
      maxClients: r.int('SSE_MAX_CLIENTS', 1000, 1, 1_000_000),
      maxClientsPerPrincipal: r.int('SSE_MAX_CLIENTS_PER_PRINCIPAL', 50, 1, 1_000_000),
    },
  };

  if (production) {
    if (!config.security.adminKey || config.security.adminKey.length < 32) {
      r.errors.push('ESP_ADMIN_KEY: required in production, at least 32 characters');
    }
    if (!config.security.secretKey || config.security.secretKey.length < 32) {
      r.errors.push('SECRET_KEY: required in production, at least 32 characters');
    }
    if (config.security.allowedOrigins.includes('*')) {
      r.errors.push('ALLOWED_ORIGINS: "*" is not allowed in production');
    }
  } else if (config.security.adminKey !== undefined && config.security.adminKey.length < 16) {
    r.errors.push('ESP_ADMIN_KEY: at least 16 characters');
  }
  if (config.security.secretKey !== undefined && config.security.secretKey.length < 32) {
    r.errors.push('SECRET_KEY: at least 32 characters');
  }

  if (r.errors.length) {
    throw new ConfigurationError(`Invalid configuration: ${r.errors.join('; ')}`, { errors: r.errors });
  }
  return config;
}

/** Loads `.env` from the working directory into process.env (variables already set win). */
export function loadDotEnv(path = '.env'): void {
  if (!existsSync(path)) return;
  const before = { ...process.env };
  process.loadEnvFile(path);
  for (const [k, v] of Object.entries(before)) process.env[k] = v;
}
