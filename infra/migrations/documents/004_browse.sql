-- Browsing the documents without a query (the dashboard's Documents page), sorted by
-- date, type or drop: one index each, so a page of 50 never sorts the whole table.
CREATE INDEX IF NOT EXISTS documents_date_idx ON documents (date, id);
CREATE INDEX IF NOT EXISTS documents_type_idx ON documents (document_type, date, id);
CREATE INDEX IF NOT EXISTS documents_drop_idx ON documents (drop_name, date, id);
