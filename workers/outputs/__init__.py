"""What a reading gives beside the record: ALTO 4 and the searchable PDF."""
