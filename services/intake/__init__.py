"""MinIO / S3 event intake: event → ledger row → task. Nothing heavier, so it answers in milliseconds."""
