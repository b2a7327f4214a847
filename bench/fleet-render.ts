// Fleet page with 10 000 wells, timed in headless Chromium against the real server (embedded store): from the
// sign-in click to the first fleet row painted, and to the whole fleet applied (counts and "N of N wells").
// Also from navigation start when the session is already signed in (a reload). Runnable on its own:
//   npx tsx bench/fleet-render.ts          (BENCH_FLEET_WELLS=10000, BENCH_FLEET_RUNS=3, CHROMIUM_PATH)
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { CODE_INFO } from '../src/diagnostics/codes.js';
import type { DiagnosisCode } from '../src/domain/diagnosis.js';
import type { Reading } from '../src/domain/reading.js';

export interface FleetRenderResult {
  wells: number;
  /** Sign-in click → first fleet row painted (median of the runs). */
  msToFirstRows: number;
  /** Sign-in click → every well applied: "N of N wells" shown and the status counts add up to N (median). */
  msToAllData: number;
  /** Already signed in: navigation start → first row painted / all applied (median of reloads). */
  reload: { msToFirstRows: number; msToAllData: number };
  runs: number;
  /** Bytes of the fleet response (`GET /api/v1/wells?limit=10000&include=sparkline`). */
  responseBytes: number;
  /** The same request from Node (server time + transfer), median of 3: the part of the figures spent on the server. */
  apiMs: number;
  /** Where the time goes (medians over sign-ins and reloads, from the browser's resource timing of the fleet request):
   *  before the request is sent (page load, sign-in round trip), server (request → first byte), download, client
   *  (last byte → first row painted: parse, sort, render). */
  breakdown: { beforeRequestMs: number; serverMs: number; downloadMs: number; clientMs: number };
  /** Every run, for the record. */
  samples: { signIn: [number, number][]; reload: [number, number][] };
}

