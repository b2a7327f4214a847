// Live streams under load with clients that never read: each client's buffer stays bounded (events are
// skipped, and the client is told how many once it reads again), a client that takes nothing for too long is
// disconnected, and streams are capped per credential (429) and in total (503). Assertions are on bytes,
// counts and statuses, never on timings.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/domain/identity.js';
import type { Reading } from '../../src/domain/reading.js';
import { TEST_ADMIN_KEY, openTestDatabase, startTestApp, type TestApp } from '../helpers.js';

/** Above one round's burst (1 000 readings ≈ 300 KB), so a client that reads is never skipped. */
const LIMIT = 512 * 1024;
/** One event frame is far below this: the buffer can exceed the limit by at most one frame. */
const FRAME_SLACK = 4096;

/** A raw SSE client: sends the request, waits for the response head, then reads or not as told. */
function openStream(t: TestApp, key = TEST_ADMIN_KEY): Promise<{ socket: Socket; status: number; received: () => string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(t.baseUrl);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let data = '';
    let answered = false;
    socket.setEncoding('utf8');
    socket.on('error', (err) => (answered ? undefined : reject(err)));
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (!answered && data.includes('\r\n\r\n')) {
        answered = true;
        resolve({ socket, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]), received: () => data });
      }
    });
    socket.write(`GET /api/v1/events?types=reading HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${key}\r\nAccept: text/event-stream\r\n\r\n`);
  });
}

