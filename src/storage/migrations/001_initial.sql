-- Wells registry with nameplate (ESP-DIAGNOSTICS.md section 2) and the learned baseline of the engine.
CREATE TABLE wells (
  well_id            text PRIMARY KEY,
  name               text,
  field              text,
  rated_flow_bpd     double precision,
  min_flow_bpd       double precision,
  max_flow_bpd       double precision,
  rated_current_a    double precision,
  base_frequency_hz  double precision,
  motor_temp_limit_c double precision,
  bubble_point_psi   double precision,
  vibration_limit_g  double precision,
  baseline           jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wells_field_idx ON wells (field);

-- Readings, keyed (well_id, ts) so a re-sent reading is a no-op; partitioned by day so retention drops
-- whole partitions. Partitions are created on demand by the storage adapter.
CREATE TABLE telemetry (
  well_id       text NOT NULL,
  ts            timestamptz NOT NULL,
  flow_rate     double precision,
  pip           double precision,
  motor_current double precision,
  motor_temp    double precision,
  vibration     double precision,
  vsd_frequency double precision,
  flow_variance double precision,
  torque        double precision,
  gor           double precision,
  PRIMARY KEY (well_id, ts)
) PARTITION BY RANGE (ts);

-- The newest reading of each well by timestamp (not by arrival), kept on write so the fleet view is one scan.
CREATE TABLE well_latest (
  well_id       text PRIMARY KEY,
  ts            timestamptz NOT NULL,
  flow_rate     double precision,
  pip           double precision,
  motor_current double precision,
  motor_temp    double precision,
  vibration     double precision,
  vsd_frequency double precision,
  flow_variance double precision,
  torque        double precision,
  gor           double precision
);

CREATE TABLE diagnostics (
  id                 bigserial PRIMARY KEY,
  well_id            text NOT NULL,
  ts                 timestamptz NOT NULL,
  diagnosis          text NOT NULL,
  category           text NOT NULL,
  confidence         double precision NOT NULL,
  severity           text NOT NULL,
  actions            jsonb NOT NULL DEFAULT '[]',
  resolution_time    text,
  summary            text,
  evidence           jsonb NOT NULL DEFAULT '[]',
  telemetry_snapshot jsonb,
  source             text NOT NULL DEFAULT 'stream',
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diagnostics_well_idx ON diagnostics (well_id, id DESC);
CREATE INDEX diagnostics_severity_idx ON diagnostics (severity, id DESC);

-- Each well's current diagnosis (what the fleet view colours by).
CREATE TABLE well_status (
  well_id       text PRIMARY KEY,
  diagnostic_id bigint,
  diagnosis     text NOT NULL,
  category      text NOT NULL,
  severity      text NOT NULL,
  confidence    double precision NOT NULL,
  summary       text,
  since         timestamptz NOT NULL,
  ts            timestamptz NOT NULL
);

CREATE TABLE alarms (
  id              bigserial PRIMARY KEY,
  well_id         text NOT NULL,
  code            text NOT NULL,
  severity        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('active', 'acknowledged', 'cleared')),
  message         text NOT NULL,
  evidence        jsonb NOT NULL DEFAULT '[]',
  raised_at       timestamptz NOT NULL DEFAULT now(),
  reading_ts      timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by text,
  ack_note        text,
  cleared_at      timestamptz
);
-- One open alarm per well and code.
CREATE UNIQUE INDEX alarms_open_uq ON alarms (well_id, code) WHERE status <> 'cleared';
CREATE INDEX alarms_status_idx ON alarms (status, id DESC);
CREATE INDEX alarms_well_idx ON alarms (well_id, id DESC);

-- Device payloads that could not be accepted are kept with the reason, never dropped silently.
CREATE TABLE rejected_messages (
  id          bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  transport   text NOT NULL,
  source      text,
  reason      text NOT NULL,
  payload     text
);
CREATE INDEX rejected_messages_received_idx ON rejected_messages (received_at DESC);
