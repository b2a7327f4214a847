-- Early warning and run life (ESP-DIAGNOSTICS.md section 6).

-- A well's reference period: set by an engineer, or learned (auto) from the first settled healthy days after
-- registration or after the last install. An install event forgets a learned one; DELETE through the API
-- forgets an engineer's.
CREATE TABLE well_reference (
  well_id    text PRIMARY KEY,
  ref_from   timestamptz NOT NULL,
  ref_to     timestamptz NOT NULL,
  source     text NOT NULL CHECK (source IN ('engineer', 'auto')),
  set_by     text,
  -- The engine's statistics over the period (channel medians and scatter), so trends are judged against it
  -- after the period has left the look-back window; and the first reading they were learned after (auto).
  learned    jsonb,
  basis_from timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ref_from < ref_to)
);

-- Pump events: posted by people (manual) or seen in the data (detected trips and restarts). A detected event
-- is keyed by well, type and the reading's timestamp, so re-sent or re-detected readings add nothing.
CREATE TABLE pump_events (
  id         bigserial PRIMARY KEY,
  well_id    text NOT NULL,
  type       text NOT NULL CHECK (type IN ('install', 'start', 'stop', 'trip', 'pull', 'failure')),
  at         timestamptz NOT NULL,
  pump_model text,
  reason     text,
  source     text NOT NULL CHECK (source IN ('manual', 'detected')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pump_events_well_at_idx ON pump_events (well_id, at);
CREATE INDEX pump_events_type_idx ON pump_events (type, well_id, at);
CREATE UNIQUE INDEX pump_events_detected_uq ON pump_events (well_id, type, at) WHERE source = 'detected';

-- Each well's last forecast, so the fleet can be sorted by the earliest expected limit without forecasting
-- every well per request. `channel`/`expected_at`: the channel expected at its limit first (null if none).
CREATE TABLE well_forecast (
  well_id      text PRIMARY KEY,
  -- As of the newest reading it saw; computed_at: when it was computed (the background refresh's clock).
  generated_at timestamptz NOT NULL,
  computed_at  timestamptz NOT NULL DEFAULT now(),
  channel      text,
  expected_at  timestamptz,
  forecast     jsonb NOT NULL
);
CREATE INDEX well_forecast_expected_idx ON well_forecast (expected_at);
