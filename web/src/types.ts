// Shapes of the HTTP API (v1) as the dashboard receives them. Timestamps are ISO strings.
// Early warning and run life shapes are the server's own (src/domain/surveillance.ts), re-exported here.
import type { UserRole } from '@domain/identity';
import type { TrendChannel } from '@domain/surveillance';

export type {
  Estimate,
  Forecast,
  ForecastChannel,
  ForecastPoint,
  ForecastWarning,
  PumpEvent,
  PumpEventType,
  ReferencePeriod,
  ReliabilityGroup,
  ReliabilityGroupBy,
  ReliabilityReport,
  RunLife,
  SurvivalPoint,
  TrendChannel,
} from '@domain/surveillance';
export { PUMP_EVENT_TYPES, RELIABILITY_GROUPS, TREND_CHANNELS } from '@domain/surveillance';

export const CHANNELS = [
  'flow_rate',
  'pip',
  'motor_current',
  'motor_temp',
  'vibration',
  'vsd_frequency',
  'flow_variance',
  'torque',
  'gor',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** A well's display level: a severity, or `nodata` when it has no diagnosis yet. */
export type Level = Severity | 'nodata';

/** A signed-in person's role: the server's list (src/domain/identity.ts), not a copy. */
export type Role = UserRole;
export interface User {
  username: string;
  role: Role;
}

export interface WellStatus {
  /** The original platform's category (eight values); the dashboard shows `code`. */
  diagnosis: string;
  /** The engine's detailed code. */
  code: string;
  category: string;
  severity: Severity;
  confidence: number;
  since: string;
  timestamp: string;
  summary: string | null;
}

export type ChannelValues = { [K in Channel]: number | null };

export interface LatestReading extends ChannelValues {
  timestamp: string;
}

export interface Well {
  well_id: string;
  name: string | null;
  field: string | null;
  rated_flow_bpd: number | null;
  min_flow_bpd: number | null;
  max_flow_bpd: number | null;
  rated_current_a: number | null;
  base_frequency_hz: number | null;
  motor_temp_limit_c: number | null;
  bubble_point_psi: number | null;
  vibration_limit_g: number | null;
  created_at: string;
  updated_at: string;
  status: WellStatus | null;
  latest: LatestReading | null;
  sparkline?: (number | null)[];
  /** The earliest limit the well's trends reach within the forecast horizon (null: none heading to a limit). */
  forecast?: FleetForecast | null;
}

/** A fleet item's forecast summary, for surveillance by exception. */
export interface FleetForecast {
  channel: TrendChannel;
  time_to_limit_days: number;
  expected_at: string;
}

export interface Agg {
  avg: number | null;
  min: number | null;
  max: number | null;
}

export type HistoryBucket = { timestamp: string; samples: number } & { [K in Channel]: Agg | null };

export interface HistoryResponse {
  success: boolean;
  well_id: string;
  from: string;
  to: string;
  interval: string;
  count: number;
  telemetry: HistoryBucket[];
}

export interface Evidence {
  channel: string;
  observed: number | null;
  baseline?: number | null;
  limit?: number | null;
  rule: string;
  note?: string;
}

export interface Diagnosis {
  diagnostic_id: number;
  well_id: string;
  /** The original platform's category (eight values); the dashboard shows `code`. */
  diagnosis: string;
  /** The engine's detailed code. */
  code: string;
  category: string;
  confidence: number;
  severity: Severity;
  actions: string[];
  resolution_time: string | null;
  summary: string | null;
  evidence: Evidence[];
  telemetry_snapshot: Partial<ChannelValues> | null;
  timestamp: string;
  created_at: string;
}

export const ALARM_STATUSES = ['active', 'acknowledged', 'cleared'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

export interface Alarm {
  id: number;
  well_id: string;
  code: string;
  severity: Severity;
  status: AlarmStatus;
  message: string;
  evidence: Evidence[];
  raised_at: string;
  reading_ts: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  ack_note: string | null;
  cleared_at: string | null;
}

/** The `reading` live event. */
export type LiveReading = { well_id: string; timestamp: string } & Partial<ChannelValues>;
