-- Users, refresh tokens, device (API) keys and the audit log. Secrets are never stored: passwords as scrypt
-- hashes with a per-user salt, tokens and keys as sha256 of high-entropy random values.
CREATE TABLE users (
  username      text PRIMARY KEY,
  -- Changes when the user is re-created, so tokens of a deleted namesake never come back to life.
  user_id       text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'engineer', 'viewer')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Opaque refresh tokens, rotated on use. A token used twice (after rotation) revokes its whole family.
CREATE TABLE refresh_tokens (
  id          text PRIMARY KEY,
  token_hash  text NOT NULL,
  family      text NOT NULL,
  user_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  rotated_at  timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Gateway keys: role device, scoped to a list of wells or to a field; looked up by their public id.
CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  key_hash     text NOT NULL,
  role         text NOT NULL DEFAULT 'device' CHECK (role IN ('device')),
  wells        jsonb,
  field        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CHECK ((wells IS NULL) <> (field IS NULL))
);

-- Who did what, when, from where.
CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  ts         timestamptz NOT NULL DEFAULT now(),
  actor      text,
  role       text,
  action     text NOT NULL,
  target     text,
  method     text,
  path       text,
  status     integer,
  ip         text,
  request_id text,
  details    jsonb
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
