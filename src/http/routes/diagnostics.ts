// Diagnostics API (original paths and response fields kept): analyze a reading, analyze a well now, history.
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { Diagnosis, StoredDiagnosis } from '../../domain/diagnosis.js';
import type { Reading } from '../../domain/reading.js';
import { snapshot } from '../../ingest/diagnosis-service.js';
import type { AppContext } from '../context.js';
import { WellParams } from '../params.js';
import { presentDiagnosis } from '../present.js';
import { errorResponses } from '../schemas/common.js';
import {
  AnalyzeBody,
  AnalyzeLatestQuery,
  AnalyzeLatestResponse,
  AnalyzeResponse,
  CriticalLimitQuery,
  HistoryLimitQuery,
  CriticalDiagnosesResponse,
  DiagnosisHistoryResponse,
  type WireDiagnostic,
  type WireStoredDiagnostic,
} from '../schemas/diagnostics.js';
import type { TypedApp } from './typed.js';

const DAY = 86_400_000;
const BASELINE_SAMPLE_MAX = 20_000;
/** analyze-latest reads this much history for slow degradation (daily aggregates), at most this many a day. */
const LONG_HISTORY_DAYS = 60;
const LONG_HISTORY_PER_DAY = 480;

/** The domain's wire form of a diagnosis (diagnosisToJson), typed as its schema. */
const wire = (d: Parameters<typeof presentDiagnosis>[0]) => presentDiagnosis(d) as WireDiagnostic;
const wireStored = (d: StoredDiagnosis) => presentDiagnosis(d) as WireStoredDiagnostic;

function diagnosticJson(d: Diagnosis, wellId: string, snap: Record<string, unknown> | null, stored: StoredDiagnosis | null) {
  return wire(stored ?? { ...d, id: null, well_id: wellId, telemetry_snapshot: snap as StoredDiagnosis['telemetry_snapshot'] });
}

/** As the original: `diagnostic_id` beside `diagnostic` when the result was stored, absent otherwise. */
function withId<T extends object>(body: T, stored: StoredDiagnosis | null): T & { diagnostic_id?: number } {
  return stored ? { ...body, diagnostic_id: stored.id } : body;
}

