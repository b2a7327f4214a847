// The command line says what it did, and finds the API key without it being typed on the command line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveApiKey } from '../../src/cli/api-key.js';
import { runDiagnose } from '../../src/cli/diagnose.js';
import { runSimulate } from '../../src/cli/simulate.js';
import { FleetSimulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' '))),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' '))),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
  ];
  return { out, err, restore: () => spies.forEach((s) => s.mockRestore()) };
}

describe('esp command line', () => {
  const dir = tempDir('esp-cli-');
  afterEach(() => vi.unstubAllEnvs());

  it('finds the API key in --api-key-file, then ESP_API_KEY, ESP_ADMIN_KEY, DATA_DIR/admin.key; --api-key warns', () => {
    writeFileSync(join(dir, 'admin.key'), 'from-data-dir\n');
    writeFileSync(join(dir, 'k'), 'from-file\nsecond line ignored\n');
    const env = { DATA_DIR: dir } as NodeJS.ProcessEnv;
    expect(resolveApiKey({}, env)).toEqual({ key: 'from-data-dir', from: join(dir, 'admin.key') });
    expect(resolveApiKey({}, { ...env, ESP_ADMIN_KEY: 'admin' }).key).toBe('admin');
    expect(resolveApiKey({}, { ...env, ESP_ADMIN_KEY: 'admin', ESP_API_KEY: 'api' })).toEqual({ key: 'api', from: '$ESP_API_KEY' });
    expect(resolveApiKey({ file: join(dir, 'k') }, { ...env, ESP_API_KEY: 'api' }).key).toBe('from-file');
    expect(() => resolveApiKey({ file: join(dir, 'nope') }, env)).toThrow(/no such file/);
    expect(resolveApiKey({}, { DATA_DIR: join(dir, 'empty') }).key).toBeUndefined();
    const c = capture();
    try {
      expect(resolveApiKey({ flag: 'typed' }, env).key).toBe('typed');
    } finally {
      c.restore();
    }
    expect(c.err.join('')).toMatch(/visible in ps.*ESP_API_KEY/);
  });

  it('simulate --out says it wrote the readings to the file, and how many', async () => {
    const file = join(dir, 'sim.csv');
    const c = capture();
    try {
      expect(await runSimulate(['--wells', '3', '--interval', '1m', '--duration', '20m', '--out', file])).toBe(0);
    } finally {
      c.restore();
    }
    const rows = readFileSync(file, 'utf8').trim().split('\n').length - 1;
    expect(rows).toBeGreaterThan(0);
    expect(c.out.join('\n')).toBe(`wrote ${rows.toLocaleString('en-US').replace(/,/g, ' ')} readings (3 wells) to ${file}`);
    expect(c.out.join('\n')).not.toMatch(/sent/);
  });

  it('diagnose takes the nameplate as flags or a well file (a fetched well works as is), and --json gives code and category', async () => {
    const sim = new FleetSimulator({ wells: 1, seed: 5, startTs: Date.now() - 6 * 3_600_000, missingFraction: 0 });
    const well = sim.wells()[0];
    const lines = ['timestamp,flow_rate,pip,motor_current,motor_temp,vibration,vsd_frequency'];
    for (let t = Date.now() - 6 * 3_600_000; t < Date.now(); t += 60_000) {
      for (const r of sim.next(t)) lines.push([new Date(r.ts).toISOString(), r.flow_rate, r.pip, r.motor_current, r.motor_temp, r.vibration, r.vsd_frequency].join(','));
    }
    const csv = join(dir, 'well.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const wellFile = join(dir, 'well.json');
    writeFileSync(wellFile, JSON.stringify({ success: true, well: { well_id: well.well_id, rated_flow_bpd: well.rated_flow_bpd, created_at: 'x' } }));

    const c = capture();
    try {
      expect(await runDiagnose(['--well', wellFile, '--rated-current-a', String(well.rated_current_a), '--json', csv])).toBe(0);
      expect(await runDiagnose(['--rated-current-a', 'lots', csv])).toBe(2);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ rated_flow_bpd: '2000' }));
      expect(await runDiagnose(['--well', join(dir, 'bad.json'), csv])).toBe(1);
    } finally {
      c.restore();
    }
    const result = JSON.parse(c.out[0]) as { diagnosis: string; code: string; category: string; nameplate: Record<string, number> };
    expect(result.nameplate).toEqual({ rated_flow_bpd: well.rated_flow_bpd, rated_current_a: well.rated_current_a });
    expect(result.diagnosis).toBe(result.category);
    expect(result.code).toBe('NORMAL');
    expect(c.err.join('\n')).toMatch(/--rated-current-a needs a non-negative number/);
    expect(c.err.join('\n')).toMatch(/bad\.json: rated_flow_bpd must be a non-negative number/);
  });
});
