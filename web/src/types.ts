// Shapes of the HTTP API (v1) as the dashboard receives them: derived from the server's response schemas
// (src/http/schemas, what the OpenAPI document publishes and the server is tested against), never copied.
// The lists (channels, severities, statuses, event types) are the server's own (src/domain).
import type { Static } from 'typebox';
import type { UserRole } from '@domain/identity';
import type { Channel } from '@domain/reading';
import type { AlarmSchema } from '@schemas/alarms';
import type { EvidenceSchema, StoredDiagnosticSchema } from '@schemas/diagnostics';
import type { UserView } from '@schemas/security';
import type {
  EstimateSchema,
  ForecastChannelSchema,
  ForecastPointSchema,
  ForecastResponse,
  ForecastWarningSchema,
  PumpEventSchema,
  ReferenceSchema,
  ReliabilityGroupSchema,
  ReliabilityResponse,
  RunLifeSchema,
  SurvivalPointSchema,
} from '@schemas/surveillance';
import type { BucketedHistoryResponse, ChannelAggregate, HistoryBucketSchema, WireReading } from '@schemas/telemetry';
import type { FleetForecastSchema, FleetWellSchema, LatestReadingSchema, WellStatusSchema } from '@schemas/wells';

export { ALARM_STATUSES, type AlarmStatus } from '@domain/alarm';
export { SEVERITIES, type Severity } from '@domain/diagnosis';
export { CHANNELS, type Channel } from '@domain/reading';
export {
  PUMP_EVENT_TYPES,
  RELIABILITY_GROUPS,
  TREND_CHANNELS,
  type PumpEventType,
  type ReliabilityGroupBy,
  type TrendChannel,
} from '@domain/surveillance';

/** A well's display level: a severity, or `nodata` when it has no diagnosis yet. */
export type Level = import('@domain/diagnosis').Severity | 'nodata';

/** A signed-in person: the role is one of the server's user roles (src/domain/identity.ts). */
export type User = Omit<Static<typeof UserView>, 'role'> & { role: Role };
export type Role = UserRole;

export type WellStatus = Static<typeof WellStatusSchema>;
export type LatestReading = Static<typeof LatestReadingSchema>;
/** A fleet item's forecast summary, for surveillance by exception. */
export type FleetForecast = Static<typeof FleetForecastSchema>;
/** A well as the fleet list and the well page receive it (nameplate, status, latest reading, forecast). */
export type Well = Static<typeof FleetWellSchema>;

export type Agg = ChannelAggregate;
/** A bucket of history with `agg=all` (what the dashboard asks for): `{avg, min, max}` per channel. */
export type HistoryBucket = Omit<Static<typeof HistoryBucketSchema>, Channel> & { [K in Channel]: Agg | null };
export type HistoryResponse = Omit<Static<typeof BucketedHistoryResponse>, 'telemetry'> & { telemetry: HistoryBucket[] };

export type Evidence = Static<typeof EvidenceSchema>;
/** A stored diagnosis: the well's history, the critical list and live events carry these. */
export type Diagnosis = Static<typeof StoredDiagnosticSchema>;
export type Alarm = Static<typeof AlarmSchema>;

/** The `reading` live event: a reading as every route serves it. */
export type LiveReading = WireReading;

export type ReferencePeriod = Static<typeof ReferenceSchema>;
export type PumpEvent = Static<typeof PumpEventSchema>;
export type Estimate = Static<typeof EstimateSchema>;
export type ForecastPoint = Static<typeof ForecastPointSchema>;
export type ForecastChannel = Static<typeof ForecastChannelSchema>;
export type ForecastWarning = Static<typeof ForecastWarningSchema>;
export type Forecast = Omit<Static<typeof ForecastResponse>, 'success'>;
export type RunLife = Static<typeof RunLifeSchema>;
export type SurvivalPoint = Static<typeof SurvivalPointSchema>;
export type ReliabilityGroup = Static<typeof ReliabilityGroupSchema>;
export type ReliabilityReport = Omit<Static<typeof ReliabilityResponse>, 'success'>;
