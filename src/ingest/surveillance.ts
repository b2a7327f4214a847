// Early warning on stored data: each well's reference period (learned once, or an engineer's), its time-to-limit
// forecast (computed on demand and in the background, stored so the fleet can be sorted by the earliest
// expected limit), and the run-life report.
//
// The engine works on daily aggregates, so it is fed the hourly roll-up (telemetry_hourly): 60 days are 1 440
// rows per well instead of ~520 000 raw rows of 10-second data. An hour that contained a stop is handed over as
// a stopped reading, so the engine drops it and the start-up after it as it does with raw data.
import type { Logger } from 'pino';
import type { Reading } from '../domain/reading.js';
import type { Forecast, PumpEventType, ReferencePeriod, ReliabilityGroupBy, ReliabilityReport } from '../domain/surveillance.js';
import type { WellNameplate } from '../domain/well.js';
import { forecastWell, learnReference, type Reference } from '../diagnostics/index.js';
import { stopCurrentThreshold } from '../diagnostics/run-events.js';
import { reliabilityReport } from '../diagnostics/reliability.js';
import type { PumpEventRepository, StoredReference, SurveillanceRepository, TelemetryRepository, WellRepository } from '../storage/repository.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** History a forecast looks at (the engine's trend window). */
export const FORECAST_HISTORY_DAYS = 60;
/** An automatic reference is frozen once this much data follows its start (before: learned per request). */
const AUTO_REFERENCE_SETTLE_DAYS = 15;
/** Data read to learn an automatic reference. */
const AUTO_REFERENCE_READ_DAYS = 20;
const STOP_FREQUENCY_HZ = 1;

export interface SurveillanceOptions {
  /** How old a stored forecast may get before the background refresh recomputes it (0: no background refresh). */
  refreshMs: number;
  /** Wells forecast per background tick. */
  batch: number;
  tickMs: number;
}

export interface ReferenceView {
  period: ReferencePeriod;
  learned: Reference | null;
}

export class SurveillanceService {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  readonly stats = { forecastsComputed: 0, backgroundErrors: 0 };

  constructor(
    private readonly repo: SurveillanceRepository & PumpEventRepository & TelemetryRepository & WellRepository,
    private readonly log: Logger,
    private readonly opts: SurveillanceOptions,
  ) {}

  /** Hourly aggregates of [from, to) as readings (hour averages; hours with a stop as stopped readings). */
  async hourlyReadings(wellId: string, from: number, to: number, ratedCurrentA: number | null): Promise<Reading[]> {
    const buckets = await this.repo.historyBuckets(wellId, { from, to }, 3600);
    const stopA = stopCurrentThreshold(ratedCurrentA);
    const out: Reading[] = [];
    for (const b of buckets) {
      const v = b.values;
      const f = v.vsd_frequency;
      const i = v.motor_current;
      const stopped = (f !== null && f !== undefined && f.min < STOP_FREQUENCY_HZ) || ((f === null || f === undefined) && i && i.min <= stopA);
      const r = { well_id: wellId, ts: b.ts + HOUR / 2 } as Reading;
      for (const [c, agg] of Object.entries(v)) (r as unknown as Record<string, number | null>)[c] = agg ? agg.avg : null;
      if (stopped) {
        for (const c of Object.keys(v)) (r as unknown as Record<string, number | null>)[c] = null;
        r.vsd_frequency = f ? f.min : null;
        r.motor_current = i ? i.min : null;
      }
      out.push(r);
    }
    return out;
  }

