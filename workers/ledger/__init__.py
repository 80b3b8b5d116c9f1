"""The job ledger: one row per source object version, the one truth about work in flight."""
