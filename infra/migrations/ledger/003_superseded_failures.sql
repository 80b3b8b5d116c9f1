-- A failed job whose object has since been published in a newer version is no longer a
-- failure anyone must act on: the document already holds the newer version. It is marked
-- with the job that superseded it, and leaves the failure counts, the drop counts and the
-- replay filters (workers/ledger/queries.py). "Newer" is the job created later for the
-- same bucket and key (a higher id): jobs are created as versions arrive.
--
-- Marked here, in the database, rather than in each code path that publishes or fails a
-- job: a worker, a replay, a reconciler or a hand-run UPDATE all go through these
-- triggers, and the order (newer published first, or older failed first) does not matter.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS superseded_by bigint;

CREATE OR REPLACE FUNCTION delo_mark_superseded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        -- a job failing (again) after a newer version was published is superseded at once;
        -- one leaving `failed` (a replay) is a live job again until it fails once more
        IF NEW.state = 'failed' THEN
            NEW.superseded_by := (SELECT max(p.id) FROM jobs p WHERE p.bucket = NEW.bucket AND p.key = NEW.key
                                  AND p.id > NEW.id AND p.state = 'published');
        ELSE
            NEW.superseded_by := NULL;
        END IF;
        RETURN NEW;
    END IF;
    -- AFTER a job is published: the older versions' failures are superseded by it
    UPDATE jobs SET superseded_by = NEW.id
        WHERE bucket = NEW.bucket AND key = NEW.key AND id < NEW.id AND state = 'failed'
          AND (superseded_by IS NULL OR superseded_by < NEW.id);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS jobs_superseded_before ON jobs;
CREATE TRIGGER jobs_superseded_before BEFORE UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.state IS DISTINCT FROM OLD.state) EXECUTE FUNCTION delo_mark_superseded();
DROP TRIGGER IF EXISTS jobs_superseded_after ON jobs;
CREATE TRIGGER jobs_superseded_after AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.state = 'published' AND OLD.state IS DISTINCT FROM 'published')
    EXECUTE FUNCTION delo_mark_superseded();

-- the failures already in the ledger
UPDATE jobs f SET superseded_by = (SELECT max(p.id) FROM jobs p WHERE p.bucket = f.bucket AND p.key = f.key
                                   AND p.id > f.id AND p.state = 'published')
    WHERE f.state = 'failed';
CREATE INDEX IF NOT EXISTS jobs_live_failures_idx ON jobs (failure_code, state_changed_at)
    WHERE state = 'failed' AND superseded_by IS NULL;