/** Routes under /api/v1/diagnostics. */
export async function diagnosticsRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  /** Up to BASELINE_SAMPLE_MAX raw readings spread over a long window: real samples keep real noise. */
  async function sampleHistory(wellId: string, from: number, to: number): Promise<Reading[]> {
    const slices = 10;
    const per = Math.floor(BASELINE_SAMPLE_MAX / slices);
    const out: Reading[] = [];
    const span = (to - from) / slices;
    for (let i = 0; i < slices; i++) {
      out.push(...(await ctx.repo.history(wellId, { from: from + i * span, to: from + (i + 1) * span }, per)));
    }
    return out;
  }

  /** Up to LONG_HISTORY_PER_DAY readings of each of the LONG_HISTORY_DAYS days before `to`. */
  async function dailyHistory(wellId: string, to: number): Promise<Reading[]> {
    const out: Reading[] = [];
    const first = await ctx.repo.history(wellId, { from: 0, to }, 1);
    if (!first.length) return out;
    const from = Math.max(first[0].ts, to - LONG_HISTORY_DAYS * DAY);
    for (let t = from; t < to; t += DAY) out.push(...(await ctx.repo.history(wellId, { from: t, to: Math.min(t + DAY, to) }, LONG_HISTORY_PER_DAY)));
    return out;
  }

  app.post(
    '/analyze',
    {
      config: { permission: 'analyze' },
      schema: {
        tags: ['diagnostics'],
        summary: 'Diagnose one reading sent in the body, against the well’s stored baseline and nameplate',
        body: AnalyzeBody,
        response: { 200: AnalyzeResponse, ...errorResponses },
      },
    },
    async (req) => {
      const { well_id, telemetry: given, store_result } = req.body;
      const { well_id: ownWellId, id: _id, ...telemetry } = given;
      if (ownWellId !== undefined && ownWellId !== well_id) {
        throw new ValidationError(`telemetry.well_id ${ownWellId} is not the body's well_id ${well_id}`, [
          { field: 'telemetry.well_id', reason: `must be the same as well_id (${well_id}) when given` },
        ]);
      }
      // Any past reading may be judged, back to 1970 (storage has no year 0, and older is no ESP reading).
      const now = Date.now();
      const { readings, errors } = ctx.validator.check(
        [{ ...telemetry, well_id }],
        { now, maxFutureSkewMs: ctx.config.telemetry.maxFutureSkewMs, retentionMs: now },
        () => 'telemetry',
        true,
      );
      if (errors.length) throw new ValidationError(`Invalid telemetry: ${errors[0].field} ${errors[0].reason}`, errors);
      const { diagnosis } = await ctx.diagnosis.analyze(well_id, readings);
      const snap = snapshot(readings[0]);
      const stored = store_result !== false ? await ctx.repo.insertDiagnosis(well_id, diagnosis, snap, 'api') : null;
      return withId({ success: true, well_id, diagnostic: diagnosticJson(diagnosis, well_id, snap, stored) }, stored);
    },
  );

  app.post(
    '/wells/:id/analyze-latest',
    {
      config: { permission: 'analyze' },
      schema: {
        tags: ['diagnostics'],
        summary: 'Diagnose the well now from its stored history',
        description:
          'Judges at least the last 24 hours (more when the well samples sparsely) against a baseline learned from up to the previous 30 days, or the saved one; slow degradation (pump wear, scale) and developing trends are judged over up to 60 days of history against the well\'s reference (its first settled, healthy days).',
        params: WellParams,
        querystring: AnalyzeLatestQuery,
        response: { 200: AnalyzeLatestResponse, ...errorResponses },
      },
    },
    async (req) => {
      const wellId = req.params.id;
      const latest = await ctx.repo.latestReading(wellId);
      if (!latest) throw new NotFoundError(`No telemetry for well ${wellId}`, { well_id: wellId });
      const end = latest.ts + 1;
      const hours = req.query.hours ?? 24;
      let windowStart = end - hours * 3_600_000;
      let recent = await ctx.repo.history(wellId, { from: windowStart, to: end }, 200_000);
      // A well that samples hourly has few points in a day: reach back until the engine has enough.
      for (let back = 2; recent.length < 48 && back <= 8; back *= 2) {
        windowStart = end - hours * back * 3_600_000;
        recent = await ctx.repo.history(wellId, { from: windowStart, to: end }, 200_000);
      }
      const baselineHistory = await sampleHistory(wellId, Math.max(windowStart - 30 * DAY, 0), windowStart);
      // Slow degradation needs weeks: up to LONG_HISTORY_DAYS before the window, a bounded sample of each day
      // (daily medians are what the trends use), judged against the well's reference rather than the 30 days.
      const history = await dailyHistory(wellId, windowStart);
      // The well's stored reference (an engineer's period is honoured); none stored yet: learned from the history.
      const well = await ctx.repo.getWell(wellId);
      const ref = well ? await ctx.surveillance.reference(wellId, well) : null;
      const { result } = await ctx.diagnosis.analyzeHistory(wellId, recent, baselineHistory, history, ref ? (ref.learned ?? ref.period) : undefined);
      const diagnosis = result.diagnosis;
      const snap = snapshot(latest);
      const stored = req.query.store_result === false ? null : await ctx.repo.insertDiagnosis(wellId, diagnosis, snap, 'api');
      return withId(
        {
          success: true,
          well_id: wellId,
          readings_analyzed: recent.length,
          baseline_readings: baselineHistory.length,
          diagnostic: diagnosticJson(diagnosis, wellId, snap, stored),
        },
        stored,
      );
    },
  );

  app.get(
    '/wells/:id/history',
    {
      schema: {
        tags: ['diagnostics'],
        summary: 'A well’s diagnoses, newest first (`limit`, default 10)',
        params: WellParams,
        querystring: HistoryLimitQuery,
        response: { 200: DiagnosisHistoryResponse, ...errorResponses },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 10;
      const rows = await ctx.repo.diagnosisHistory(req.params.id, limit);
      return { success: true, well_id: req.params.id, limit, count: rows.length, diagnostics: rows.map(wireStored) };
    },
  );

  app.get(
    '/critical',
    {
      schema: {
        tags: ['diagnostics'],
        summary: 'Recent critical and high-severity diagnoses across the fleet (`limit`, default 50)',
        querystring: CriticalLimitQuery,
        response: { 200: CriticalDiagnosesResponse, ...errorResponses },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const rows = await ctx.repo.criticalDiagnoses(limit);
      return { success: true, limit, count: rows.length, diagnostics: rows.map(wireStored) };
    },
  );
}
