-- Metrics kept by the ledger itself, counted by triggers at the transitions: no code path
-- (a worker, a replay, the reconciler, a hand-run UPDATE) can miss one, a replay never
-- makes a counter go down, and a scrape reads a few dozen rows instead of every job
-- (services/dashboard/metrics.py, workers/ledger/metrics.py).
--
--   counters    monotonic: (name, labels) → value, only ever incremented
--   job_counts  the jobs-by-state gauge: state → jobs in it now; a failure a newer
--               version's publication superseded is counted as `superseded`
--
-- Counter rows are locked in one order (job_counts by state name, then counters as the
-- transaction reaches them) so concurrent transitions wait for each other, never deadlock.

CREATE TABLE IF NOT EXISTS counters (
    name   text             NOT NULL,
    labels jsonb            NOT NULL DEFAULT '{}'::jsonb,
    value  double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (name, labels)
);

CREATE TABLE IF NOT EXISTS job_counts (
    state text   PRIMARY KEY,
    n     bigint NOT NULL DEFAULT 0
);

CREATE OR REPLACE FUNCTION delo_count(counter text, labels jsonb, by double precision) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO counters (name, labels, value) VALUES (counter, labels, by)
    ON CONFLICT (name, labels) DO UPDATE SET value = counters.value + excluded.value
$$;

