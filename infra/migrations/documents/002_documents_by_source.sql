-- A source holds one record per document; publishing a new reading of it finds the
-- records of documents it no longer holds (to withdraw them) by the source.
CREATE INDEX IF NOT EXISTS documents_source_uri_idx ON documents (source_uri);