const KEY = 'bench-fleet-admin-key-0123456789abcdef0123';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'];
const HOUR = 3_600_000;
const FIELDS = ['North Dome', 'South Flank', 'East Ridge', 'West Basin', 'Central'];
const SICK: DiagnosisCode[] = ['GAS_LOCK', 'BROKEN_SHAFT', 'MOTOR_OVERHEAT', 'GAS_INTERFERENCE', 'PUMP_WEAR', 'SENSOR_FAULT', 'HIGH_VIBRATION', 'TUBING_LEAK'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => process.stderr.write(`[fleet-render] ${s}\n`);

function repoRoot(): string {
  // bench/ (tsx) or dist/bench/ (compiled)
  for (const rel of ['..', '../..']) {
    const p = fileURLToPath(new URL(`${rel}/`, import.meta.url));
    if (existsSync(join(p, 'web', 'vite.config.ts'))) return p;
  }
  return process.cwd();
}

function ensureWebBuild(root: string): void {
  const index = join(root, 'web', 'dist', 'index.html');
  const src = join(root, 'web', 'src');
  const newest = (p: string): number => {
    const st = statSync(p);
    return st.isDirectory() ? Math.max(0, ...readdirSync(p).map((e) => newest(join(p, e)))) : st.mtimeMs;
  };
  if (existsSync(index) && statSync(index).mtimeMs >= newest(src)) return;
  log('building the dashboard (vite)…');
  execSync('npx vite build --config web/vite.config.ts --logLevel warn', { cwd: root, stdio: 'inherit' });
}

/** Wells with nameplates, 24 hourly readings each (sparklines, latest), and a status for a share of them. */
export async function seedFleet(app: App, wells: number): Promise<void> {
  const { repo } = app.ctx;
  const t0 = Date.now();
  const ids = Array.from({ length: wells }, (_, i) => `W-${String(i + 1).padStart(5, '0')}`);
  for (let i = 0; i < wells; i += 500) {
    await Promise.all(
      ids.slice(i, i + 500).map((id, j) => {
        const k = i + j;
        const rated = 500 + ((k * 7919) % 9000);
        return repo.putWell(id, {
          name: `Well ${k + 1}`,
          field: FIELDS[k % FIELDS.length],
          rated_flow_bpd: rated,
          min_flow_bpd: Math.round(rated * 0.7),
          max_flow_bpd: Math.round(rated * 1.25),
          rated_current_a: 40 + (k % 120),
          base_frequency_hz: k % 2 ? 50 : 60,
        });
      }),
    );
  }
  const tWells = Date.now();
  const now = Date.now();
  let batch: Reading[] = [];
  for (const [k, id] of ids.entries()) {
    const rated = 500 + ((k * 7919) % 9000);
    for (let h = 23; h >= 0; h--) {
      const wobble = Math.sin((k + h) / 3) * 0.05;
      batch.push({
        well_id: id,
        ts: now - h * HOUR - (k % 600) * 1000,
        flow_rate: Math.round(rated * (0.95 + wobble)),
        pip: 900 + (k % 700),
        motor_current: 30 + (k % 100) + wobble * 10,
        motor_temp: 95 + (k % 30),
        vibration: 0.3 + (k % 10) / 20,
        vsd_frequency: k % 2 ? 48 : 58,
        flow_variance: 3,
        torque: null,
        gor: 300 + (k % 900),
      });
    }
    if (batch.length >= 24_000) {
      await repo.insertReadings(batch);
      batch = [];
    }
  }
  if (batch.length) await repo.insertReadings(batch);
  const tReadings = Date.now();
  // A status for 40 % of the wells: most NORMAL, one in ten of them sick.
  const jobs: Promise<unknown>[] = [];
  for (let k = 0; k < wells; k += 5) {
    for (const kk of [k, k + 2]) {
      if (kk >= wells) continue;
      const code: DiagnosisCode = kk % 20 === 0 ? SICK[(kk / 20) % SICK.length]! : 'NORMAL';
      const info = CODE_INFO[code];
      jobs.push(
        repo.insertDiagnosis(
          ids[kk]!,
          {
            diagnosis: code,
            category: info.category,
            severity: info.severity,
            confidence: 0.9,
            actions: info.actions,
            resolution_time: info.resolution_time,
            evidence: [],
            ts: now - (kk % 50) * 60_000,
            summary: info.title,
          },
          null,
          'bench',
        ),
      );
      if (jobs.length >= 500) await Promise.all(jobs.splice(0));
    }
  }
  await Promise.all(jobs);
  // Every well that has run a while has a learned baseline (~0.6 kB of JSON each).
  const tStatus = Date.now();
  for (let i = 0; i < wells; i += 500) {
    await Promise.all(ids.slice(i, i + 500).map((id, j) => repo.setBaseline(id, baselineFor(i + j, now))));
  }
  log(`baselines in ${((Date.now() - tStatus) / 1000).toFixed(1)} s`);
  log(`seeded ${wells} wells in ${((tWells - t0) / 1000).toFixed(1)} s, ${(wells * 24).toLocaleString('en-US')} readings in ${((tReadings - tWells) / 1000).toFixed(1)} s, statuses in ${((Date.now() - tReadings) / 1000).toFixed(1)} s`);
}

function baselineFor(k: number, now: number): unknown {
  const stat = (median: number, mad: number) => ({ median, mad, n: 2880 });
  const rated = 500 + ((k * 7919) % 9000);
  return {
    version: 1,
    from_ts: now - 48 * HOUR,
    to_ts: now - 24 * HOUR,
    samples: 2880,
    base_frequency_hz: k % 2 ? 50 : 60,
    no_load_current_a: 12 + (k % 30),
    frequency_hz: stat(k % 2 ? 48 : 58, 0.1),
    flow_norm: stat(rated * 0.95, rated * 0.01),
    current_norm: stat(30 + (k % 100), 0.4),
    pip: stat(900 + (k % 700), 8),
    motor_temp: stat(95 + (k % 30), 0.6),
    vibration: stat(0.3 + (k % 10) / 20, 0.02),
    flow_variance: stat(3, 0.4),
    torque_norm: stat(120, 2),
    gor: stat(300 + (k % 900), 20),
  };
}

/** Installed before any page script: marks first row and "all applied" (after the next paint). */
const PROBE = (wells: number) => `
(() => {
  const marks = (window.__fleetMarks = { submit: null, firstRow: null, all: null });
  const fmt = new Intl.NumberFormat().format(${wells});
  const want = fmt + ' of ' + fmt + ' wells';
  const afterPaint = (key) => requestAnimationFrame(() => setTimeout(() => { marks[key] ??= performance.now(); }, 0));
  document.addEventListener('submit', () => { marks.submit = performance.now(); }, true);
  const check = () => {
    if (marks.firstRow === null && !marks.__row && document.querySelector('[data-testid="well-row"]')) {
      marks.__row = true;
      afterPaint('firstRow');
    }
    if (!marks.__all) {
      const shown = document.querySelector('[data-testid="fleet-shown"]');
      if (shown && shown.textContent.trim() === want) {
        let total = 0;
        for (const c of document.querySelectorAll('[data-testid="severity-count"]')) total += Number(c.getAttribute('data-count'));
        if (total === ${wells} && document.querySelector('svg.spark')) {
          marks.__all = true;
          afterPaint('all');
        }
      }
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-count'] });
})();
`;

interface Marks {
  submit: number | null;
  firstRow: number;
  all: number;
  /** Resource timing of the fleet request. */
  wells: { requestStart: number; responseStart: number; responseEnd: number } | null;
}

async function waitMarks(page: Page): Promise<Marks> {
  await page.waitForFunction(() => {
    const m = (globalThis as unknown as { __fleetMarks?: { firstRow: number | null; all: number | null } }).__fleetMarks;
    return m && m.firstRow !== null && m.all !== null;
  }, undefined, { timeout: 60_000, polling: 50 });
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      __fleetMarks: { submit: number | null; firstRow: number; all: number };
      performance: { getEntriesByType(t: string): { name: string; requestStart: number; responseStart: number; responseEnd: number }[] };
    };
    const e = g.performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/v1/wells?')).pop();
    return { ...g.__fleetMarks, wells: e ? { requestStart: e.requestStart, responseStart: e.responseStart, responseEnd: e.responseEnd } : null };
  });
}

