-- Drops of one image per sheet read as one file (a manifest's "sheets": true, see
-- workers/sheets.py). Each image keeps its own job, for the events, the reconciler and
-- the drop's counts; it ends `joined` (its pages are read by the file's job, not alone).
-- The file's job is keyed by the drop's folder (drops/<name>/) and versioned by the set
-- of images it read, so a sheet uploaded again makes a new version and nothing else does.
ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check
    CHECK (state IN ('received', 'queued', 'ocr', 'parsing', 'publishing', 'published', 'failed', 'joined'));
INSERT INTO job_counts (state, n) VALUES ('joined', 0) ON CONFLICT (state) DO NOTHING;

-- changed_at: a sheet joined or the manifest arrived; assembled_at: the changed_at the
-- last file job was made for. A drop whose changed_at is past it is read again.
ALTER TABLE drops ADD COLUMN IF NOT EXISTS changed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE drops ADD COLUMN IF NOT EXISTS assembled_at timestamptz;
