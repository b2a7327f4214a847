// 10 000 random malformed bodies: only 4xx, nothing stored, and the server keeps serving.
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers.js';

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHANNELS = ['flow_rate', 'pip', 'motor_current', 'motor_temp', 'vibration', 'vsd_frequency', 'flow_variance', 'torque', 'gor'];

function malformed(r: () => number): { body: string; contentType: string } {
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const weird = () =>
    // Every one is invalid for every channel (null is not: it means "not measured").
    pick<unknown>(['NaN', 'Infinity', '-1', '', true, [], {}, 1e308, -1e308, 'x'.repeat(100), { $gt: 0 }, [1, 2], "'; DROP TABLE telemetry; --", -51]);
  const kind = Math.floor(r() * 12);
  const reading: Record<string, unknown> = { well_id: 'FUZZ-1', flow_rate: 100 };
  switch (kind) {
    case 0: // wrong type for a channel
      reading[pick(CHANNELS)] = weird();
      break;
    case 1: // missing well id
      delete reading.well_id;
      break;
    case 2: // huge numbers written as text in JSON
      return { body: `{"well_id":"FUZZ-1","flow_rate":1e${400 + Math.floor(r() * 1000)}}`, contentType: 'application/json' };
    case 3: // deep nesting
      return { body: '['.repeat(5000 + Math.floor(r() * 50_000)) + ']'.repeat(10), contentType: 'application/json' };
    case 4: // not JSON at all
      return { body: String.fromCharCode(...Array.from({ length: 50 }, () => Math.floor(r() * 256))), contentType: 'application/json' };
    case 5: // bad id
      reading.well_id = pick(['', 'a'.repeat(65), 'white space', 'semi;colon', '../etc', 'ü', 42, null]);
      break;
    case 6: // bad timestamp
      reading.timestamp = pick(['yesterday', '2026-13-45T99:99:99Z', -5, 1.5, '2026-01-01', {}, '9999-01-01T00:00:00Z']);
      break;
    case 7: // unknown field
      reading[`x_${Math.floor(r() * 1000)}`] = 1;
      break;
    case 8: // batch with one bad item among good ones
      return {
        body: JSON.stringify({ readings: [{ well_id: 'FUZZ-1', flow_rate: 1 }, { well_id: 'FUZZ-1', flow_rate: weird() }] }),
        contentType: 'application/json',
      };
    case 9: // batch of wrong shape
      return { body: JSON.stringify(pick<unknown>([{ readings: 'all' }, { readings: [] }, [], { reading: [] }, { readings: [1, 2, 3] }])), contentType: 'application/json' };
    case 10: // wrong content type
      return { body: 'well_id=FUZZ-1&flow_rate=1', contentType: pick(['application/x-www-form-urlencoded', 'text/plain', 'application/xml']) };
    default: // out-of-range value
      reading[pick(CHANNELS.filter((c) => c !== 'torque'))] = pick([-51, 1e9, -50.5]);
  }
  return { body: JSON.stringify(reading), contentType: 'application/json' };
}

describe('malformed input (embedded store)', () => {
  const ctx = useTestApp('pglite');

  it('answers 10 000 malformed bodies with 4xx only and keeps serving', async () => {
    const r = rng(20261126);
    const statuses = new Map<number, number>();
    const paths = ['/api/v1/telemetry/ingest', '/api/v1/telemetry/batch'];
    const N = 10_000;
    const concurrency = 32;
    let next = 0;
    async function worker() {
      while (next < N) {
        const i = next++;
        const { body, contentType } = malformed(r);
        const path = body.includes('"readings"') || i % 7 === 0 ? paths[1] : paths[0];
        const res = await ctx.t.request(path, { method: 'POST', body, headers: { 'content-type': contentType } });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
    const codes = [...statuses.keys()];
    expect(codes.every((c) => c >= 400 && c < 500), JSON.stringify(Object.fromEntries(statuses))).toBe(true);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(N);
    expect(await ctx.db.repo.countReadings()).toBe(0);
    expect((await ctx.t.request('/health/live')).status).toBe(200);
    expect((await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', json: { well_id: 'FUZZ-1', flow_rate: 1 } })).status).toBe(201);
  }, 300_000);

  it('refuses a 10 MB body with 413 and keeps serving', async () => {
    const big = JSON.stringify({ readings: Array.from({ length: 60_000 }, (_, i) => ({ well_id: 'BIG-WELL-0001', timestamp: 1_700_000_000_000 + i, flow_rate: 1234.5, pip: 1234.5, motor_current: 55.25, motor_temp: 101.5, vibration: 0.55, vsd_frequency: 58.5 })) });
    expect(big.length).toBeGreaterThan(8 * 1024 * 1024);
    const res = await ctx.t.request('/api/v1/telemetry/batch', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE' });
    const single = await ctx.t.request('/api/v1/telemetry/ingest', { method: 'POST', body: 'x'.repeat(10 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
    expect(single.status).toBe(413);
    expect((await ctx.t.request('/health/live')).status).toBe(200);
  });
});
