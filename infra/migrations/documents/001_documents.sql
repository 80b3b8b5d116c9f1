-- The documents store (workers/stores/postgres.py): its own migrations, applied by `delo migrate`
-- to DELO_DOCUMENTS_DATABASE_URL (the ledger's database when unset).
-- Published records: one row per source object (replays and new versions update it).
CREATE TABLE IF NOT EXISTS documents (
    id            text PRIMARY KEY,
    source_uri    text        NOT NULL,
    version       text,
    document_type text,
    date          text,
    record        jsonb       NOT NULL,
    text          text        NOT NULL,
    -- every word's dictionary form (pymorphy3): Snowball stems Корея/Кореи/Корее apart
    lemmas        text        NOT NULL DEFAULT '',
    tsv           tsvector GENERATED ALWAYS AS (to_tsvector('russian', text) || to_tsvector('simple', lemmas)) STORED,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS documents_tsv_idx ON documents USING gin (tsv);
