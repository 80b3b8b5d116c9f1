-- The review queue (workers/review.py): what a person should look at, kept on each record's
-- row as it is published, so the Review page reads an index, not every record.
--
--   review          why: low_confidence (a page under the threshold), no_date, no_type,
--                   no_reference; empty when nothing is wrong
--   min_confidence  the worst page's mean word confidence (worst first)
--   revision        0: the machine's reading; n: the n-th correction by a person
ALTER TABLE documents ADD COLUMN IF NOT EXISTS drop_name text;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS min_confidence real;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS review text[] NOT NULL DEFAULT '{}';
ALTER TABLE documents ADD COLUMN IF NOT EXISTS revision integer NOT NULL DEFAULT 0;

-- one place decides what needs review, for the upsert and for the rows already here
CREATE OR REPLACE FUNCTION delo_review(record jsonb, low_confidence real) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN (SELECT min((p->>'confidence')::real) FROM jsonb_array_elements(record->'ocr'->'pages') p)
                  < low_confidence THEN 'low_confidence' END,
        CASE WHEN record->'record'->>'date' IS NULL THEN 'no_date' END,
        CASE WHEN record->'record'->>'document_type' IS NULL THEN 'no_type' END,
        CASE WHEN coalesce(jsonb_array_length(record->'record'->'archival_references'), 0) = 0
             THEN 'no_reference' END], NULL)
$$;
CREATE OR REPLACE FUNCTION delo_min_confidence(record jsonb) RETURNS real
LANGUAGE sql IMMUTABLE AS $$
    SELECT min((p->>'confidence')::real) FROM jsonb_array_elements(record->'ocr'->'pages') p
$$;

UPDATE documents SET drop_name = record->'source'->>'drop', min_confidence = delo_min_confidence(record),
                     review = delo_review(record, 60);
CREATE INDEX IF NOT EXISTS documents_review_idx ON documents (drop_name, min_confidence NULLS FIRST)
    WHERE review <> '{}' AND revision = 0;

-- Every reading of a record a person corrected: revision 0 the machine's, then each
-- correction (who, when, the record as saved). A replay keeps the latest correction.
CREATE TABLE IF NOT EXISTS record_revisions (
    record_id  text        NOT NULL,
    revision   integer     NOT NULL,
    by         text        NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    record     jsonb       NOT NULL,
    PRIMARY KEY (record_id, revision)
);