export async function benchFleetRender(opts: { wells?: number; runs?: number } = {}): Promise<FleetRenderResult> {
  const wells = opts.wells ?? Number(process.env.BENCH_FLEET_WELLS ?? 10_000);
  const runs = opts.runs ?? Number(process.env.BENCH_FLEET_RUNS ?? 3);
  if (!existsSync(CHROMIUM)) throw new Error(`fleet-render bench: Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  const root = repoRoot();
  ensureWebBuild(root);
  const dataDir = mkdtempSync(join(tmpdir(), 'esp-bench-fleet-'));
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', DATA_DIR: dataDir, ESP_ADMIN_KEY: KEY, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' },
    'bench',
  );
  const app = await App.create(config, { logger: pino({ level: 'silent' }) });
  let browser: Browser | null = null;
  try {
    await app.start();
    await seedFleet(app, wells);
    const base = `http://127.0.0.1:${app.port}/`;
    const apiMs: number[] = [];
    let responseBytes = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const probe = await fetch(`${base}api/v1/wells?limit=${wells}&include=sparkline`, { headers: { authorization: `Bearer ${KEY}` } });
      responseBytes = (await probe.arrayBuffer()).byteLength;
      apiMs.push(performance.now() - t);
    }
    log(`GET /api/v1/wells?limit=${wells}&include=sparkline: ${apiMs.map((x) => x.toFixed(0)).join(', ')} ms`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    const signIn: [number, number][] = [];
    const reload: [number, number][] = [];
    const parts: { before: number; server: number; download: number; client: number }[] = [];
    const split = (m: Marks, from: number) => {
      if (m.wells) {
        parts.push({
          before: m.wells.requestStart - from,
          server: m.wells.responseStart - m.wells.requestStart,
          download: m.wells.responseEnd - m.wells.responseStart,
          client: m.firstRow - m.wells.responseEnd,
        });
      }
    };
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript(PROBE(wells));
      const page = await context.newPage();
      await page.goto(base);
      await page.getByTestId('login-mode-apikey').check();
      await page.getByTestId('login-apikey').fill(KEY);
      await page.getByTestId('login-submit').click();
      const m = await waitMarks(page);
      signIn.push([m.firstRow - m.submit!, m.all - m.submit!]);
      split(m, m.submit!);
      // Signed in now (session in localStorage): a reload, timed from navigation start.
      await page.reload();
      const r = await waitMarks(page);
      reload.push([r.firstRow, r.all]);
      split(r, 0);
      await context.close();
      const p = parts.slice(-2).map((x) => `${x.before.toFixed(0)}+${x.server.toFixed(0)}+${x.download.toFixed(0)}+${x.client.toFixed(0)}`).join(', ');
      log(`run ${i + 1}: sign-in → first rows ${signIn[i]![0].toFixed(0)} ms, all ${signIn[i]![1].toFixed(0)} ms; reload → ${reload[i]![0].toFixed(0)} / ${reload[i]![1].toFixed(0)} ms (before request + server + download + client: ${p})`);
    }
    const round = (x: number) => Math.round(x);
    return {
      wells,
      msToFirstRows: round(median(signIn.map((s) => s[0]))),
      msToAllData: round(median(signIn.map((s) => s[1]))),
      reload: { msToFirstRows: round(median(reload.map((s) => s[0]))), msToAllData: round(median(reload.map((s) => s[1]))) },
      runs,
      responseBytes,
      apiMs: round(median(apiMs)),
      breakdown: {
        beforeRequestMs: round(median(parts.map((x) => x.before))),
        serverMs: round(median(parts.map((x) => x.server))),
        downloadMs: round(median(parts.map((x) => x.download))),
        clientMs: round(median(parts.map((x) => x.client))),
      },
      samples: { signIn: signIn.map(([a, b]) => [round(a), round(b)]), reload: reload.map(([a, b]) => [round(a), round(b)]) },
    };
  } finally {
    await browser?.close().catch(() => undefined);
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchFleetRender().then(
    (r) => {
      const verdict = r.msToFirstRows < 1000 ? 'under 1 s' : 'OVER 1 s';
      process.stdout.write(
        `Fleet page, ${r.wells.toLocaleString('en-US')} wells (${(r.responseBytes / 1e6).toFixed(1)} MB of JSON), headless Chromium, median of ${r.runs}:\n` +
          `  sign-in click → first rows ${r.msToFirstRows} ms (${verdict}), → all data applied ${r.msToAllData} ms\n` +
          `  reload while signed in (from navigation start) → first rows ${r.reload.msToFirstRows} ms, all ${r.reload.msToAllData} ms\n` +
          `  where the time goes: before the fleet request ${r.breakdown.beforeRequestMs} ms, server ${r.breakdown.serverMs} ms, ` +
          `download ${r.breakdown.downloadMs} ms, parse + render ${r.breakdown.clientMs} ms\n` +
          JSON.stringify(r) + '\n',
      );
      process.exit(r.msToFirstRows < 1000 ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(`fleet-render bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
