// End-to-end, early warning and run life (issue 13): the built dashboard in headless Chromium against a running
// server over the embedded store. Three weeks of hourly history: two wells whose motor temperature creeps towards
// its nameplate limit at different rates, the rest healthy; pump installs, pulls and failures on two pump models.
// Checks that the well page draws the forecast band and the reference editor works (and is read-only for a
// viewer), that pump events can be recorded, that the reliability page draws a survival curve, and that the fleet
// sorted by earliest expected limit puts the faster drift first. Screenshots: test-results/forecast.png,
// reliability.png, fleet-limit.png. Without Chromium the file is skipped loudly, except in CI (CI=true).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FleetSimulator } from '../../src/simulator/index.js';
import type { Reading } from '../../src/domain/reading.js';
import type { Forecast, PumpEvent, ReferencePeriod, ReliabilityReport } from '../../src/domain/surveillance.js';
import { openTestDatabase, startTestApp, tempDir, TEST_ADMIN_KEY, type TestApp, type TestDatabase } from '../helpers.js';
import { CHROMIUM_PATH, ensureWebBuild, launchChromium } from './browser.js';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(
    `\n${'!'.repeat(78)}\n[e2e] Chromium not found at ${CHROMIUM_PATH}: the surveillance end-to-end tests are SKIPPED.\n` +
      `[e2e] Install it (apt-get install -y chromium) or set CHROMIUM_PATH. In CI (CI=true) this is a failure.\n${'!'.repeat(78)}\n`,
  );
}

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DAY = 86_400_000;
const HISTORY_DAYS = 21;
/** Creep starts after the first week (the automatic reference is learned before it). */
const ONSET_DAY = 7;
/** Motor temperature creep, °C per day, and the margin to the limit left at the end of the history. */
const FAST = { id: 'WEST-401', rate: 2.0, marginC: 10 };
const SLOW = { id: 'WEST-402', rate: 1.2, marginC: 24 };
const ENGINEER = { username: 'e2e-surv-engineer', password: 'e2e-password-123', role: 'engineer' };
const VIEWER = { username: 'e2e-surv-viewer', password: 'e2e-password-456', role: 'viewer' };
const MODEL_A = 'REDA D1050N';
const MODEL_B = 'Centrilift P23';
/** The forecast's projection colour on the well page (web/src/pages/Well.tsx FORECAST_COLOR). */
const FORECAST_RGB = [0x7b, 0x2c, 0xbf] as const;
const KM_RGB = [0x1f, 0x5f, 0xa8] as const;