-- the gauge's state of a job (as workers/ledger/jobs.counts_by_state has always counted)
CREATE OR REPLACE FUNCTION delo_gauge_state(state text, superseded_by bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN superseded_by IS NULL THEN state ELSE 'superseded' END
$$;

-- The OCR seconds of each page, in the histogram delo_ocr_page_seconds. A bucket row holds
-- the pages whose smallest bound ≥ their seconds is `le` (not cumulative: one row changes
-- per page); the exposition adds them up.
CREATE OR REPLACE FUNCTION delo_page_seconds_buckets() RETURNS double precision[]
LANGUAGE sql IMMUTABLE AS $$ SELECT '{0.25,0.5,1,2,4,8,16,32,64}'::double precision[] $$;

CREATE OR REPLACE FUNCTION delo_observe_page_seconds(seconds double precision[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO counters (name, labels, value)
    SELECT name, labels, sum(v) FROM (
        SELECT 'delo_ocr_page_seconds_bucket',
               jsonb_build_object('le', coalesce((SELECT min(b)::text FROM unnest(delo_page_seconds_buckets()) b
                                                  WHERE b >= s), '+Inf')), 1::double precision
          FROM unnest(seconds) s WHERE s IS NOT NULL
        UNION ALL SELECT 'delo_ocr_page_seconds_count', '{}'::jsonb, count(s) FROM unnest(seconds) s
        UNION ALL SELECT 'delo_ocr_page_seconds_sum', '{}'::jsonb, coalesce(sum(s), 0) FROM unnest(seconds) s
    ) o (name, labels, v)
    GROUP BY name, labels ORDER BY name, labels
    ON CONFLICT (name, labels) DO UPDATE SET value = counters.value + excluded.value
$$;

CREATE OR REPLACE FUNCTION delo_jobs_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text := CASE WHEN TG_OP <> 'INSERT' THEN delo_gauge_state(OLD.state, OLD.superseded_by) END;
    now_in text := CASE WHEN TG_OP <> 'DELETE' THEN delo_gauge_state(NEW.state, NEW.superseded_by) END;
BEGIN
    IF was IS DISTINCT FROM now_in THEN
        INSERT INTO job_counts (state, n)
        SELECT s, d FROM (VALUES (was, -1), (now_in, 1)) v (s, d) WHERE s IS NOT NULL ORDER BY s
        ON CONFLICT (state) DO UPDATE SET n = job_counts.n + excluded.n;
    END IF;
    -- the transitions' counters: a job entering published or failed (never leaving them,
    -- nor being deleted, takes anything back)
    IF TG_OP <> 'DELETE' AND NEW.state IS DISTINCT FROM (CASE WHEN TG_OP = 'UPDATE' THEN OLD.state END) THEN
        IF NEW.state = 'published' THEN
            PERFORM delo_count('delo_jobs_published_total', '{}', 1);
            PERFORM delo_count('delo_pages_processed_total', '{}', coalesce(NEW.page_count, 0));
        ELSIF NEW.state = 'failed' THEN
            PERFORM delo_count('delo_failures_total', jsonb_build_object('code', coalesce(NEW.failure_code, 'UNKNOWN')), 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- superseded_by: the other migration's trigger marks older failures without changing their state
DROP TRIGGER IF EXISTS jobs_counted ON jobs;
CREATE TRIGGER jobs_counted AFTER INSERT OR DELETE OR UPDATE OF state, superseded_by ON jobs
    FOR EACH ROW EXECUTE FUNCTION delo_jobs_counted();

CREATE OR REPLACE FUNCTION delo_jobs_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE job_counts SET n = 0;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS jobs_counted_truncate ON jobs;
CREATE TRIGGER jobs_counted_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION delo_jobs_truncated();

-- A replay is marked in its event's detail (workers/ledger/replay.py); the publish task
-- passes the OCR seconds of each page in the `published` event's detail
-- ({"page_seconds": [...]}): written in the transition's own transaction, so a page is
-- observed exactly once per publication however often its task is delivered.
CREATE OR REPLACE FUNCTION delo_events_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.detail ? 'replay' THEN
        PERFORM delo_count('delo_replays_total', '{}', 1);
    END IF;
    IF NEW.state = 'published' AND jsonb_typeof(NEW.detail->'page_seconds') = 'array' THEN
        PERFORM delo_observe_page_seconds(ARRAY(
            SELECT x::text::double precision FROM jsonb_array_elements(NEW.detail->'page_seconds') x
            WHERE jsonb_typeof(x) = 'number'));
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS job_events_counted ON job_events;
CREATE TRIGGER job_events_counted AFTER INSERT ON job_events
    FOR EACH ROW WHEN (NEW.detail ? 'replay' OR NEW.detail ? 'page_seconds') EXECUTE FUNCTION delo_events_counted();

-- Backfill, once, after the triggers exist: creating them locked jobs and job_events
-- against writes until this migration commits, so nothing is counted twice or missed.
-- The counters start from the history in job_events; OCR seconds per page were never
-- kept in the ledger, so the histogram starts empty.
INSERT INTO job_counts (state, n)
SELECT s, 0 FROM unnest('{received,queued,ocr,parsing,publishing,published,failed,superseded}'::text[]) s
ON CONFLICT (state) DO NOTHING;
UPDATE job_counts c SET n = t.n FROM (
    SELECT delo_gauge_state(state, superseded_by) AS state, count(*) AS n FROM jobs GROUP BY 1) t
    WHERE c.state = t.state;

INSERT INTO counters (name, labels, value)
SELECT 'delo_failures_total', jsonb_build_object('code', coalesce(detail->>'code', 'UNKNOWN')), count(*)
    FROM job_events WHERE state = 'failed' GROUP BY 2
UNION ALL
SELECT 'delo_jobs_published_total', '{}', count(*) FROM job_events WHERE state = 'published'
UNION ALL
SELECT 'delo_pages_processed_total', '{}', coalesce(sum(j.page_count), 0)
    FROM job_events e JOIN jobs j ON j.id = e.job_id WHERE e.state = 'published'
UNION ALL
SELECT 'delo_replays_total', '{}', count(*) FROM job_events WHERE detail ? 'replay'
UNION ALL
SELECT 'delo_ocr_page_seconds_bucket', jsonb_build_object('le', le), 0
    FROM unnest(delo_page_seconds_buckets()::text[] || '+Inf'::text) le
UNION ALL
SELECT name, '{}', 0 FROM unnest('{delo_ocr_page_seconds_count,delo_ocr_page_seconds_sum}'::text[]) name
ON CONFLICT (name, labels) DO NOTHING;
