-- Hourly roll-up of telemetry, kept on write from the rows actually inserted (re-sent readings are not
-- counted twice). Charts over weeks and the fleet's sparklines read this instead of millions of raw rows.
CREATE TABLE telemetry_hourly (
  well_id text NOT NULL,
  hour    timestamptz NOT NULL,
  samples integer NOT NULL,
  flow_rate_n integer NOT NULL DEFAULT 0,
  flow_rate_sum double precision NOT NULL DEFAULT 0,
  flow_rate_min double precision,
  flow_rate_max double precision,
  pip_n integer NOT NULL DEFAULT 0,
  pip_sum double precision NOT NULL DEFAULT 0,
  pip_min double precision,
  pip_max double precision,
  motor_current_n integer NOT NULL DEFAULT 0,
  motor_current_sum double precision NOT NULL DEFAULT 0,
  motor_current_min double precision,
  motor_current_max double precision,
  motor_temp_n integer NOT NULL DEFAULT 0,
  motor_temp_sum double precision NOT NULL DEFAULT 0,
  motor_temp_min double precision,
  motor_temp_max double precision,
  vibration_n integer NOT NULL DEFAULT 0,
  vibration_sum double precision NOT NULL DEFAULT 0,
  vibration_min double precision,
  vibration_max double precision,
  vsd_frequency_n integer NOT NULL DEFAULT 0,
  vsd_frequency_sum double precision NOT NULL DEFAULT 0,
  vsd_frequency_min double precision,
  vsd_frequency_max double precision,
  flow_variance_n integer NOT NULL DEFAULT 0,
  flow_variance_sum double precision NOT NULL DEFAULT 0,
  flow_variance_min double precision,
  flow_variance_max double precision,
  torque_n integer NOT NULL DEFAULT 0,
  torque_sum double precision NOT NULL DEFAULT 0,
  torque_min double precision,
  torque_max double precision,
  gor_n integer NOT NULL DEFAULT 0,
  gor_sum double precision NOT NULL DEFAULT 0,
  gor_min double precision,
  gor_max double precision,
  PRIMARY KEY (well_id, hour)
);
CREATE INDEX telemetry_hourly_hour_idx ON telemetry_hourly (hour);

-- Roll up what was stored before this migration.
INSERT INTO telemetry_hourly
SELECT well_id, date_bin('1 hour', ts, TIMESTAMPTZ '1970-01-01 00:00:00+00'), count(*),
  count(flow_rate), coalesce(sum(flow_rate), 0), min(flow_rate), max(flow_rate),
  count(pip), coalesce(sum(pip), 0), min(pip), max(pip),
  count(motor_current), coalesce(sum(motor_current), 0), min(motor_current), max(motor_current),
  count(motor_temp), coalesce(sum(motor_temp), 0), min(motor_temp), max(motor_temp),
  count(vibration), coalesce(sum(vibration), 0), min(vibration), max(vibration),
  count(vsd_frequency), coalesce(sum(vsd_frequency), 0), min(vsd_frequency), max(vsd_frequency),
  count(flow_variance), coalesce(sum(flow_variance), 0), min(flow_variance), max(flow_variance),
  count(torque), coalesce(sum(torque), 0), min(torque), max(torque),
  count(gor), coalesce(sum(gor), 0), min(gor), max(gor)
FROM telemetry GROUP BY 1, 2;
