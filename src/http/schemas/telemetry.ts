// Telemetry responses: readings as served, ingest and batch results, history (raw or bucketed), summary.
import { Type, type Static, type TSchema } from 'typebox';
import { CHANNELS, type Channel } from '../../domain/reading.js';
import { ReadingInputSchema } from '../../domain/validation.js';
import { RangeQuerySchema } from '../params.js';
import { IsoTime, NullableIsoTime, NullableNumber, NullableString, Nullable } from './common.js';

const perChannel = <T extends TSchema>(make: (c: Channel) => T) =>
  Object.fromEntries(CHANNELS.map((c) => [c, make(c)])) as { [K in Channel]: T };

/** A reading as every route serves it (src/http/present.ts). */
export const ReadingSchema = Type.Object({
  id: Type.Integer({ description: 'stable id derived from (well_id, timestamp)' }),
  well_id: Type.String(),
  timestamp: IsoTime,
  ...perChannel(() => NullableNumber()),
});
export type WireReading = Static<typeof ReadingSchema>;

/** What the readings of an ingest request became, in every ingest response. */
export const CountsSchema = {
  inserted: Type.Integer({ description: 'readings written as new rows' }),
  duplicates: Type.Integer({ description: 'readings already stored (or repeated in the request) with the same values: not written again' }),
  conflicts: Type.Integer({
    description: 'readings whose well and timestamp are already stored with other values: the stored reading is kept',
  }),
};

export const IngestResponse = Type.Object({
  success: Type.Boolean(),
  telemetry_id: Type.Integer({ description: 'stable id of the reading, derived from (well_id, timestamp): a re-sent reading keeps it' }),
  well_id: Type.String(),
  timestamp: IsoTime,
  ...CountsSchema,
});

export const BatchResponse = Type.Object({ success: Type.Boolean(), batch_size: Type.Integer(), ...CountsSchema, duration_ms: Type.Number() });

export const LatestResponse = Type.Object({ success: Type.Boolean(), telemetry: ReadingSchema });

const Aggregate = Type.Object({ avg: NullableNumber(), min: NullableNumber(), max: NullableNumber() });

/** One bucket of a bucketed history: `{avg, min, max}` per channel with agg=all, else the one aggregate. */
export const HistoryBucketSchema = Type.Object({
  timestamp: IsoTime,
  samples: Type.Integer(),
  ...perChannel(() => Type.Optional(Type.Union([Aggregate, NullableNumber()]))),
});

export const RawHistoryResponse = Type.Object({
  success: Type.Boolean(),
  well_id: Type.String(),
  hours: Type.Number(),
  from: IsoTime,
  to: IsoTime,
  count: Type.Integer(),
  truncated: Type.Boolean({ description: 'more readings matched than `limit`' }),
  telemetry: Type.Array(ReadingSchema),
});

export const BucketedHistoryResponse = Type.Object({
  success: Type.Boolean(),
  well_id: Type.String(),
  from: IsoTime,
  to: IsoTime,
  hours: Type.Number(),
  interval: Type.String(),
  interval_seconds: Type.Integer(),
  agg: Type.Union([Type.Literal('avg'), Type.Literal('min'), Type.Literal('max'), Type.Literal('all')]),
  count: Type.Integer(),
  telemetry: Type.Array(HistoryBucketSchema),
});

export type HistoryBucket = Static<typeof HistoryBucketSchema>;

/** Without `interval`: the readings; with it: one row per bucket. */
export const HistoryResponse = Type.Union([RawHistoryResponse, BucketedHistoryResponse]);

export type ChannelAggregate = Static<typeof Aggregate>;

const ChannelStatsSchema = Type.Object({ min: NullableNumber(), max: NullableNumber(), avg: NullableNumber(), stddev: NullableNumber() });
export type ChannelStats = Static<typeof ChannelStatsSchema>;
const ChannelNumbers = Type.Object(perChannel(() => NullableNumber()));

export const SummarySchema = Type.Object({
  well_id: Type.String(),
  first_reading: NullableIsoTime(),
  last_reading: NullableIsoTime(),
  total_readings: Type.Integer(),
  avg_flow_rate: NullableNumber(),
  avg_motor_temp: NullableNumber(),
  avg_vibration: NullableNumber(),
  diagnostic_count: Type.Integer(),
  critical_diagnostic_count: Type.Integer(),
  last_diagnosis: NullableString('one of the original platform’s eight categories'),
  last_diagnosis_time: NullableIsoTime(),
  period_hours: Type.Number(),
  reading_count: Type.Integer(),
  ...perChannel(() => ChannelStatsSchema),
  from: IsoTime,
  to: IsoTime,
  last_diagnosis_code: NullableString('the engine’s detailed code'),
  first_telemetry: Nullable(ReadingSchema),
  last_telemetry: Nullable(ReadingSchema),
  averages: ChannelNumbers,
  minimums: ChannelNumbers,
  maximums: ChannelNumbers,
  stddevs: ChannelNumbers,
});

export const SummaryResponse = Type.Object({ success: Type.Boolean(), well_id: Type.String(), hours: Type.Number(), summary: SummarySchema });

// ---- requests: history, batch

export const HistoryQuery = Type.Object({
  ...RangeQuerySchema,
  interval: Type.Optional(Type.String({ description: 'bucket size, e.g. 30s, 5m, 1h, 1d: returns avg/min/max per channel' })),
  agg: Type.Optional(Type.Union([Type.Literal('avg'), Type.Literal('min'), Type.Literal('max'), Type.Literal('all')], { description: 'with interval: one aggregate as plain numbers, or all (default) as {avg,min,max}' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 })),
});

/** A batch of readings, at most `maxReadings` (TELEMETRY_MAX_BATCH_READINGS). */
export const batchBody = (maxReadings: number) =>
  Type.Object({ readings: Type.Array(ReadingInputSchema, { minItems: 1, maxItems: maxReadings }) }, { additionalProperties: false });

/** The summary's range: `hours`, or `from`/`to`. */
export const SummaryQuery = Type.Object(RangeQuerySchema);
