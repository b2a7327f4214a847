-- The hourly roll-up and each well's latest reading are no longer upserted by every ingest transaction (that
-- cost twice the COPY itself). A batch's contribution (one compact JSON row) is logged in the same transaction
-- as its readings; the writing process merges what it holds in memory about once a second and deletes the log
-- rows it merged in that same transaction. Rows left by a process that died are merged by whichever process
-- finds them: each row is applied exactly once, by whoever deletes it.
CREATE TABLE derived_log (
  id        bigserial PRIMARY KEY,
  owner     text NOT NULL,
  logged_at timestamptz NOT NULL DEFAULT now(),
  summary   text NOT NULL
);
-- The summary is read back only after a crash: no compression on the write path.
ALTER TABLE derived_log ALTER COLUMN summary SET STORAGE EXTERNAL;
