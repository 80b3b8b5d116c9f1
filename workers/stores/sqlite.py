"""The embedded store: records and per-file outcomes in one SQLite file.

Upserts keyed by record id, so ingesting the same file again replaces its records.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source_uri TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    document_type TEXT,
    date TEXT,
    record TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ingests (
    source_uri TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('published', 'failed')),
    record_id TEXT,
    failure_code TEXT,
    message TEXT,
    updated_at TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def put_records(self, records: list[dict]) -> None:
        """A source's records (one per document it holds), replacing the set it had:
        a document an earlier reading found and this one does not is withdrawn."""
        now, uri = _now(), records[0]["source"]["uri"]
        with self.db:
            for record in records:
                self.db.execute(
                    """INSERT INTO documents (id, source_uri, sha256, document_type, date, record, text, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (id) DO UPDATE SET record = excluded.record, text = excluded.text,
                         document_type = excluded.document_type, date = excluded.date,
                         updated_at = excluded.updated_at""",
                    (record["id"], uri, record["source"]["sha256"], record["record"]["document_type"],
                     record["record"]["date"], json.dumps(record, ensure_ascii=False), record["text"], now),
                )
            ids = [r["id"] for r in records]
            self.db.execute(f"DELETE FROM documents WHERE source_uri = ? AND id NOT IN ({','.join('?' * len(ids))})",
                            (uri, *ids))
            self._outcome(uri, "published", records[0]["id"], None, None, now)

    def put_failure(self, source_uri: str, code: str, message: str) -> None:
        with self.db:
            self._outcome(source_uri, "failed", None, code, message, _now())

    def _outcome(self, uri, state, record_id, code, message, now) -> None:
        self.db.execute(
            """INSERT INTO ingests (source_uri, state, record_id, failure_code, message, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (source_uri) DO UPDATE SET state = excluded.state, record_id = excluded.record_id,
                 failure_code = excluded.failure_code, message = excluded.message, updated_at = excluded.updated_at""",
            (uri, state, record_id, code, message, now),
        )
