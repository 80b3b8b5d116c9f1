"""Thin Celery tasks: load → call a stage function → store → next."""
