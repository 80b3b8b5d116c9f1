-- The job ledger: one row per source object version, every transition in job_events.
CREATE TABLE IF NOT EXISTS jobs (
    id              bigserial PRIMARY KEY,
    bucket          text        NOT NULL,
    key             text        NOT NULL,
    version         text        NOT NULL,          -- versionId, or the eTag when the bucket is unversioned
    version_id      text,                          -- the versionId to fetch, when the bucket keeps versions
    etag            text,                          -- what a bucket listing shows, for the reconciler
    size            bigint,
    drop_name       text,                          -- first path segment under drops/, if any
    state           text        NOT NULL DEFAULT 'received'
                    CHECK (state IN ('received', 'queued', 'ocr', 'parsing', 'publishing', 'published', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    page_count      integer,
    failure_code    text,
    failure_message text,
    record_id       text,
    timings         jsonb       NOT NULL DEFAULT '{}'::jsonb,   -- seconds spent in each state
    created_at      timestamptz NOT NULL DEFAULT now(),
    state_changed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bucket, key, version)
);
CREATE INDEX IF NOT EXISTS jobs_state_idx ON jobs (state, state_changed_at);
CREATE INDEX IF NOT EXISTS jobs_drop_idx ON jobs (drop_name);
CREATE INDEX IF NOT EXISTS jobs_key_idx ON jobs (bucket, key, etag);

CREATE TABLE IF NOT EXISTS job_events (
    id         bigserial PRIMARY KEY,
    job_id     bigint      NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    state      text        NOT NULL,
    detail     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS job_events_job_idx ON job_events (job_id, at);