function fleetReadings(wells: number, ts: number): Reading[] {
  return Array.from({ length: wells }, (_, i) => ({
    well_id: `SSE-${String(i).padStart(5, '0')}`,
    ts,
    flow_rate: 1500 + i,
    pip: 900.25,
    motor_current: 42.125,
    motor_temp: 120.5,
    vibration: 0.75,
    vsd_frequency: 55.5,
    flow_variance: 0.05,
    torque: 120,
    gor: 300,
  }));
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SSE back-pressure (embedded store)', () => {
  it('holds 50 clients that never read under sustained ingest with bounded buffers, and tells a client what it missed', async () => {
    const db = await openTestDatabase('pglite');
    const t = await startTestApp(db, {
      env: { SSE_CLIENT_BUFFER_BYTES: String(LIMIT), SSE_MAX_CLIENTS_PER_PRINCIPAL: '100', SSE_SLOW_CLIENT_TIMEOUT_S: '3600' },
    });
    const hub = t.app.ctx.events;
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        const s = await openStream(t);
        expect(s.status).toBe(200);
        s.socket.pause(); // never reads again: the kernel buffers fill, then the server's
        idle.push(s.socket);
      }
      const reader = await openStream(t);
      expect(hub.clientCount).toBe(51);
      const rssBefore = process.memoryUsage().rss;

      // Sustained load: 1 000 wells, one reading each per round (one SSE flush each round). Rounds go on until
      // every idle client has had events skipped (bounded: at most 60 rounds).
      const WELLS = 1000;
      let maxBuffered = 0;
      let maxTotal = 0;
      let rounds = 0;
      const base = Date.now() - 3_600_000;
      while (rounds < 60 && hub.counters.skippedEvents < 50 * WELLS * 2) {
        await t.app.ctx.pipeline.submit(fleetReadings(WELLS, base + rounds * 1000));
        await pause(1100);
        const b = hub.buffered();
        maxBuffered = Math.max(maxBuffered, b.max);
        maxTotal = Math.max(maxTotal, b.total);
        rounds++;
      }
      const rssAfter = process.memoryUsage().rss;
      console.info(
        `[sse] rounds=${rounds} skipped=${hub.counters.skippedEvents} max per-client buffered=${maxBuffered} B, max total=${maxTotal} B, ` +
          `rss ${Math.round(rssBefore / 1e6)} → ${Math.round(rssAfter / 1e6)} MB (test and server share the process)`,
      );
      expect(hub.counters.skippedEvents).toBeGreaterThanOrEqual(50 * WELLS * 2);
      expect(maxBuffered).toBeLessThanOrEqual(LIMIT + FRAME_SLACK);
      expect(maxTotal).toBeLessThanOrEqual(51 * (LIMIT + FRAME_SLACK));
      expect(hub.counters.droppedClients).toBe(0);

      // The reading client kept receiving (rounds × wells events, none skipped).
      const got = reader.received();
      expect(got.split('event: reading\n').length - 1).toBeGreaterThanOrEqual(WELLS * (rounds - 1));
      expect(got).not.toContain('event: skipped');

      // An idle client that reads again gets what was buffered, then the count of what it missed. The kernel may
      // take a little more now and then (its buffers grow), so one client can see several `skipped` notices:
      // every reading published is either received or counted in one of them (a ping may be either too).
      const back = idle[0];
      let text = '';
      back.on('data', (c: string) => void (text += c));
      back.resume();
      const skippedTold = () => [...text.matchAll(/event: skipped\ndata: \{"skipped":(\d+)\}/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      const readingsGot = () => text.split('event: reading\n').length - 1;
      let published = WELLS * rounds;
      for (let i = 0; i < 20 && readingsGot() + skippedTold() < published; i++) {
        await t.app.ctx.pipeline.submit(fleetReadings(10, base + (rounds + i) * 1000));
        published += 10;
        await pause(1100);
      }
      expect(text, 'no skipped notice').toContain('event: skipped');
      expect(readingsGot() + skippedTold()).toBeGreaterThanOrEqual(published);
      expect(readingsGot() + skippedTold()).toBeLessThanOrEqual(published + 20); // at most the pings, one per 15 s
      expect(skippedTold()).toBeGreaterThan(WELLS);
      reader.socket.destroy();
    } finally {
      for (const s of idle) s.destroy();
      await t.close();
      await db.close();
    }
  }, 180_000);

  it('disconnects a client that takes nothing for SSE_SLOW_CLIENT_TIMEOUT_S', async () => {
    const db = await openTestDatabase('pglite');
    // Each round (4 MB per client, published straight to the hub) fills the kernel's socket buffers and this
    // one, so the client takes nothing at all.
    const t = await startTestApp(db, { env: { SSE_CLIENT_BUFFER_BYTES: String(1024 * 1024), SSE_SLOW_CLIENT_TIMEOUT_S: '1' } });
    const hub = t.app.ctx.events;
    try {
      const clients = await Promise.all(Array.from({ length: 5 }, () => openStream(t)));
      const closed = clients.map((c) => new Promise<void>((r) => c.socket.on('close', () => r())));
      for (const c of clients) c.socket.pause();
      const padding = 'x'.repeat(10_000);
      for (let round = 0; round < 60 && hub.counters.droppedClients < 5; round++) {
        for (let i = 0; i < 400; i++) hub.publish({ type: 'reading', data: { well_id: `SLOW-${i}`, round, padding } });
        await pause(1100);
      }
      expect(hub.counters.droppedClients).toBe(5);
      expect(hub.clientCount).toBe(0);
      for (const c of clients) c.socket.resume(); // let the close be seen
      await Promise.all(closed);
    } finally {
      await t.close();
      await db.close();
    }
  }, 180_000);

  it('caps streams per credential (429) and in total (503), and frees a slot when a stream closes', async () => {
    const db = await openTestDatabase('pglite');
    const t = await startTestApp(db, { env: { SSE_MAX_CLIENTS: '3', SSE_MAX_CLIENTS_PER_PRINCIPAL: '2' } });
    t.app.ctx.authenticator.addResolver(async (cred): Promise<Principal | null> =>
      cred.startsWith('sse-viewer-') ? { kind: 'user', name: cred, role: 'viewer' } : null,
    );
    const open: Socket[] = [];
    try {
      const a = await openStream(t);
      const b = await openStream(t);
      open.push(a.socket, b.socket);
      expect([a.status, b.status]).toEqual([200, 200]);
      const third = await t.request('/api/v1/events');
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({ error_code: 'RATE_LIMIT_EXCEEDED' });
      const v1 = await openStream(t, 'sse-viewer-1-0123456789');
      open.push(v1.socket);
      expect(v1.status).toBe(200);
      const full = await t.request('/api/v1/events', { key: 'sse-viewer-2-0123456789' });
      expect(full.status).toBe(503);
      expect(await full.json()).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE' });
      expect(t.app.ctx.events.counters.refusedClients).toBe(2);
      // Closing one stream frees its slot.
      const gone = new Promise<void>((r) => a.socket.on('close', () => r()));
      a.socket.destroy();
      await gone;
      for (let i = 0; i < 50 && t.app.ctx.events.clientCount > 2; i++) await pause(20);
      const again = await openStream(t, 'sse-viewer-2-0123456789');
      open.push(again.socket);
      expect(again.status).toBe(200);
    } finally {
      for (const s of open) s.destroy();
      await t.close();
      await db.close();
    }
  });
});
