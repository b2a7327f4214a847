// Diagnoses as served (src/domain/diagnosis.ts diagnosisToJson) and the diagnostics routes' answers.
import { Type, type Static } from 'typebox';
import { SEVERITIES } from '../../domain/diagnosis.js';
import { ReadingInputSchema, WellIdSchema } from '../../domain/validation.js';
import { IsoTime, literals, NullableNumber, NullableString, OpenObject } from './common.js';

/** One piece of evidence a rule gives for a diagnosis or an alarm. */
export const EvidenceSchema = Type.Object({
  channel: Type.String({ description: 'a channel, or a derived quantity such as flow_normalised' }),
  observed: NullableNumber('the value the rule judged'),
  baseline: Type.Optional(NullableNumber('the well’s learned baseline, when known')),
  limit: Type.Optional(NullableNumber('the limit compared against, when one applies')),
  rule: Type.String({ description: 'the rule that fired, e.g. flow.step_drop' }),
  note: Type.Optional(Type.String({ description: 'a sentence for the engineer' })),
}, { additionalProperties: true });

const NullableId = (description: string) => Type.Unsafe<number | null>({ type: ['integer', 'null'], description });

export const DiagnosticSchema = Type.Object({
  id: NullableId('the stored row (null when not stored)'),
  diagnostic_id: NullableId('the same as id'),
  well_id: Type.String(),
  timestamp: IsoTime,
  diagnosis: Type.String({ description: 'one of the original platform’s eight categories' }),
  code: Type.String({ description: 'the engine’s detailed code' }),
  category: Type.String(),
  confidence: Type.Number(),
  severity: literals(SEVERITIES),
  actions: Type.Array(Type.String()),
  resolution_time: NullableString(),
  notes: NullableString(),
  summary: NullableString(),
  description: NullableString(),
  root_cause: NullableString(),
  recommended_actions: Type.Array(Type.String()),
  expected_resolution_time: NullableString(),
  evidence: Type.Array(EvidenceSchema),
  telemetry_snapshot: Type.Union([OpenObject('the judged reading: its channels, well_id, timestamp and id'), Type.Null()]),
  created_at: Type.Optional(IsoTime),
});

export type WireDiagnostic = Static<typeof DiagnosticSchema>;

/** A stored diagnosis (history, the critical list, live events): with its id and creation time. */
export const StoredDiagnosticSchema = Type.Object({
  ...DiagnosticSchema.properties,
  id: Type.Integer({ description: 'the stored row' }),
  diagnostic_id: Type.Integer({ description: 'the same as id' }),
  created_at: IsoTime,
});
export type WireStoredDiagnostic = Static<typeof StoredDiagnosticSchema>;

const DiagnosticId = Type.Optional(Type.Integer({ description: 'present when the result was stored' }));

export const AnalyzeResponse = Type.Object({
  success: Type.Boolean(),
  well_id: Type.String(),
  diagnostic: DiagnosticSchema,
  diagnostic_id: DiagnosticId,
});

export const AnalyzeLatestResponse = Type.Object({
  success: Type.Boolean(),
  well_id: Type.String(),
  readings_analyzed: Type.Integer(),
  baseline_readings: Type.Integer(),
  diagnostic: DiagnosticSchema,
  diagnostic_id: DiagnosticId,
});

export const DiagnosisHistoryResponse = Type.Object({
  success: Type.Boolean(),
  well_id: Type.String(),
  limit: Type.Integer(),
  count: Type.Integer(),
  diagnostics: Type.Array(StoredDiagnosticSchema),
});

export const CriticalDiagnosesResponse = Type.Object({
  success: Type.Boolean(),
  limit: Type.Integer(),
  count: Type.Integer(),
  diagnostics: Type.Array(StoredDiagnosticSchema),
});

// ---- requests: a reading to judge, limits

const { well_id: _omit, ...readingProps } = ReadingInputSchema.properties;
// A stored reading as clients hold it (from /latest or history) can be passed as is: its `well_id` must be the
// body's, its `id` is ignored (as at ingest).
export const AnalyzeTelemetry = Type.Object(
  {
    ...readingProps,
    well_id: Type.Optional(WellIdSchema),
  },
  { additionalProperties: false },
);
export const AnalyzeBody = Type.Object(
  {
    well_id: WellIdSchema,
    telemetry: AnalyzeTelemetry,
    store_result: Type.Optional(Type.Boolean({ default: true, description: 'store the diagnosis in the well’s history (default true, as in the original)' })),
  },
  { additionalProperties: false },
);

// The original answers up to 100; more is allowed here, and the number used is echoed as `limit`.
const limitQuery = (dflt: number) =>
  Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: dflt })) });
export const HistoryLimitQuery = limitQuery(10);
export const CriticalLimitQuery = limitQuery(50);
export const AnalyzeLatestQuery = Type.Object({
  store_result: Type.Optional(Type.Boolean({ default: true })),
  hours: Type.Optional(Type.Number({ minimum: 1, maximum: 24 * 30, default: 24, description: 'window judged (default 24 h)' })),
});
