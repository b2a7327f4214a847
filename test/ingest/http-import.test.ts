// HTTP side of ingest: bulk import (CSV / NDJSON streams, rejections with line numbers, scope, size), the
// bounded queue (503 + Retry-After), storage outages (503, readiness, recovery), idempotency, and a graceful
// stop that writes every queued reading.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/domain/reading.js';
import { ADAPTERS, openTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../helpers.js';
import { addTestKeys, DEVICE_KEY_W_IN, faultyRepo, type FaultyRepo } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString();

interface ImportBody {
  success: boolean;
  accepted: number;
  rejected: number;
  rejected_samples: { line: number; field: string; reason: string }[];
  duration_ms: number;
}

describe.each(ADAPTERS)('HTTP ingest and bulk import (%s)', (adapter) => {
  let db: TestDatabase;
  let faulty: FaultyRepo;
  let t: TestApp;
  const now = Date.now();

  beforeAll(async () => {
    db = await openTestDatabase(adapter);
    faulty = faultyRepo(db.repo);
    t = await startTestApp({ ...db, repo: faulty.repo });
    addTestKeys(t.app);
  });

  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  const importBody = (body: BodyInit, type: string, query = '', key?: string) =>
    t.request(`/api/v1/telemetry/import${query}`, { method: 'POST', body, headers: { 'content-type': type }, key, duplex: 'half' } as RequestInit);

  it('imports CSV, reporting each bad row with its line, field and reason', async () => {
    const csv = [
      'well_id,timestamp,flow_rate,pip,motor_current',
      `IMP-1,${iso(now - 3_000)},1500,900,40`,
      `IMP-1,${now - 2_000},1510,,41`,
      `IMP-1,${iso(now - 1_000)},-1,900,40`,
      `IMP-1,not-a-time,1500,900,40`,
      `IMP-1,${iso(now - 500)},abc,900,40`,
      `IMP-1,${iso(now - 400)},1500,900`,
      `"IMP-1","${iso(now - 300)}",1520,905,42`,
      '',
    ].join('\r\n');
    const res = await importBody(csv, 'text/csv');
    expect(res.status).toBe(200);
    const body = (await res.json()) as ImportBody;
    expect(body).toMatchObject({ success: true, accepted: 3, rejected: 4 });
    expect(body.rejected_samples).toEqual([
      { line: 4, field: 'flow_rate', reason: expect.stringMatching(/>= 0/) },
      { line: 5, field: 'timestamp', reason: expect.any(String) },
      { line: 6, field: 'flow_rate', reason: 'must be a number' },
      { line: 7, field: 'row', reason: expect.stringMatching(/4 fields/) },
    ]);
    expect(await db.repo.countReadings('IMP-1')).toBe(3);
    const latest = await db.repo.latestReading('IMP-1');
    expect(latest).toMatchObject({ flow_rate: 1520, pip: 905, ts: now - 300 });
    // Re-importing is a no-op for rows already stored.
    const again = (await (await importBody(csv, 'text/csv')).json()) as ImportBody;
    expect(again.accepted).toBe(3);
    expect(await db.repo.countReadings('IMP-1')).toBe(3);
  });

  it('takes the well from the query when the CSV has no well_id column, and refuses unknown columns', async () => {
    const csv = `timestamp,flow_rate\n${iso(now - 10_000)},100\n${iso(now - 9_000)},101\n`;
    const body = (await (await importBody(csv, 'text/csv; charset=utf-8', '?well_id=IMP-2')).json()) as ImportBody;
    expect(body).toMatchObject({ accepted: 2, rejected: 0 });
    expect(await db.repo.countReadings('IMP-2')).toBe(2);
    const bad = await importBody('well_id,timestamp,colour\nX,2024-01-01T00:00:00Z,red\n', 'text/csv');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/colour/);
    const noWell = await importBody(`timestamp,flow_rate\n${iso(now)},1\n`, 'text/csv');
    expect(noWell.status).toBe(400);
  });

  it('imports NDJSON', async () => {
    const lines = [
      JSON.stringify({ well_id: 'IMP-3', timestamp: iso(now - 2_000), flow_rate: 5 }),
      JSON.stringify({ timestamp: iso(now - 1_000), flow_rate: 6 }),
      '{oops',
      JSON.stringify([1, 2]),
      JSON.stringify({ well_id: 'IMP-3', timestamp: iso(now - 500), colour: 'red' }),
    ].join('\n');
    const res = await importBody(lines, 'application/x-ndjson', '?well_id=IMP-3');
    const body = (await res.json()) as ImportBody;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ accepted: 2, rejected: 3 });
    expect(body.rejected_samples.map((s) => s.line)).toEqual([3, 4, 5]);
    expect(body.rejected_samples[2].field).toBe('colour');
  });

  it('rejects rows for wells outside a device key scope, and needs the ingest permission', async () => {
    const csv = `well_id,timestamp,flow_rate\nW-IN,${iso(now - 1000)},1\nW-OUT,${iso(now - 1000)},1\n`;
    const body = (await (await importBody(csv, 'text/csv', '', DEVICE_KEY_W_IN)).json()) as ImportBody;
    expect(body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(body.rejected_samples[0]).toMatchObject({ line: 3, field: 'well_id' });
    expect(await db.repo.countReadings('W-OUT')).toBe(0);
    expect((await importBody(csv, 'text/csv', '', 'nope-nope-nope-nope')).status).toBe(401);
  });

  it('streams a large import in chunks with bounded memory', async () => {
    const rows = 120_000;
    const start = now - rows * 1000 - 60_000;
    async function* gen() {
      yield 'well_id,timestamp,' + CHANNELS.join(',') + '\n';
      for (let i = 0; i < rows; i += 2_000) {
        let s = '';
        for (let j = i; j < i + 2_000; j++) {
          s += `BIG-${j % 10},${iso(start + j * 1000)},${1000 + (j % 50)},900,40,85,0.5,60,3,300,500\n`;
        }
        yield s;
      }
    }
    const heapBefore = process.memoryUsage().heapUsed;
    const res = await importBody(Readable.toWeb(Readable.from(gen())) as unknown as BodyInit, 'text/csv');
    const body = (await res.json()) as ImportBody;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ accepted: rows, rejected: 0 });
    expect(await db.repo.countReadings('BIG-3')).toBe(rows / 10);
    // The server and the client share this process: both together must stay far below the file's size × 10.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1024 * 1024);
  });

  it('stores a re-sent reading once; the latest is the newest by timestamp, not by arrival', async () => {
    const newer = { well_id: 'IDEM-1', timestamp: iso(now - 1_000), flow_rate: 200 };
    const older = { well_id: 'IDEM-1', timestamp: iso(now - 50_000), flow_rate: 100 };
    for (const r of [newer, newer, older]) {
      expect((await t.request('/api/v1/telemetry/ingest', { method: 'POST', json: r })).status).toBe(201);
    }
    expect(await db.repo.countReadings('IDEM-1')).toBe(2);
    const latest = (await (await t.request('/api/v1/telemetry/wells/IDEM-1/latest')).json()) as { telemetry: { flow_rate: number; timestamp: string } };
    expect(latest.telemetry).toMatchObject({ flow_rate: 200, timestamp: newer.timestamp });
    const stats = t.app.ctx.ingestMetrics!.transports.http;
    expect(stats.accepted).toBeGreaterThanOrEqual(3);
  });

  it('answers 503 with Retry-After when the queue is full, and when storage is down; recovers by itself', async () => {
    // Storage down: ingest and readiness say 503, nothing is acknowledged.
    faulty.failing = true;
    const down = await t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'OUT-1', timestamp: iso(now - 1000), flow_rate: 1 } });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await t.request('/health/ready')).status).toBe(503);
    faulty.failing = false;
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await t.request('/health/ready')).status).toBe(200);
    const up = await t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'OUT-1', timestamp: iso(now - 1000), flow_rate: 1 } });
    expect(up.status).toBe(201);

    // Backpressure: a slow store and a tiny queue.
    const pipeline = t.app.ctx.pipeline as unknown as { opts: { queueMax: number } };
    const saved = pipeline.opts.queueMax;
    pipeline.opts.queueMax = 20;
    faulty.delayMs = 300;
    try {
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'BP-1', timestamp: iso(now - 100_000 + i), flow_rate: i } }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
      const refused = results.find((r) => r.status === 503)!;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { details: { reason: string } }).details.reason).toBe('backpressure');
      // Every 201 is stored.
      expect(await db.repo.countReadings('BP-1')).toBe(statuses.filter((s) => s === 201).length);
    } finally {
      pipeline.opts.queueMax = saved;
      faulty.delayMs = 0;
    }
  });
});

