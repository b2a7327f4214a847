// Telemetry API, compatible with the original platform: ingest, batch, latest, history, summary.
import { Readable } from 'node:stream';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { CHANNELS, readingId, type Channel, type ChannelValues } from '../../domain/reading.js';
import { distinctReadings, ReadingInputSchema } from '../../domain/validation.js';
import { assertWellsInScope } from '../../domain/identity.js';
import type { AppContext } from '../context.js';
import { parseInterval, resolveRange, WellParams } from '../params.js';
import { CSV_HEADER, presentReading, readingsToCsv } from '../present.js';
import { errorResponses, TextBody } from '../schemas/common.js';
import {
  batchBody,
  BatchResponse,
  HistoryQuery,
  SummaryQuery,
  HistoryResponse,
  IngestResponse,
  LatestResponse,
  SummaryResponse,
  type ChannelStats,
  type HistoryBucket,
} from '../schemas/telemetry.js';
import type { TypedApp } from './typed.js';

const MAX_BUCKETS = 100_000;

/** Routes under /api/v1/telemetry. */
export async function telemetryRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  const checkOpts = () => ({
    now: Date.now(),
    maxFutureSkewMs: ctx.config.telemetry.maxFutureSkewMs,
    retentionMs: ctx.config.telemetry.retentionDays * 86_400_000,
  });

  app.post(
    '/ingest',
    {
      config: { permission: 'ingest', rateLimit: 'readings' },
      onResponse: (_req, reply, done) => {
        ctx.ingestMetrics.httpAnswered(reply.statusCode, 1);
        done();
      },
      schema: {
        tags: ['telemetry'],
        summary: 'Ingest one reading',
        body: ReadingInputSchema,
        response: { 201: IngestResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { readings, errors } = ctx.validator.check([req.body], checkOpts(), () => '', true);
      if (errors.length) throw new ValidationError(`Invalid reading: ${errors[0].field} ${errors[0].reason}`, errors.map(({ index: _i, ...e }) => e));
      assertWellsInScope(req.principal, [readings[0].well_id], ctx.fieldOf);
      const counts = await ctx.pipeline.submitCounted(readings);
      ctx.ingestMetrics.committed('http', counts);
      return reply
        .status(201)
        .send({
          success: true,
          telemetry_id: readingId(readings[0].well_id, readings[0].ts),
          well_id: readings[0].well_id,
          timestamp: new Date(readings[0].ts).toISOString(),
          ...counts,
        });
    },
  );

  const BatchBody = batchBody(ctx.config.telemetry.maxBatchReadings);
  app.post(
    '/batch',
    {
      bodyLimit: ctx.config.telemetry.maxBodyBytes,
      config: { permission: 'ingest', rateLimit: 'readings' },
      onResponse: (req, reply, done) => {
        const readings = (req.body as { readings?: unknown } | undefined)?.readings;
        ctx.ingestMetrics.httpAnswered(reply.statusCode, Array.isArray(readings) ? readings.length : 0);
        done();
      },
      schema: {
        tags: ['telemetry'],
        summary: 'Ingest a batch of readings (all or nothing)',
        description:
          'Every reading is validated; if any is invalid the whole batch is refused with each bad index, field and reason, and nothing is stored. ' +
          'Two readings of one well with the same timestamp and other values, or two readings of one well without a timestamp, are refused (400, naming both). ' +
          'Re-sending a reading already stored is a no-op counted in `duplicates`; re-sending one with other values keeps the stored reading and is counted in `conflicts`.',
        body: BatchBody,
        response: { 201: BatchResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const started = performance.now();
      const items = req.body.readings;
      const checked = ctx.validator.check(items, checkOpts(), (i) => `readings[${i}]`, true);
      const distinct = distinctReadings(checked.readings, checked.indices, checked.timed, (i) => `readings[${i}]`);
      const errors = [...checked.errors, ...distinct.errors].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (errors.length) {
        const bad = new Set(errors.map((e) => e.index)).size;
        const message = checked.errors.length
          ? `${bad} of ${items.length} readings are invalid; nothing was stored`
          : `${bad} of ${items.length} readings contradict others in the batch (same well and timestamp, or no timestamp); nothing was stored`;
        throw new ValidationError(message, errors);
      }
      const readings = distinct.readings;
      assertWellsInScope(req.principal, new Set(readings.map((r) => r.well_id)), ctx.fieldOf);
      const stored = await ctx.pipeline.submitCounted(readings);
      const counts = { ...stored, duplicates: stored.duplicates + distinct.repeats };
      ctx.ingestMetrics.committed('http', counts);
      return reply.status(201).send({
        success: true,
        batch_size: items.length,
        ...counts,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
      });
    },
  );

  app.get(
    '/wells/:id/latest',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Newest reading of a well (by timestamp)',
        params: WellParams,
        response: { 200: LatestResponse, ...errorResponses },
      },
    },
    async (req) => {
      const id = req.params.id;
      const r = ctx.latest ? await ctx.latest.read(id, () => ctx.repo.latestReading(id)) : await ctx.repo.latestReading(id);
      if (!r) throw new NotFoundError(`No telemetry for well ${req.params.id}`, { well_id: req.params.id });
      return { success: true, telemetry: presentReading(r) };
    },
  );

  app.get(
    '/wells/:id/history',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Readings of a well over a time range, raw or bucketed, JSON or CSV',
        params: WellParams,
        querystring: HistoryQuery,
        response: {
          200: {
            description: 'JSON: the readings, or one row per bucket with `interval`; `format=csv`: the same as CSV',
            content: {
              'application/json': { schema: HistoryResponse },
              'text/csv': { schema: TextBody('a header row, then one row per reading (or bucket)') },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const wellId = req.params.id;
      const range = resolveRange(q);
      const csv = q.format === 'csv';
      if (q.interval !== undefined) {
        const seconds = parseInterval(q.interval);
        if ((range.to - range.from) / (seconds * 1000) > MAX_BUCKETS) {
          throw new ValidationError('Too many buckets', [
            { field: 'interval', reason: `the range would give more than ${MAX_BUCKETS} buckets; use a larger interval` },
          ]);
        }
        const buckets = await ctx.repo.historyBuckets(wellId, range, seconds);
        const agg = q.agg ?? 'all';
        if (csv) {
          const head = ['timestamp', 'samples', ...CHANNELS.flatMap((c) => [`${c}_avg`, `${c}_min`, `${c}_max`])].join(',');
          const body = buckets
            .map((b) =>
              [new Date(b.ts).toISOString(), b.samples, ...CHANNELS.flatMap((c): (string | number)[] => {
                const v = b.values[c];
                return v ? [v.avg, v.min, v.max] : ['', '', ''];
              })].join(','),
            )
            .join('\n');
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${wellId}-history.csv"`)
            .send(head + '\n' + body + (body ? '\n' : ''));
        }
        const telemetry = buckets.map((b) => {
          const row: HistoryBucket = { timestamp: new Date(b.ts).toISOString(), samples: b.samples };
          for (const c of CHANNELS) {
            const v = b.values[c];
            row[c] = agg === 'all' ? v : v ? v[agg] : null;
          }
          return row;
        });
        return {
          success: true,
          well_id: wellId,
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          hours: range.hours,
          interval: q.interval,
          interval_seconds: seconds,
          agg,
          count: telemetry.length,
          telemetry,
        };
      }
      const limit = q.limit ?? 10_000;
      if (csv) {
        // Streamed page by page so an export of millions of rows holds constant memory.
        const repo = ctx.repo;
        async function* rows() {
          yield CSV_HEADER;
          let after: number | undefined;
          let sent = 0;
          while (sent < limit) {
            const page = await repo.history(wellId, range, Math.min(10_000, limit - sent), after);
            if (!page.length) break;
            yield readingsToCsv(page);
            sent += page.length;
            after = page[page.length - 1].ts;
          }
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${wellId}-history.csv"`)
          .send(Readable.from(rows()));
      }
      const rows = await ctx.repo.history(wellId, range, limit + 1);
      const truncated = rows.length > limit;
      if (truncated) rows.length = limit;
      return {
        success: true,
        well_id: wellId,
        hours: range.hours,
        from: new Date(range.from).toISOString(),
        to: new Date(range.to).toISOString(),
        count: rows.length,
        truncated,
        telemetry: rows.map(presentReading),
      };
    },
  );

  app.get(
    '/wells/:id/summary',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'A well over a range (default the last 24 h): counts, first and last reading, statistics, diagnoses',
        description:
          'The original platform’s fields (`well_id`, `first_reading`/`last_reading` as ISO timestamps, `total_readings`, ' +
          '`avg_flow_rate`, `avg_motor_temp`, `avg_vibration`, `diagnostic_count`, `critical_diagnostic_count`, ' +
          '`last_diagnosis` as one of its eight categories, `last_diagnosis_time`) are computed over the range; beside them ' +
          '`first_telemetry`/`last_telemetry` (the readings), per-channel `{min, max, avg, stddev}` and ' +
          '`averages`/`minimums`/`maximums`/`stddevs`.',
        params: WellParams,
        querystring: SummaryQuery,
        response: { 200: SummaryResponse, ...errorResponses },
      },
    },
    async (req) => {
      const wellId = req.params.id;
      const range = resolveRange(req.query);
      const [s, d] = await Promise.all([ctx.repo.summary(wellId, range), ctx.repo.diagnosisCounts(wellId, range)]);
      if (s.count === 0 && !(await ctx.repo.getWell(wellId))) {
        throw new NotFoundError(`Unknown well ${wellId}`, { well_id: wellId });
      }
      // Storage keys its statistics by channel name; every channel is there.
      const perChannel = Object.fromEntries(
        CHANNELS.map((c) => [c, { min: s.minimums[c], max: s.maximums[c], avg: s.averages[c], stddev: s.stddevs[c] }]),
      ) as Record<Channel, ChannelStats>;
      const byChannel = (values: Record<string, number | null>) => values as ChannelValues;
      return {
        success: true,
        well_id: wellId,
        hours: range.hours,
        summary: {
          // The original platform's summary.
          well_id: wellId,
          first_reading: s.first ? new Date(s.first.ts).toISOString() : null,
          last_reading: s.last ? new Date(s.last.ts).toISOString() : null,
          total_readings: s.count,
          avg_flow_rate: s.averages.flow_rate,
          avg_motor_temp: s.averages.motor_temp,
          avg_vibration: s.averages.vibration,
          diagnostic_count: d.total,
          critical_diagnostic_count: d.critical,
          last_diagnosis: d.last ? d.last.category : null,
          last_diagnosis_time: d.last ? new Date(d.last.ts).toISOString() : null,
          // Names the original's API examples read.
          period_hours: range.hours,
          reading_count: s.count,
          ...perChannel,
          // This platform's additions.
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          last_diagnosis_code: d.last ? d.last.diagnosis : null,
          first_telemetry: s.first ? presentReading(s.first) : null,
          last_telemetry: s.last ? presentReading(s.last) : null,
          averages: byChannel(s.averages),
          minimums: byChannel(s.minimums),
          maximums: byChannel(s.maximums),
          stddevs: byChannel(s.stddevs),
        },
      };
    },
  );
}