  /**
   * The well's reference: the engineer's (statistics learned over it on first use), else the stored automatic
   * one (relearned when older data has arrived since, or after an install), else one learned now from the first
   * settled healthy days after the last install or the first reading (stored once enough data follows it).
   */
  async reference(wellId: string, well: WellNameplate): Promise<ReferenceView | null> {
    const stored = await this.repo.getReference(wellId);
    if (stored?.period.source === 'engineer') {
      if (stored.learned) return { period: stored.period, learned: stored.learned as Reference };
      const from = Date.parse(stored.period.from);
      const to = Date.parse(stored.period.to);
      const learned = learnReference(well, await this.hourlyReadings(wellId, from, to + 1, well.rated_current_a), {
        period: { from, to },
      });
      if (learned) {
        await this.repo.setReference(wellId, { from, to, source: 'engineer', by: stored.set_by, learned, basis_from: null });
        return { period: stored.period, learned };
      }
      return { period: stored.period, learned: null };
    }
    const [installs, first] = await Promise.all([
      this.repo.listPumpEvents({ well_id: wellId, types: ['install'], limit: 1 }),
      this.repo.firstReadingTs(wellId),
    ]);
    if (first === null) return null;
    const start = Math.max(first, installs.length ? Date.parse(installs[installs.length - 1].at) : first);
    if (stored && stored.basis_from !== null && stored.basis_from === start && stored.learned) {
      return { period: stored.period, learned: stored.learned as Reference };
    }
    const readings = await this.hourlyReadings(wellId, start, start + AUTO_REFERENCE_READ_DAYS * DAY, well.rated_current_a);
    const learned = learnReference(well, readings);
    if (!learned) return null;
    const span = readings.length ? readings[readings.length - 1].ts - start : 0;
    if (span >= AUTO_REFERENCE_SETTLE_DAYS * DAY) {
      await this.repo.setReference(wellId, {
        from: learned.from_ts,
        to: learned.to_ts,
        source: 'auto',
        by: null,
        learned,
        basis_from: start,
      });
    }
    return { period: learned.period, learned };
  }

  /** An engineer names the reference period; its statistics are learned now when the data is there. */
  async setEngineerReference(wellId: string, well: WellNameplate, from: number, to: number, by: string | null): Promise<StoredReference> {
    const learned = learnReference(well, await this.hourlyReadings(wellId, from, to + 1, well.rated_current_a), { period: { from, to } });
    return this.repo.setReference(wellId, { from, to, source: 'engineer', by, learned, basis_from: null });
  }

  /** Computes the well's forecast from its last 60 days (as of its newest reading) and stores it. */
  async forecast(wellId: string, well: WellNameplate, horizonDays: number): Promise<Forecast> {
    const latest = await this.repo.latestReading(wellId);
    const now = latest ? latest.ts : Date.now();
    const readings = latest
      ? await this.hourlyReadings(wellId, now - FORECAST_HISTORY_DAYS * DAY, now + 1, well.rated_current_a)
      : [];
    const ref = readings.length ? await this.reference(wellId, well) : null;
    const forecast = forecastWell({ ...well, well_id: wellId }, readings, {
      now,
      wellId,
      horizonDays,
      // No reference yet (too little settled data since the install or the first reading): none, rather than
      // one the engine would learn from whatever the 60-day window starts with (possibly the previous pump).
      reference: ref ? (ref.learned ?? ref.period) : null,
    });
    await this.repo.putForecast(forecast);
    this.stats.forecastsComputed++;
    return forecast;
  }

  /** A pump was installed: its automatic reference is relearned from the days after it. */
  async installed(wellId: string): Promise<void> {
    await this.repo.clearReference(wellId, 'auto');
  }

  async reliability(groupBy: ReliabilityGroupBy, now = Date.now()): Promise<ReliabilityReport> {
    const types: PumpEventType[] = ['install', 'pull', 'failure', 'trip', 'stop'];
    const events = await this.repo.pumpEventsForRunLife(types);
    return reliabilityReport(
      events.map((e) => ({ well_id: e.well_id, type: e.type, at: Date.parse(e.at), pump_model: e.pump_model, field: e.field, source: e.source })),
      groupBy,
      now,
    );
  }

  /** Refreshes stale forecasts a few wells at a time, so the fleet's sort stays current without request cost. */
  start(): void {
    if (this.opts.refreshMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.refreshSome().then(() => undefined).finally(() => (this.running = null));
    }, this.opts.tickMs);
    this.timer.unref();
  }

  async refreshSome(horizonDays = 30): Promise<number> {
    let done = 0;
    try {
      const ids = await this.repo.wellsNeedingForecast(Date.now() - this.opts.refreshMs, this.opts.batch);
      for (const id of ids) {
        if (this.stopped) break;
        const well = await this.repo.getWell(id);
        if (!well) continue;
        await this.forecast(id, well, horizonDays);
        done++;
      }
    } catch (err) {
      this.stats.backgroundErrors++;
      this.log.warn({ err }, 'background forecast refresh failed');
    }
    return done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
