// Configuration validation, persistence across restarts of the embedded store, retention by partition.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { pino } from 'pino';
import { ADAPTERS, openTestDatabase, tempDir, TEST_ADMIN_KEY } from '../helpers.js';

describe('configuration', () => {
  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: expected an integer/);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: must be one of json, pretty/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: protocol/);
    expect(() => loadConfig({ TELEMETRY_RETENTION_DAYS: '0' })).toThrow(/TELEMETRY_RETENTION_DAYS/);
  });

  it('refuses production without a long admin key and secret', () => {
    expect(() => loadConfig({ ENVIRONMENT: 'production' })).toThrow(/ESP_ADMIN_KEY/);
    expect(() => loadConfig({ ENVIRONMENT: 'production', ESP_ADMIN_KEY: 'short', SECRET_KEY: 'x'.repeat(40) })).toThrow(/ESP_ADMIN_KEY/);
    const ok = loadConfig({ ENVIRONMENT: 'production', ESP_ADMIN_KEY: 'k'.repeat(40), SECRET_KEY: 's'.repeat(40) });
    expect(ok.logging.format).toBe('json');
    expect(ok.app.port).toBe(8000);
  });
});

describe('embedded store across restarts', () => {
  it('keeps the data, and generates the admin key once with mode 0600', async () => {
    const dir = tempDir();
    const env = { PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'silent' };
    const log = pino({ level: 'silent' });
    const first = await App.create(loadConfig(env, 't'), { logger: log, security: false });
    await first.start();
    expect(first.adminKey.source).toBe('generated');
    const keyFile = join(dir, 'admin.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = first.adminKey.key;
    const res = await fetch(`http://127.0.0.1:${first.port}/api/v1/telemetry/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ well_id: 'KEEP-1', flow_rate: 123.5 }),
    });
    expect(res.status).toBe(201);
    await first.stop();

    const second = await App.create(loadConfig(env, 't'), { logger: log, security: false });
    await second.start();
    expect(second.adminKey).toMatchObject({ source: 'file', key });
    const latest = await fetch(`http://127.0.0.1:${second.port}/api/v1/telemetry/wells/KEEP-1/latest`, {
      headers: { 'x-api-key': key },
    });
    expect(((await latest.json()) as { telemetry: { flow_rate: number } }).telemetry.flow_rate).toBe(123.5);
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses ESP_ADMIN_KEY when set', async () => {
    const dir = tempDir();
    const app = await App.create(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', DATA_DIR: dir, ESP_ADMIN_KEY: TEST_ADMIN_KEY }, 't'),
      { logger: pino({ level: 'silent' }), repo: (await openTestDatabase('pglite')).repo, security: false },
    );
    expect(app.adminKey).toEqual({ key: TEST_ADMIN_KEY, source: 'environment' });
    await app.ctx.repo.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe.each(ADAPTERS)('retention on %s', (kind) => {
  it('drops whole daily partitions older than the cutoff, keeping newer data', async () => {
    const db = await openTestDatabase(kind);
    try {
      const day = 86_400_000;
      const today = Math.floor(Date.now() / day) * day;
      const mk = (ts: number) => ({ well_id: 'RET', ts, flow_rate: 1, pip: null, motor_current: null, motor_temp: null, vibration: null, vsd_frequency: null, flow_variance: null, torque: null, gor: null });
      await db.repo.insertReadings([mk(today - 10 * day + 1000), mk(today - 9 * day + 1000), mk(today - day + 5), mk(today + 5)]);
      expect(await db.repo.countReadings('RET')).toBe(4);
      const dropped = await db.repo.dropTelemetryBefore(today - 5 * day);
      expect(dropped).toHaveLength(2);
      expect(await db.repo.countReadings('RET')).toBe(2);
      // New data for a dropped day recreates its partition.
      await db.repo.insertReadings([mk(today - 9 * day + 2000)]);
      expect(await db.repo.countReadings('RET')).toBe(3);
    } finally {
      await db.close();
    }
  });
});
