// The alarm webhook: every alarm change is POSTed as JSON and retried until the receiver takes it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Alarm } from '../../src/domain/alarm.js';
import { HttpAlarmWebhook } from '../../src/ingest/webhook.js';
import { openTestDatabase, startTestApp } from '../helpers.js';

const alarm: Alarm = {
  id: 7,
  well_id: 'WH-1',
  code: 'CLOSED_VALVE',
  severity: 'critical',
  status: 'active',
  message: 'Closed valve (deadhead)',
  evidence: [{ channel: 'flow_norm', observed: 3, baseline: 560, rule: 'flow.gone' }],
  raised_at: new Date().toISOString(),
  reading_ts: new Date().toISOString(),
  acknowledged_at: null,
  acknowledged_by: null,
  ack_note: null,
  cleared_at: null,
};

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });

describe('alarm webhook', () => {
  let server: Server;
  let url = '';
  const received: unknown[] = [];
  let failFirst = 0;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const text = await body(req);
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(503).end();
        return;
      }
      received.push({ contentType: req.headers['content-type'], json: JSON.parse(text) });
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts the alarm and retries a failing receiver until it takes it', async () => {
    failFirst = 2;
    const hook = new HttpAlarmWebhook(url, pino({ level: 'silent' }), 5);
    hook.send('raised', alarm);
    const deadline = Date.now() + 15_000;
    while (!received.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    expect(failFirst).toBe(0);
    const got = received[0] as { contentType: string; json: { event: string; alarm: Alarm; sent_at: string } };
    expect(got.contentType).toMatch(/application\/json/);
    expect(got.json.event).toBe('raised');
    expect(got.json.alarm).toEqual(alarm);
  });

  it('gives up on a receiver that refuses (4xx) without retrying', async () => {
    received.length = 0;
    const refusing = createServer((_req, res) => res.writeHead(400).end());
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    let hits = 0;
    refusing.on('request', () => hits++);
    const hook = new HttpAlarmWebhook(`http://127.0.0.1:${(refusing.address() as { port: number }).port}/`, pino({ level: 'silent' }), 5);
    hook.send('cleared', alarm);
    await new Promise((r) => setTimeout(r, 1500));
    expect(hits).toBe(1);
    await new Promise<void>((r) => refusing.close(() => r()));
  });

  it('is told by the app of an alarm a person acknowledges', async () => {
    received.length = 0;
    failFirst = 0;
    const db = await openTestDatabase('pglite');
    const t = await startTestApp(db, { env: { ALARM_WEBHOOK_URL: url } });
    try {
      const raised = await db.repo.raiseAlarm({ well_id: 'WH-ACK', code: 'GAS_LOCK', severity: 'high', message: 'gas lock', evidence: [], reading_ts: Date.now() });
      const res = await t.request(`/api/v1/alarms/${raised!.id}/ack`, { method: 'POST', json: { note: 'on it' } });
      expect(res.status).toBe(200);
      const deadline = Date.now() + 15_000;
      while (!received.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const got = received as { json: { event: string; alarm: Alarm } }[];
      expect(got.map((r) => r.json.event)).toEqual(['acknowledged']);
      expect(got[0].json.alarm).toMatchObject({ id: raised!.id, status: 'acknowledged', ack_note: 'on it' });
    } finally {
      await t.close();
      await db.close();
    }
  });
});
