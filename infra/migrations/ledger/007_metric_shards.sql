-- The metric rows (job_counts, counters) split into shards. Every transition updates two
-- job_counts rows and a publication a few counters, in the transition's own transaction,
-- so with one row per state every worker's transition queued behind every other's on the
-- same row until it committed: bench/ledger.py measured transitions/s falling from 1,138
-- at 4 connections to 590 at 64, with 77-89% of busy backends waiting on those rows.
-- Now each backend writes its own shard (its pid modulo delo_shards()), and a reader
-- adds the shards up (workers/ledger/metrics.py); a few hundred rows, still no job read.
-- Rows are still locked in one order (job_counts by state, then counters as the
-- transaction reaches them), so transitions never deadlock.

CREATE OR REPLACE FUNCTION delo_shards() RETURNS smallint LANGUAGE sql IMMUTABLE AS $$ SELECT 128::smallint $$;
CREATE OR REPLACE FUNCTION delo_shard() RETURNS smallint LANGUAGE sql STABLE AS $$
    SELECT (pg_backend_pid() % delo_shards())::smallint
$$;

ALTER TABLE job_counts ADD COLUMN IF NOT EXISTS shard smallint NOT NULL DEFAULT 0;
ALTER TABLE job_counts DROP CONSTRAINT IF EXISTS job_counts_pkey;
ALTER TABLE job_counts ADD PRIMARY KEY (state, shard);
ALTER TABLE counters ADD COLUMN IF NOT EXISTS shard smallint NOT NULL DEFAULT 0;
ALTER TABLE counters DROP CONSTRAINT IF EXISTS counters_pkey;
ALTER TABLE counters ADD PRIMARY KEY (name, labels, shard);

CREATE OR REPLACE FUNCTION delo_count(counter text, labels jsonb, by double precision) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO counters (name, labels, shard, value) VALUES (counter, labels, delo_shard(), by)
    ON CONFLICT (name, labels, shard) DO UPDATE SET value = counters.value + excluded.value
$$;

CREATE OR REPLACE FUNCTION delo_observe_page_seconds(seconds double precision[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO counters (name, labels, shard, value)
    SELECT name, labels, delo_shard(), sum(v) FROM (
        SELECT 'delo_ocr_page_seconds_bucket',
               jsonb_build_object('le', coalesce((SELECT min(b)::text FROM unnest(delo_page_seconds_buckets()) b
                                                  WHERE b >= s), '+Inf')), 1::double precision
          FROM unnest(seconds) s WHERE s IS NOT NULL
        UNION ALL SELECT 'delo_ocr_page_seconds_count', '{}'::jsonb, count(s) FROM unnest(seconds) s
        UNION ALL SELECT 'delo_ocr_page_seconds_sum', '{}'::jsonb, coalesce(sum(s), 0) FROM unnest(seconds) s
    ) o (name, labels, v)
    GROUP BY name, labels ORDER BY name, labels
    ON CONFLICT (name, labels, shard) DO UPDATE SET value = counters.value + excluded.value
$$;

CREATE OR REPLACE FUNCTION delo_jobs_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text := CASE WHEN TG_OP <> 'INSERT' THEN delo_gauge_state(OLD.state, OLD.superseded_by) END;
    now_in text := CASE WHEN TG_OP <> 'DELETE' THEN delo_gauge_state(NEW.state, NEW.superseded_by) END;
BEGIN
    IF was IS DISTINCT FROM now_in THEN
        INSERT INTO job_counts (state, shard, n)
        SELECT s, delo_shard(), d FROM (VALUES (was, -1), (now_in, 1)) v (s, d) WHERE s IS NOT NULL ORDER BY s
        ON CONFLICT (state, shard) DO UPDATE SET n = job_counts.n + excluded.n;
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
