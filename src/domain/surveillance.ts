// Early warning and run life (ESP-DIAGNOSTICS.md section 6): the wire shapes shared by the engine, storage,
// the HTTP API and the dashboard. Timestamps on the wire are ISO 8601 strings.

/** Channels the trend and forecast work on (frequency-normalised where the physics says so). */
export const TREND_CHANNELS = ['flow_rate', 'motor_current', 'torque', 'pip', 'motor_temp', 'vibration'] as const;
export type TrendChannel = (typeof TREND_CHANNELS)[number];

/** A well's reference period: the healthy, settled days that slow degradation is judged against. */
export interface ReferencePeriod {
  from: string;
  to: string;
  /** `engineer`: set through the API; `auto`: learned from the first settled healthy days. */
  source: 'engineer' | 'auto';
}

/** A robust trend of one channel's daily (or per-N-samples) aggregates. */
export interface ChannelTrend {
  channel: TrendChannel;
  /** Theil–Sen slope of the normalised channel, units per day, with its confidence interval. */
  slope_per_day: number;
  slope_per_day_low: number;
  slope_per_day_high: number;
  /** Mann–Kendall two-sided p-value. */
  p_value: number;
  significant: boolean;
  /** Days covered and points (aggregates) used. */
  days: number;
  points: number;
  value_now: number;
  /** Median of the channel over the reference period, when there is one. */
  reference_value: number | null;
  /** (value_now − reference) / reference, when the reference is known and non-zero. */
  change_since_reference: number | null;
}

export const FORECAST_MODELS = ['linear', 'exponential'] as const;
export type ForecastModel = (typeof FORECAST_MODELS)[number];

/** One point of a channel's projection, for drawing the forecast and its band. */
export interface ForecastPoint {
  at: string;
  value: number;
  low: number;
  high: number;
}

export interface ForecastChannel {
  channel: TrendChannel;
  value_now: number;
  slope_per_day: number;
  slope_per_day_low: number;
  slope_per_day_high: number;
  limit: number;
  limit_source: 'nameplate' | 'default';
  /** null when the limit is not reached within the horizon (or the trend heads away). */
  time_to_limit_days: number | null;
  time_to_limit_low_days: number | null;
  time_to_limit_high_days: number | null;
  model: ForecastModel;
  significant: boolean;
  /** The projection from now to the horizon (daily), in the channel's measured units. */
  points: ForecastPoint[];
}

export interface ForecastWarning {
  /** A diagnosis code (e.g. PUMP_WEAR, SCALE, MOTOR_OVERHEAT, HIGH_VIBRATION, MOTOR_OVERLOAD, LOW_FLOW). */
  code: string;
  channel: TrendChannel;
  expected_at: string;
  lead_days: number;
  confidence: number;
  message: string;
  evidence: unknown[];
}

export interface Forecast {
  well_id: string;
  generated_at: string;
  horizon_days: number;
  channels: ForecastChannel[];
  warnings: ForecastWarning[];
}

export const PUMP_EVENT_TYPES = ['install', 'start', 'stop', 'trip', 'pull', 'failure'] as const;
export type PumpEventType = (typeof PUMP_EVENT_TYPES)[number];

export interface PumpEvent {
  id: number;
  well_id: string;
  type: PumpEventType;
  at: string;
  pump_model: string | null;
  reason: string | null;
  /** `manual`: posted by a user; `detected`: a running → stopped (or back) transition seen in the data. */
  source: 'manual' | 'detected';
  created_at: string;
}

export const RELIABILITY_GROUPS = ['pump_model', 'field'] as const;
export type ReliabilityGroupBy = (typeof RELIABILITY_GROUPS)[number];

/** An estimate with its (95 %) confidence interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

export interface RunLife {
  well_id: string;
  install_at: string;
  /** Pull/failure date, or null while the pump still runs (right-censored at the analysis time). */
  end_at: string | null;
  days: number;
  failed: boolean;
}

export interface SurvivalPoint {
  t_days: number;
  survival: number;
  low: number;
  high: number;
  at_risk: number;
  events: number;
}

export interface ReliabilityGroup {
  group: string;
  installs: number;
  failures: number;
  censored: number;
  run_lives: RunLife[];
  kaplan_meier: SurvivalPoint[];
  weibull: { shape: Estimate; scale_days: Estimate } | null;
  /** Mean time between failures (Weibull MTTF η·Γ(1+1/β) where fitted). */
  mtbf_days: Estimate | null;
  survival_365: Estimate | null;
  /** Trips (manual and detected) per pump-month of running. */
  trips_per_month: number | null;
}

export interface ReliabilityReport {
  group_by: ReliabilityGroupBy;
  generated_at: string;
  groups: ReliabilityGroup[];
}
