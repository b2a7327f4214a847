// The demo's story holds: options parse, the fleet is named and spread, and the engine really confirms the
// "developing" faults during the first half hour of live data (what the demo and the README promise).
import { describe, expect, it } from 'vitest';
import { DiagnosisStream } from '../diagnostics/index.js';
import { demoFleet, nextBackfillTs, parseDemoArgs, type DemoOptions } from './demo.js';

describe('esp demo', () => {
  it('parses its options', () => {
    expect(parseDemoArgs([])).toEqual({ wells: 50, hours: 24, stepS: 60, intervalS: 5, seed: 2024 });
    expect(parseDemoArgs(['--wells', '200', '--hours=48', '--interval', '2'])).toMatchObject({ wells: 200, hours: 48, intervalS: 2 });
    expect(parseDemoArgs(['--wells', '0'])).toMatch(/--wells: a number from 1/);
    expect(parseDemoArgs(['--bogus'])).toMatch(/unknown option --bogus/);
    expect(parseDemoArgs(['--help'])).toMatch(/^Usage: esp demo/);
  });

  it('names the wells, spreads them over fields, and puts each fault on its own well', () => {
    const { wells, faults, live } = demoFleet(parseDemoArgs([]) as DemoOptions, Date.now());
    expect(wells).toHaveLength(50);
    expect(new Set(wells.map((w) => w.field)).size).toBe(3);
    expect(wells.every((w) => w.name && w.rated_flow_bpd)).toBe(true);
    const sick = [...faults.map((f) => f.wellId), live!.wellId];
    expect(new Set(sick).size).toBe(sick.length);
    expect(faults.filter((f) => !f.developing).length).toBeGreaterThanOrEqual(3);
    expect(faults.filter((f) => f.developing).length).toBeGreaterThanOrEqual(3);
  });

  it('the engine reports the old faults during the backfill and the developing ones within 25 min of live data', () => {
    const o = parseDemoArgs([]) as DemoOptions;
    const now = Date.UTC(2026, 5, 1, 12, 0, 7);
    const { sim, wells, faults } = demoFleet(o, now);
    const streams = wells.map((w) => new DiagnosisStream(w));
    const reported = new Map<string, number>();
    for (let ts = now - o.hours * 3_600_000; ts < now + 25 * 60_000; ts = ts < now ? nextBackfillTs(ts, now, o) : ts + o.intervalS * 1000) {
      sim.next(ts).forEach((r, i) => {
        const d = streams[i]!.push(r);
        if (d && !reported.has(`${r.well_id} ${d.diagnosis}`)) reported.set(`${r.well_id} ${d.diagnosis}`, ts);
      });
    }
    for (const f of faults) {
      const at = reported.get(`${f.wellId} ${f.code}`);
      expect(at, `${f.code} on ${f.wellId} reported`).toBeDefined();
      if (!f.developing) expect(at!).toBeLessThan(now);
    }
    // Healthy wells stay healthy: nothing but the planned faults (and NORMAL / stops) is reported.
    const planned = new Set(faults.map((f) => `${f.wellId} ${f.code}`));
    const unexpected = [...reported.keys()].filter((k) => !planned.has(k) && !/ (NORMAL|SHUT_DOWN)$/.test(k));
    expect(unexpected).toEqual([]);
  });
});

describe('esp demo story', () => {
  it('does not list a well as developing once its alarm is already open', async () => {
    const { storyLines } = await import('./demo.js');
    const now = Date.now();
    const faults = [
      { wellId: 'W-OLD', code: 'GAS_INTERFERENCE' as const, onset: now - 5 * 3_600_000, note: 'gas interference', developing: false },
      { wellId: 'W-A', code: 'CLOSED_VALVE' as const, onset: now - 9 * 60_000, note: 'closed valve', developing: true },
      { wellId: 'W-B', code: 'TUBING_LEAK' as const, onset: now - 36 * 60_000, note: 'tubing leak', developing: true },
    ];
    const lines = storyLines(faults, null, [{ well_id: 'W-A', code: 'CLOSED_VALVE', severity: 'critical' }]);
    const developing = lines.find((l) => l.startsWith('Developing'))!;
    expect(developing).toBe('Developing, no alarm yet: W-B (tubing leak).');
    expect(lines.find((l) => l.startsWith('  These began'))).toMatch(/^ {2}These began 36 min ago/);
    expect(lines.at(-1)).toBe('Alarms already active: W-A CLOSED_VALVE (critical).');
    // Nothing developing left: no developing paragraph at all.
    const none = storyLines(faults, null, [{ well_id: 'W-A', code: 'CLOSED_VALVE', severity: 'critical' }, { well_id: 'W-B', code: 'TUBING_LEAK', severity: 'high' }]);
    expect(none.some((l) => /Developing|These began/.test(l))).toBe(false);
  });
});
