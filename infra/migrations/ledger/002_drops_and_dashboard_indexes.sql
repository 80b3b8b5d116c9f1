-- Bulk drops: the manifest a team may upload as drops/<name>/manifest.json (or .csv).
CREATE TABLE IF NOT EXISTS drops (
    name       text PRIMARY KEY,
    manifest   jsonb       NOT NULL,   -- {"files": [...], "metadata": {"archive": ..., "fond": ...}}
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What the dashboard asks of 200,000 jobs.
CREATE INDEX IF NOT EXISTS job_events_state_at_idx ON job_events (state, at);
CREATE INDEX IF NOT EXISTS jobs_failure_idx ON jobs (failure_code, state_changed_at) WHERE state = 'failed';
CREATE INDEX IF NOT EXISTS jobs_drop_state_idx ON jobs (drop_name, state);
CREATE INDEX IF NOT EXISTS job_events_replays_idx ON job_events (at) WHERE detail ? 'replay';
