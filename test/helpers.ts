// Shared test fixtures: both storage adapters, a throw-away database per test file, a running app.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { pino } from 'pino';
import type { RouteOptions } from 'fastify';
import { App } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { PgliteExecutor } from '../src/storage/pglite.js';
import { PostgresExecutor } from '../src/storage/postgres.js';
import type { Repository } from '../src/storage/repository.js';
import { SqlRepository } from '../src/storage/sql-repository.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef0123';

export type AdapterKind = 'pglite' | 'postgres';

/** The adapters this run covers: always the embedded one; PostgreSQL when TEST_DATABASE_URL is set. */
export const ADAPTERS: AdapterKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  repo: Repository;
  /** PostgreSQL only: the URL of this test's own database. */
  url?: string;
  close(): Promise<void>;
}

/** A fresh, migrated store: in-memory PGlite, or a new PostgreSQL database dropped at close. */
export async function openTestDatabase(kind: AdapterKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const repo = new SqlRepository(await PgliteExecutor.open(undefined));
    await repo.migrate();
    return { repo, close: () => repo.close() };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const name = `esp_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const repo = new SqlRepository(
    new PostgresExecutor({ url: url.toString(), poolMax: 8, statementTimeoutMs: 30_000, retries: 3 }),
  );
  await repo.migrate();
  return {
    repo,
    url: url.toString(),
    async close() {
      await repo.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A second repository on the same database, as another process opens it: its own pool on PostgreSQL; on the
 * embedded store (one process only) the same connection with its own state (partition cache, derived-table
 * owner, known wells). `close` leaves the test database to its own close.
 */
export function openSecondRepository(db: TestDatabase, poolMax = 4): { repo: SqlRepository; close(): Promise<void> } {
  if (db.url) {
    const repo = new SqlRepository(new PostgresExecutor({ url: db.url, poolMax, statementTimeoutMs: 30_000, retries: 1 }));
    return { repo, close: () => repo.close() };
  }
  const repo = new SqlRepository((db.repo as SqlRepository).executor);
  return { repo, close: () => repo.derived.close() };
}

export function tempDir(prefix = 'esp-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  const dataDir = env.DATA_DIR ?? tempDir();
  return loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      MQTT_PORT: '0',
      DATA_DIR: dataDir,
      ESP_ADMIN_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
      ...env,
    },
    'test',
  );
}

export interface TestApp {
  app: App;
  baseUrl: string;
  config: Config;
  /** fetch against the app with the admin key unless headers say otherwise. */
  request(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the whole app on a free port over the given store. */
export async function startTestApp(
  db: TestDatabase,
  opts: {
    env?: Record<string, string | undefined>;
    /** With the security layer (headers, rate limits, tokens, device keys, audit, metrics, caches); off by default. */
    security?: boolean;
    /** Told of every route the app registers (route inventories). */
    onRoute?: (route: RouteOptions) => void;
    logStream?: NodeJS.WritableStream;
  } = {},
): Promise<TestApp> {
  const config = testConfig(opts.env);
  const logger = opts.logStream
    ? createLogger({ ...config, logging: { level: 'info', format: 'json' } }, opts.logStream)
    : pino({ level: 'silent' });
  const app = await App.create(config, { repo: db.repo, logger, security: opts.security ?? false, onRoute: opts.onRoute });
  await app.start();
  const baseUrl = `http://127.0.0.1:${app.port}`;
  return {
    app,
    baseUrl,
    config,
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      const key = init.key === undefined ? TEST_ADMIN_KEY : init.key;
      if (key !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(baseUrl + path, { ...init, headers, body });
    },
    async close() {
      await app.stop();
      rmSync(config.app.dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a fresh store of `kind` and starts the app on it before the suite's tests, and stops both after.
 * The returned object's fields are filled once `beforeAll` has run.
 */
export function useTestApp(
  kind: AdapterKind,
  opts: Parameters<typeof startTestApp>[1] = {},
): { db: TestDatabase; t: TestApp } {
  const ctx = {} as { db: TestDatabase; t: TestApp };
  beforeAll(async () => {
    ctx.db = await openTestDatabase(kind);
    ctx.t = await startTestApp(ctx.db, opts);
  });
  afterAll(async () => {
    await ctx.t?.close();
    await ctx.db?.close();
  });
  return ctx;
}
