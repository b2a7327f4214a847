import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../domain/reading.js';
import { generateLongScenario } from '../simulator/index.js';
import { runDiagnose } from './diagnose.js';

function writeCase(kind: 'SCALE' | 'NORMAL'): { csv: string; well: string } {
  const dir = mkdtempSync(join(tmpdir(), 'esp-diagnose-'));
  const sc = generateLongScenario({ kind, seed: 12, onsetDaysBeforeEnd: 25 });
  const head = ['timestamp', 'well_id', ...CHANNELS];
  const rows = sc.readings.map((r) => [new Date(r.ts).toISOString(), r.well_id, ...CHANNELS.map((c) => r[c] ?? '')].join(','));
  const csv = join(dir, 'readings.csv');
  const well = join(dir, 'well.json');
  writeFileSync(csv, [head.join(','), ...rows].join('\n'));
  writeFileSync(well, JSON.stringify(sc.well));
  return { csv, well };
}

describe('esp diagnose on weeks of data', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints the slow diagnosis, the trends and the forecast', async () => {
    const { csv, well } = writeCase('SCALE');
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
    expect(await runDiagnose(['--well', well, csv])).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^SCALE/m);
    expect(text).toMatch(/Reference: .* \(auto, \d+ aggregates\)/);
    expect(text).toMatch(/Trends \(daily medians/);
    expect(text).toMatch(/flow_rate \*/);
    expect(text).toMatch(/Forecast \(30 days\)/);
  });

  it('puts trends and the forecast in the JSON output', async () => {
    const { csv, well } = writeCase('NORMAL');
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
    expect(await runDiagnose(['--well', well, '--json', '--horizon-days', '14', csv])).toBe(0);
    const j = JSON.parse(out.join('\n')) as { diagnosis: string; trends: { channel: string }[]; forecast: { horizon_days: number; channels: unknown[]; warnings: unknown[] }; reference: { period: { source: string } } };
    expect(j.diagnosis).toBe('NORMAL');
    expect(j.trends.map((t) => t.channel)).toContain('flow_rate');
    expect(j.reference.period.source).toBe('auto');
    expect(j.forecast).toMatchObject({ horizon_days: 14, channels: [], warnings: [] });
  });

  it('rejects a bad horizon or a half-given reference period', async () => {
    const { csv } = writeCase('NORMAL');
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await runDiagnose(['--horizon-days', '0', csv])).toBe(2);
    expect(await runDiagnose(['--reference-from', '2025-01-01T00:00:00Z', csv])).toBe(1);
  });
});
