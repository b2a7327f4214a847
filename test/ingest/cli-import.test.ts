// `esp import FILE`: streams a file to a running server and reports the summary.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runImport } from '../../src/cli/import.js';
import { openTestDatabase, startTestApp, tempDir, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';

describe('esp import', () => {
  let db: TestDatabase;
  let t: TestApp;
  const dir = tempDir('esp-import-');
  const now = Date.now();

  beforeAll(async () => {
    db = await openTestDatabase('pglite');
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('streams a CSV file with progress on stderr and prints the summary', async () => {
    const file = join(dir, 'readings.csv');
    let csv = 'well_id,timestamp,flow_rate,pip\n';
    for (let i = 0; i < 5000; i++) csv += `CLI-${i % 5},${new Date(now - 3_600_000 + i * 1000).toISOString()},${1000 + i},900\n`;
    writeFileSync(file, csv);
    const out: string[] = [];
    const err: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    // The key comes from the environment, never the command line.
    vi.stubEnv('ESP_API_KEY', TEST_ADMIN_KEY);
    try {
      expect(await runImport([file, '--url', t.baseUrl])).toBe(0);
    } finally {
      vi.unstubAllEnvs();
      so.mockRestore();
      se.mockRestore();
    }
    expect(out.join('')).toMatch(/5,000 readings accepted, 0 rejected/);
    expect(err.join('')).toMatch(/100\.0%.*rows\/s/);
    expect(await db.repo.countReadings('CLI-3')).toBe(1000);
  });

  it('imports NDJSON with --well and the key from --api-key-file, reports rejected lines (exit 3) and refuses a bad key (exit 1)', async () => {
    const file = join(dir, 'readings.ndjson');
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, `${TEST_ADMIN_KEY}\n`);
    const wrongKeyFile = join(dir, 'wrong-key');
    writeFileSync(wrongKeyFile, 'wrong-key-wrong-key');
    writeFileSync(file, [JSON.stringify({ timestamp: new Date(now - 1000).toISOString(), flow_rate: 1 }), JSON.stringify({ timestamp: 'yesterday' })].join('\n'));
    const out: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const err: string[] = [];
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    vi.stubEnv('ESP_API_KEY', 'not-this-one-the-file-wins');
    try {
      expect(await runImport([file, '--url', t.baseUrl, '--api-key-file', keyFile, '--well', 'CLI-N', '--quiet'])).toBe(3);
      expect(await runImport([file, '--url', t.baseUrl, '--api-key-file', wrongKeyFile, '--quiet'])).toBe(1);
      expect(err.join('')).toMatch(/server answered 401.*\(API key from .*wrong-key\)/);
      expect(await runImport([file, '--url', t.baseUrl, '--api-key-file', join(dir, 'missing')])).toBe(2);
      expect(err.join('')).toMatch(/--api-key-file .*missing: no such file/);
    } finally {
      vi.unstubAllEnvs();
      so.mockRestore();
      se.mockRestore();
    }
    expect(out.join('')).toMatch(/1 readings accepted, 1 rejected[\s\S]*line 2: timestamp/);
    expect(await db.repo.countReadings('CLI-N')).toBe(1);
  });
});
