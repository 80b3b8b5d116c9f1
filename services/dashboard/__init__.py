"""The operations dashboard: queues, workers, drops, failures and replay, over the ledger."""