describe('graceful stop', () => {
  it('writes every queued reading before it stops', async () => {
    const db = await openTestDatabase('pglite');
    try {
      // A slow store and a long batch timer keep readings waiting in the queue when stop() is called.
      const slow = faultyRepo(db.repo);
      slow.delayMs = 1_000;
      const t = await startTestApp({ ...db, repo: slow.repo }, { env: { INGEST_COMMIT_DELAY_MS: '5000', INGEST_COMMIT_BATCH: '100000' } });
      const now = Date.now();
      const pending = Array.from({ length: 40 }, (_, i) =>
        t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'DRAIN-1', timestamp: iso(now - 10_000 + i), flow_rate: i } }),
      );
      const deadline = Date.now() + 10_000;
      while (t.app.ctx.pipeline.depth < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(t.app.ctx.pipeline.depth).toBe(40);
      expect(t.app.ctx.pipeline.stats.queued).toBeGreaterThan(0);
      const started = Date.now();
      const stopping = t.close();
      const statuses = (await Promise.all(pending)).map((r) => r.status);
      await stopping;
      // Answered by the drain, not by the 5 s batch timer.
      expect(Date.now() - started).toBeLessThan(4_500);
      expect(statuses.every((s) => s === 201)).toBe(true);
      expect(await db.repo.countReadings('DRAIN-1')).toBe(40);
    } finally {
      await db.close();
    }
  });
});