function wire(r: Reading): Record<string, unknown> {
  const { ts, ...rest } = r;
  const out: Record<string, unknown> = { timestamp: new Date(ts).toISOString() };
  for (const [k, v] of Object.entries(rest)) if (v !== null) out[k] = v;
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('early warning and run life in the dashboard (headless Chromium)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  /** Seeded run lives per pump model: installs and failures. */
  const seeded: Record<string, { installs: number; failures: number }> = {};

  async function send(method: string, path: string, json?: unknown, key: string | null = TEST_ADMIN_KEY): Promise<Response> {
    const r = await t.request(path, { method, json, key });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${(await r.text()).slice(0, 500)}`);
    return r;
  }

  async function getJson<T>(path: string): Promise<T> {
    const r = await t.request(path);
    if (!r.ok) throw new Error(`GET ${path} → ${r.status}: ${(await r.text()).slice(0, 300)}`);
    return (await r.json()) as T;
  }

  async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function signIn(p: Page, user: { username: string; password: string }): Promise<void> {
    await p.goto(t.baseUrl + '/');
    await p.getByTestId('login-form').waitFor();
    await p.getByTestId('login-mode-password').check();
    await p.getByTestId('login-username').fill(user.username);
    await p.getByTestId('login-password').fill(user.password);
    await p.getByTestId('login-submit').click();
    await p.getByTestId('well-row').first().waitFor({ timeout: 20_000 });
  }

  /**
   * Pixels of a canvas close to a colour (`line`), and the other pixels of its hue that are paler (`tint`: the
   * translucent band and its edges). The hue test is "blue and red both well above green" (purple) or, for a
   * blue, "blue well above red and green".
   */
  async function canvasColours(selector: string, rgb: readonly number[]): Promise<{ line: number; tint: number }> {
    return page.evaluate(
      ({ selector, rgb }) => {
        const canvas = document.querySelector<HTMLCanvasElement>(`${selector} canvas`);
        if (!canvas) return { line: -1, tint: -1 };
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        const purple = rgb[0]! - rgb[1]! > 40;
        let line = 0;
        let tinted = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3]! < 200) continue;
          const [r, g, b] = [d[i]!, d[i + 1]!, d[i + 2]!];
          if (Math.abs(r - rgb[0]!) < 28 && Math.abs(g - rgb[1]!) < 28 && Math.abs(b - rgb[2]!) < 28) line++;
          else if (purple ? b - g > 20 && r - g > 10 : b - g > 8 && b - r > 14) tinted++;
        }
        return { line, tint: tinted };
      },
      { selector, rgb: [...rgb] },
    );
  }

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI=true but Chromium is missing at ${CHROMIUM_PATH}: the dashboard e2e tests cannot run`);
    mkdirSync(SHOTS, { recursive: true });
    const built = ensureWebBuild();
    db = await openTestDatabase('pglite');
    const env = { DATA_DIR: tempDir('esp-e2e-surv-') };
    t = await startTestApp(db, { env, security: true });
    const launching = launchChromium();
    const t0 = Date.now();

    // Three weeks of hourly history for ten wells, healthy throughout…
    const end = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const start = end - HISTORY_DAYS * DAY;
    const sim = new FleetSimulator({ wells: 10, seed: 1313, faultFraction: 0, missingFraction: 0, startTs: start });
    const ids = ['WEST-401', 'WEST-402', 'WEST-403', 'WEST-404', 'WEST-405', 'EAST-501', 'EAST-502', 'EAST-503', 'EAST-504', 'EAST-505'];
    const readings = new Map<string, Reading[]>(ids.map((id) => [id, []]));
    for (let ts = start; ts <= end; ts += 3_600_000) {
      sim.next(ts).forEach((r, i) => readings.get(ids[i]!)!.push({ ...r, well_id: ids[i]! }));
    }
    // …except two whose motor temperature creeps from the end of the first week, towards a limit set so that the
    // fast one has `marginC` left at the end (about 5 days) and the slow one about 20 days.
    const limits = new Map<string, number>();
    for (const d of [FAST, SLOW]) {
      const rs = readings.get(d.id)!;
      const onset = start + ONSET_DAY * DAY;
      for (const r of rs) if (r.motor_temp != null && r.ts > onset) r.motor_temp = Math.round((r.motor_temp + (d.rate * (r.ts - onset)) / DAY) * 100) / 100;
      const last = median(rs.filter((r) => r.ts > end - DAY && r.motor_temp != null && (r.motor_current ?? 0) > 5).map((r) => r.motor_temp!));
      limits.set(d.id, Math.round(last + d.marginC));
    }
    const simWells = sim.wells();
    for (let i = 0; i < ids.length; i++) {
      const { well_id: _simId, ...nameplate } = simWells[i]!;
      const limit = limits.get(ids[i]!);
      await send('POST', '/api/v1/wells', {
        ...nameplate,
        well_id: ids[i],
        name: `Pad ${ids[i]!.slice(-3)}`,
        field: ids[i]!.startsWith('WEST') ? 'WEST' : 'EAST',
        ...(limit ? { motor_temp_limit_c: limit } : {}),
      });
    }
    const all = [...readings.values()].flat().map(wire);
    for (let k = 0; k < all.length; k += 5000) await send('POST', '/api/v1/telemetry/batch', { readings: all.slice(k, k + 5000) });

    // Run lives: each well had one or two pumps; failures and pulls on two pump models, the current pumps running.
    const runs: { well: string; model: string; installDaysAgo: number; endDaysAgo: number | null; failed: boolean }[] = [
      { well: 'WEST-401', model: MODEL_A, installDaysAgo: 900, endDaysAgo: 620, failed: true },
      { well: 'WEST-401', model: MODEL_A, installDaysAgo: 610, endDaysAgo: null, failed: false },
      { well: 'WEST-402', model: MODEL_A, installDaysAgo: 820, endDaysAgo: 400, failed: true },
      { well: 'WEST-402', model: MODEL_A, installDaysAgo: 390, endDaysAgo: null, failed: false },
      { well: 'WEST-403', model: MODEL_A, installDaysAgo: 700, endDaysAgo: 520, failed: true },
      { well: 'WEST-403', model: MODEL_A, installDaysAgo: 510, endDaysAgo: 150, failed: false },
      { well: 'WEST-404', model: MODEL_A, installDaysAgo: 760, endDaysAgo: 300, failed: true },
      { well: 'WEST-405', model: MODEL_A, installDaysAgo: 650, endDaysAgo: 410, failed: true },
      { well: 'EAST-501', model: MODEL_B, installDaysAgo: 880, endDaysAgo: 240, failed: true },
      { well: 'EAST-502', model: MODEL_B, installDaysAgo: 720, endDaysAgo: null, failed: false },
      { well: 'EAST-503', model: MODEL_B, installDaysAgo: 840, endDaysAgo: 310, failed: true },
      { well: 'EAST-504', model: MODEL_B, installDaysAgo: 600, endDaysAgo: null, failed: false },
    ];
    const ago = (d: number) => new Date(Date.now() - d * DAY).toISOString();
    for (const r of runs) {
      await send('POST', `/api/v1/wells/${r.well}/events`, { type: 'install', at: ago(r.installDaysAgo), pump_model: r.model });
      if (r.endDaysAgo !== null) {
        await send('POST', `/api/v1/wells/${r.well}/events`, {
          type: r.failed ? 'failure' : 'pull',
          at: ago(r.endDaysAgo),
          pump_model: r.model,
          reason: r.failed ? 'motor burnt, megger test failed' : 'pulled for a larger pump',
        });
      }
      const s = (seeded[r.model] ??= { installs: 0, failures: 0 });
      s.installs++;
      if (r.failed) s.failures++;
    }

    // Every well's forecast, as a user opening each well would have them computed (and stored for the fleet's sort;
    // the background refresh would get there too, a few wells a minute); the drifting two must have one.
    for (const id of ids) {
      const f = await getJson<Forecast>(`/api/v1/wells/${id}/forecast?horizon_days=30`);
      console.info(`[e2e] ${id} forecast: ${JSON.stringify(f.channels.map((c) => [c.channel, c.time_to_limit_days, c.model]))}`);
      if ((id === FAST.id || id === SLOW.id) && !f.channels.some((c) => c.channel === 'motor_temp' && c.time_to_limit_days != null)) {
        throw new Error(`no motor-temperature time to limit on the drifting well ${id}: ${JSON.stringify(f)}`);
      }
    }

    for (const u of [ENGINEER, VIEWER]) {
      const r = await t.request('/api/v1/users', { method: 'POST', json: u });
      if (r.status !== 201 && r.status !== 200 && r.status !== 409) throw new Error(`POST /api/v1/users → ${r.status}: ${await r.text()}`);
    }

    browser = await launching;
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    console.info(`[e2e] dashboard build: ${built}; ${all.length} readings and ${runs.length} runs seeded in ${Date.now() - t0} ms`);
    await signIn(page, ENGINEER);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await db?.close();
  });

  it('the well page draws the forecast and its band for a drifting well, with the early warning listed', async () => {
    await page.goto(`${t.baseUrl}/#/wells/${FAST.id}`);
    // A well heading to a limit opens on 30 days of history beside the projection.
    await expect.poll(() => page.getByTestId('range-30d').getAttribute('aria-pressed'), { timeout: 20_000 }).toBe('true');
    const chart = page.locator('[data-testid="trend-chart"][data-channel="motor_temp"]');
    await expect.poll(() => chart.getAttribute('data-forecast'), { timeout: 20_000 }).toBe('true');
    await expect.poll(() => page.getByTestId('range-text').textContent()).toMatch(/forecast to/);
    await expect.poll(() => page.getByTestId('trend-charts').getAttribute('aria-busy')).toBe('false');

    // The trend and the warning, as the server computed them.
    const api = await getJson<Forecast>(`/api/v1/wells/${FAST.id}/forecast?horizon_days=30`);
    const temp = api.channels.find((c) => c.channel === 'motor_temp')!;
    const row = page.locator('[data-testid="forecast-trend"][data-channel="motor_temp"]');
    await row.waitFor();
    expect(Number(await row.getAttribute('data-ttl'))).toBeCloseTo(temp.time_to_limit_days!, 0);
    expect(await row.textContent()).toMatch(/°C\/d/);
    const warning = page.locator('[data-testid="forecast-warning"][data-channel="motor_temp"]');
    if (api.warnings.some((w) => w.channel === 'motor_temp')) await warning.first().waitFor();

    await page.waitForLoadState('networkidle').catch(() => undefined);
    await expect.poll(() => page.getByTestId('range-text').textContent()).not.toMatch(/loading/);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: `${SHOTS}forecast.png`, fullPage: true });
    // On the chart: the projection line and the shaded low–high band in the forecast colour.
    const sel = '[data-testid="trend-chart"][data-channel="motor_temp"]';
    const on = await canvasColours(sel, FORECAST_RGB);
    expect(on.line, 'pixels of the projection line').toBeGreaterThan(40);
    // The band is as wide as the server's interval: a few °C at the horizon here, so only a few pixels high.
    expect(on.tint, 'pixels of the forecast band and its edges').toBeGreaterThan(10);
    // At the right edge of the chart (the horizon) the legend reads the projection and its band: the server's
    // last point.
    const last = temp.points[temp.points.length - 1]!;
    expect(last.high).toBeGreaterThan(last.low);
    const box = (await chart.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    const legend = await chart.locator('.u-legend .u-series').evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [e.querySelector('.u-label')?.textContent ?? '', Number((e.querySelector('.u-value')?.textContent ?? '').replace(/,/g, ''))])),
    );
    expect(legend.forecast).toBeCloseTo(last.value, 0);
    expect(legend.low).toBeCloseTo(last.low, 0);
    expect(legend.high).toBeCloseTo(last.high, 0);
    expect(legend.low).toBeLessThan(legend.forecast!);
    expect(legend.high).toBeGreaterThan(legend.forecast!);
    await page.mouse.move(0, 0);

    // Turning the forecast off removes both (and the axis ends now again).
    await page.getByTestId('show-forecast').uncheck();
    await expect.poll(() => chart.getAttribute('data-forecast')).toBe(null);
    const off = await canvasColours(sel, FORECAST_RGB);
    expect(off.line).toBeLessThan(on.line / 4);
    expect(off.tint).toBeLessThan(Math.max(1, on.tint / 4));
    await page.getByTestId('show-forecast').check();
    await expect.poll(() => chart.getAttribute('data-forecast')).toBe('true');
  });

  it('the reference editor sets a reference period and resets it to the automatic one', async () => {
    const current = page.getByTestId('reference-current');
    await expect.poll(() => current.getAttribute('data-source')).not.toBe('engineer');
    // Days 2 to 5 of the history, in the browser's calendar.
    const day = (offset: number) =>
      page.evaluate((ms) => {
        const d = new Date(ms);
        const p = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
      }, Date.now() - (HISTORY_DAYS - offset) * DAY);
    const from = await day(2);
    const to = await day(5);
    const saved = page.waitForResponse((r) => r.url().includes(`/wells/${FAST.id}/reference`) && r.request().method() === 'PUT');
    await page.getByTestId('reference-from').fill(from);
    await page.getByTestId('reference-to').fill(to);
    await page.getByTestId('reference-save').click();
    expect((await saved).status()).toBe(200);
    await expect.poll(() => current.getAttribute('data-source')).toBe('engineer');
    await expect.poll(() => page.getByTestId('reference-msg').textContent()).toMatch(/saved/i);

    const stored = await getJson<{ reference: ReferencePeriod | null }>(`/api/v1/wells/${FAST.id}/reference`);
    expect(stored.reference?.source).toBe('engineer');
    // Whole local days: from the first day's midnight to the midnight after the last day.
    const browserDay = (iso: string) =>
      page.evaluate((ms) => {
        const d = new Date(ms);
        const p = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
      }, Date.parse(iso));
    expect(await browserDay(stored.reference!.from)).toBe(from);
    expect(await browserDay(new Date(Date.parse(stored.reference!.to) - 1).toISOString())).toBe(to);
    expect(Date.parse(stored.reference!.to) - Date.parse(stored.reference!.from)).toBeGreaterThanOrEqual(4 * DAY - 3_600_000);

    // The forecast is asked for again against the new reference; then back to automatic.
    const reset = page.waitForResponse((r) => r.url().includes(`/wells/${FAST.id}/reference`) && r.request().method() === 'DELETE');
    await page.getByTestId('reference-reset').click();
    expect((await reset).status()).toBeLessThan(300);
    await expect.poll(() => current.getAttribute('data-source')).not.toBe('engineer');
    const after = await getJson<{ reference: ReferencePeriod | null }>(`/api/v1/wells/${FAST.id}/reference`);
    expect(after.reference?.source ?? 'none').not.toBe('engineer');
  });

  it('an engineer records a pump event on the well page', async () => {
    const before = (await getJson<{ events: PumpEvent[] }>(`/api/v1/wells/${FAST.id}/events`)).events.length;
    await page.getByTestId('event-type').selectOption('trip');
    await page.getByTestId('event-reason').fill('Underload trip after a gas slug; restarted at 50 Hz');
    await page.getByTestId('event-submit').click();
    await expect.poll(() => page.getByTestId('event-msg').textContent()).toMatch(/trip recorded/i);
    await page.locator('[data-testid="event-row"][data-type="trip"]', { hasText: 'gas slug' }).waitFor();
    const events = (await getJson<{ events: PumpEvent[] }>(`/api/v1/wells/${FAST.id}/events`)).events;
    expect(events.length).toBe(before + 1);
    expect(events.some((e) => e.type === 'trip' && e.source === 'manual' && /gas slug/.test(e.reason ?? ''))).toBe(true);
    // The seeded installs are listed too.
    expect(await page.locator('[data-testid="event-row"][data-type="install"]').count()).toBeGreaterThanOrEqual(2);
  });

  it('a viewer sees the reference and the events read-only', async () => {
    const viewerContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const v = await viewerContext.newPage();
      v.on('pageerror', (e) => pageErrors.push(e.message));
      await signIn(v, VIEWER);
      await v.goto(`${t.baseUrl}/#/wells/${FAST.id}`);
      await v.getByTestId('reference-readonly').waitFor();
      await v.getByTestId('forecast-panel').waitFor();
      await v.locator('[data-testid="event-row"]').first().waitFor();
      expect(await v.getByTestId('reference-form').count()).toBe(0);
      expect(await v.getByTestId('event-form').count()).toBe(0);
      // The server agrees: a viewer cannot set a reference.
      const token = await v.evaluate(() => (JSON.parse(localStorage.getItem('esp.session') ?? '{}') as { token?: string }).token ?? '');
      const r = await fetch(`${t.baseUrl}/api/v1/wells/${FAST.id}/reference`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: new Date(Date.now() - 10 * DAY).toISOString(), to: new Date(Date.now() - 5 * DAY).toISOString() }),
      });
      expect(r.status).toBe(403);
    } finally {
      await viewerContext.close();
    }
  });

  it('the reliability page draws a survival curve per pump model with its statistics', async () => {
    await page.getByTestId('nav-reliability').click();
    await page.waitForURL(/#\/reliability$/);
    const report = await getJson<ReliabilityReport>('/api/v1/reliability?group_by=pump_model');
    for (const model of [MODEL_A, MODEL_B]) {
      const group = page.locator(`[data-testid="reliability-group"][data-group="${model}"]`);
      await group.waitFor({ timeout: 20_000 });
      const g = report.groups.find((x) => x.group === model)!;
      expect(g.installs).toBe(seeded[model]!.installs);
      expect(g.failures).toBe(seeded[model]!.failures);
      expect(await group.getByTestId('rel-installs').textContent()).toBe(String(seeded[model]!.installs));
      expect(await group.getByTestId('rel-failures').textContent()).toBe(String(seeded[model]!.failures));
      expect(await group.getByTestId('rel-censored').textContent()).toBe(String(g.censored));
      if (g.survival_365) expect(await group.getByTestId('rel-s365').textContent()).toMatch(/%.*\(.*–.*%\)/);
      // The Kaplan–Meier step line in its colour.
      const px = await canvasColours(`[data-testid="reliability-group"][data-group="${model}"] [data-testid="survival-chart"]`, KM_RGB);
      expect(px.line, `${model}: pixels of the survival curve`).toBeGreaterThan(150);
      expect(px.tint, `${model}: pixels of the survival band`).toBeGreaterThan(300);
      expect(await group.locator('[data-testid="run-life"]').count()).toBe(seeded[model]!.installs);
    }
    await page.locator('[data-testid="reliability-group"]').first().locator('summary').click();
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.screenshot({ path: `${SHOTS}reliability.png`, fullPage: true });

    // By field: the same run lives, regrouped.
    await page.getByTestId('reliability-group-by').selectOption('field');
    await page.locator('[data-testid="reliability-group"][data-group="WEST"]').waitFor();
    await page.locator('[data-testid="reliability-group"][data-group="EAST"]').waitFor();
    expect(await page.locator(`[data-testid="reliability-group"][data-group="${MODEL_A}"]`).count()).toBe(0);
  });

  it('the fleet sorted by earliest expected limit puts the faster drift first', async () => {
    await page.goto(`${t.baseUrl}/#/`);
    await page.getByTestId('well-row').first().waitFor();
    const requested = page.waitForRequest((r) => /\/api\/v1\/wells\?.*sort=time_to_limit/.test(r.url()));
    await page.getByTestId('fleet-sort').selectOption('limit');
    await requested;
    const fastBadge = page.locator(`[data-testid="well-row"][data-well-id="${FAST.id}"] [data-testid="limit-badge"]`);
    await expect.poll(() => fastBadge.getAttribute('data-channel'), { timeout: 20_000 }).toBe('motor_temp');
    await page.locator(`[data-testid="well-row"][data-well-id="${SLOW.id}"] [data-testid="limit-badge"]`).waitFor();
    const rows = await page.getByTestId('well-row').evaluateAll((els) =>
      els.map((r) => {
        const b = r.querySelector<HTMLElement>('[data-testid="limit-badge"]');
        return { id: r.getAttribute('data-well-id')!, days: b ? Number(b.dataset.days) : null, top: r.getBoundingClientRect().top };
      }),
    );
    rows.sort((a, b) => a.top - b.top);
    const order = rows.map((r) => r.id);
    // The faster drift before the slower one. Another simulated well may also head to a limit (one runs at its
    // rated current after an operator speed-up, and warns on some hours' data): it is placed by its own time.
    expect(order.indexOf(FAST.id)).toBeLessThan(order.indexOf(SLOW.id));
    // Wells heading to a limit come first, soonest first; the rest after.
    const withLimit = rows.filter((r) => r.days !== null);
    expect(rows.slice(0, withLimit.length).every((r) => r.days !== null)).toBe(true);
    for (let i = 1; i < withLimit.length; i++) expect(withLimit[i]!.days!).toBeGreaterThanOrEqual(withLimit[i - 1]!.days!);
    // The same order as the API's.
    const api = await getJson<{ wells: { well_id: string; forecast: unknown }[] }>('/api/v1/wells?sort=time_to_limit');
    expect(withLimit.map((r) => r.id)).toEqual(api.wells.filter((w) => w.forecast).map((w) => w.well_id));
    await page.screenshot({ path: `${SHOTS}fleet-limit.png` });
  });

  it('raised no errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
