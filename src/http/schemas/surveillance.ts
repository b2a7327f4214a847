// Early warning and run life (src/domain/surveillance.ts): reference period, pump events, forecast, reliability.
import { Type } from 'typebox';
import { FORECAST_MODELS, PUMP_EVENT_TYPES, RELIABILITY_GROUPS, TREND_CHANNELS } from '../../domain/surveillance.js';
import { IsoTime, literals, Nullable } from './common.js';

export const ReferenceSchema = Type.Object({ from: IsoTime, to: IsoTime, source: literals(['engineer', 'auto'] as const) });
export const ReferenceResponse = Type.Object({ success: Type.Boolean(), well_id: Type.String(), reference: Nullable(ReferenceSchema) });

export const PumpEventSchema = Type.Object({
  id: Type.Integer(),
  well_id: Type.String(),
  type: literals(PUMP_EVENT_TYPES),
  at: IsoTime,
  pump_model: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  source: literals(['manual', 'detected'] as const),
  created_at: IsoTime,
});
export const PumpEventResponse = Type.Object({ success: Type.Boolean(), event: PumpEventSchema });
export const PumpEventsResponse = Type.Object({ success: Type.Boolean(), well_id: Type.String(), events: Type.Array(PumpEventSchema) });

export const EstimateSchema = Type.Object({ value: Type.Number(), low: Type.Number(), high: Type.Number() });
export const ForecastPointSchema = Type.Object({ at: IsoTime, value: Type.Number(), low: Type.Number(), high: Type.Number() });
export const ForecastChannelSchema = Type.Object({
  channel: literals(TREND_CHANNELS),
  value_now: Type.Number(),
  slope_per_day: Type.Number(),
  slope_per_day_low: Type.Number(),
  slope_per_day_high: Type.Number(),
  limit: Type.Number(),
  limit_source: literals(['nameplate', 'default'] as const),
  time_to_limit_days: Nullable(Type.Number()),
  time_to_limit_low_days: Nullable(Type.Number()),
  time_to_limit_high_days: Nullable(Type.Number()),
  model: literals(FORECAST_MODELS),
  significant: Type.Boolean(),
  points: Type.Array(ForecastPointSchema),
});
export const ForecastWarningSchema = Type.Object({
  code: Type.String(),
  channel: literals(TREND_CHANNELS),
  expected_at: IsoTime,
  lead_days: Type.Number(),
  confidence: Type.Number(),
  message: Type.String(),
  evidence: Type.Array(Type.Unknown()),
});
export const ForecastResponse = Type.Object({
  success: Type.Boolean(),
  well_id: Type.String(),
  generated_at: IsoTime,
  horizon_days: Type.Number(),
  channels: Type.Array(ForecastChannelSchema),
  warnings: Type.Array(ForecastWarningSchema),
});

export const RunLifeSchema = Type.Object({
  well_id: Type.String(),
  install_at: IsoTime,
  end_at: Nullable(IsoTime),
  days: Type.Number(),
  failed: Type.Boolean(),
});
export const SurvivalPointSchema = Type.Object({
  t_days: Type.Number(),
  survival: Type.Number(),
  low: Type.Number(),
  high: Type.Number(),
  at_risk: Type.Integer(),
  events: Type.Integer(),
});
export const ReliabilityGroupSchema = Type.Object({
  group: Type.String(),
  installs: Type.Integer(),
  failures: Type.Integer(),
  censored: Type.Integer(),
  run_lives: Type.Array(RunLifeSchema),
  kaplan_meier: Type.Array(SurvivalPointSchema),
  weibull: Nullable(Type.Object({ shape: EstimateSchema, scale_days: EstimateSchema })),
  mtbf_days: Nullable(EstimateSchema),
  survival_365: Nullable(EstimateSchema),
  trips_per_month: Nullable(Type.Number()),
});
export const ReliabilityResponse = Type.Object({
  success: Type.Boolean(),
  group_by: literals(RELIABILITY_GROUPS),
  generated_at: IsoTime,
  groups: Type.Array(ReliabilityGroupSchema),
});

// ---- requests: reference period, pump events, forecast horizon, grouping

/** Request enums as anyOf of literals (their validation messages are part of the API). */
const anyOfLiterals = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const ReferenceBody = Type.Object({ from: IsoTime, to: IsoTime }, { additionalProperties: false });
export const EventBody = Type.Object(
  {
    type: anyOfLiterals(PUMP_EVENT_TYPES),
    at: IsoTime,
    pump_model: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);
export const EventsQuery = Type.Object({
  from: Type.Optional(IsoTime),
  to: Type.Optional(IsoTime),
  type: Type.Optional(Type.String({ maxLength: 200, description: 'one event type or several, comma separated' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});
export const ForecastQuery = Type.Object({
  horizon_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30, description: 'days ahead (default 30)' })),
});
export const ReliabilityQuery = Type.Object({
  group_by: Type.Optional(Type.Union(RELIABILITY_GROUPS.map((g) => Type.Literal(g)), { default: 'pump_model' })),
});
