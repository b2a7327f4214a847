// The well registry and the fleet list.
import { Type, type Static } from 'typebox';
import { SEVERITIES } from '../../domain/diagnosis.js';
import { CHANNELS, type Channel } from '../../domain/reading.js';
import { TREND_CHANNELS } from '../../domain/surveillance.js';
import { IsoTime, literals, Nullable, NullableNumber, NullableString } from './common.js';

/** The nameplate as stored: every field present, null when not given. */
export const WellSchema = Type.Object({
  well_id: Type.String(),
  name: NullableString(),
  field: NullableString(),
  rated_flow_bpd: NullableNumber('pump flow at best efficiency, at base frequency (bbl/day)'),
  min_flow_bpd: NullableNumber('recommended minimum flow at base frequency'),
  max_flow_bpd: NullableNumber('recommended maximum flow at base frequency'),
  rated_current_a: NullableNumber('motor nameplate amps'),
  base_frequency_hz: NullableNumber('60 or 50'),
  motor_temp_limit_c: NullableNumber('motor winding temperature limit (°C)'),
  bubble_point_psi: NullableNumber('bubble point pressure (psi)'),
  vibration_limit_g: NullableNumber('vibration limit (g RMS)'),
  created_at: IsoTime,
  updated_at: IsoTime,
});

/** A well's current diagnosis, as the fleet list carries it. */
export const WellStatusSchema = Type.Object({
  diagnosis: Type.String({ description: 'one of the original platform’s eight categories' }),
  code: Type.String({ description: 'the engine’s detailed code' }),
  category: Type.String(),
  severity: literals(SEVERITIES),
  confidence: Type.Number(),
  summary: NullableString(),
  since: IsoTime,
  timestamp: IsoTime,
  diagnostic_id: Type.Union([Type.Integer(), Type.Null()]),
});

export const LatestReadingSchema = Type.Object({
  timestamp: IsoTime,
  ...(Object.fromEntries(CHANNELS.map((c) => [c, NullableNumber()])) as { [K in Channel]: ReturnType<typeof NullableNumber> }),
});

export const FleetForecastSchema = Type.Object({
  channel: literals(TREND_CHANNELS),
  time_to_limit_days: Type.Number({ description: 'days from now (0 when already due)' }),
  expected_at: IsoTime,
});

export const FleetWellSchema = Type.Object({
  ...WellSchema.properties,
  status: Nullable(WellStatusSchema),
  latest: Nullable(LatestReadingSchema),
  forecast: Nullable(FleetForecastSchema),
  sparkline: Type.Optional(Type.Array(NullableNumber(), { description: 'with include=sparkline: hourly average flow over the last 24 h' })),
});

export type WireFleetWell = Static<typeof FleetWellSchema>;

export const WellListResponse = Type.Object({
  success: Type.Boolean(),
  count: Type.Integer(),
  total: Type.Integer({ description: 'wells matching the filters (count is this page)' }),
  wells: Type.Array(FleetWellSchema),
});

export const WellResponse = Type.Object({ success: Type.Boolean(), well: FleetWellSchema });
export const WellWrittenResponse = Type.Object({ success: Type.Boolean(), well: WellSchema });
export const WellDeletedResponse = Type.Object({ success: Type.Boolean(), well_id: Type.String(), deleted: Type.Boolean() });

export const SparklinesResponse = Type.Object({
  success: Type.Boolean(),
  hours: Type.Integer(),
  bucket_seconds: Type.Integer(),
  from: IsoTime,
  to: IsoTime,
  sparklines: Type.Record(Type.String(), Type.Array(NullableNumber()), { description: 'well id → hourly average flow' }),
});

// ---- requests: fleet filters, sparkline window

export const WellListQuery = Type.Object({
  field: Type.Optional(Type.String({ maxLength: 200 })),
  severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'text in id, name or field' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20_000, default: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
  include: Type.Optional(Type.String({ description: '`sparkline`: hourly average flow over the last 24 h' })),
  sort: Type.Optional(
    Type.Union([Type.Literal('well_id'), Type.Literal('time_to_limit')], {
      description: '`time_to_limit`: earliest expected limit (stored forecast) first; default by id',
    }),
  ),
});

export const SparklineQuery = Type.Object({
  hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 14, default: 24, description: 'hours back from the end of the current hour' })),
  field: Type.Optional(Type.String({ maxLength: 200 })),
});
