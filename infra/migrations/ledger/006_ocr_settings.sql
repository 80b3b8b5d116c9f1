-- How a replay asked a job's pages to be read (workers/ocr/options.py):
-- {"languages": "Cyrillic", "preprocess": "none"}; NULL: as its drop's manifest or the
-- settings say. Kept on the job, so that the sweep or a retry reads it the same way.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS ocr_settings jsonb;
