// The start-up banner says where MQTT really listens, or that it does not, why, and what to set.
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { describeMqtt } from '../../src/cli/banner.js';
import { openTestDatabase, startTestApp } from '../helpers.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('MQTT in the start-up banner', () => {
  const held: Server[] = [];
  afterAll(async () => {
    for (const s of held) await new Promise<void>((r) => s.close(() => r()));
  });

  async function bannerWith(env: Record<string, string>) {
    const db = await openTestDatabase('pglite');
    const t = await startTestApp(db, { env });
    try {
      return await describeMqtt(t.app.ctx, t.config);
    } finally {
      await t.close();
      await db.close();
    }
  }

  it('names the port the embedded broker listens on', async () => {
    const port = await freePort();
    const b = await bannerWith({ MQTT_PORT: String(port) });
    expect(b.ok).toBe(true);
    expect(b.line).toBe(`MQTT: embedded broker on mqtt://127.0.0.1:${port}, topic esp/<well_id>/telemetry, any username, the admin key or a device key as the password`);
  });

  it('says it is NOT listening when the port is taken, that messages go elsewhere, and what to set', async () => {
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    held.push(other);
    const port = (other.address() as { port: number }).port;
    const b = await bannerWith({ MQTT_PORT: String(port) });
    expect(b.ok).toBe(false);
    expect(b.line).toMatch(new RegExp(`^MQTT: NOT listening: port ${port} is already in use`));
    expect(b.line).toMatch(new RegExp(`Messages sent to port ${port} reach that other program, not this platform`));
    expect(b.line).toMatch(/Set MQTT_PORT to a free port .*MQTT_URL=mqtt:\/\/localhost:\d+ .*MQTT_PORT=0/);
  });

  it('says MQTT is off when disabled, and how to turn it on', async () => {
    const b = await bannerWith({ MQTT_PORT: '0' });
    expect(b).toEqual({ ok: false, line: expect.stringMatching(/^MQTT: off \(MQTT_PORT=0 and no MQTT_URL\).*Set MQTT_PORT/) });
  });
});
