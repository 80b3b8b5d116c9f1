"""PostgreSQL: connections, migrations (infra/migrations) and the `documents` table.

Every database error that means "not reachable" becomes UnavailableError, which the
drivers retry; anything else is a bug and propagates.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from workers.errors import UnavailableError
from workers.records.morph import lemmas

MIGRATIONS = Path(os.environ.get("DELO_MIGRATIONS", Path(__file__).resolve().parents[2] / "infra" / "migrations"))


def connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise UnavailableError(f"database unreachable: {exc}".strip()) from exc


@contextmanager
def unavailable_as_retryable() -> Iterator[None]:
    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise UnavailableError(f"database unreachable: {exc}".strip()) from exc


def migrate(conn: psycopg.Connection, folder: Path = MIGRATIONS) -> list[str]:
    """Apply the .sql files in name order that have not been applied yet; returns their names.

    Under one advisory lock, taken before anything is read or created: services starting
    together on a fresh database (make stack, compose) otherwise raced to create
    schema_migrations itself (a UniqueViolation on its type)."""
    applied = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(4242)")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                     "(name text PRIMARY KEY, applied_at timestamptz DEFAULT now())")
        done = {r["name"] for r in conn.execute("SELECT name FROM schema_migrations")}
        for path in sorted(folder.glob("*.sql")):
            if path.name in done:
                continue
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.name,))
            applied.append(path.name)
    return applied


def ensure_database(url: str, fresh: bool = False) -> None:
    """Create the database named in `url` if it does not exist (connecting to `postgres`);
    with `fresh`, drop it first."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.get("dbname")
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg.sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def upsert_document(conn: psycopg.Connection, record: dict) -> None:
    with unavailable_as_retryable():
        conn.execute(
            """INSERT INTO documents (id, source_uri, version, document_type, date, record, text, lemmas, updated_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())
               ON CONFLICT (id) DO UPDATE SET source_uri = excluded.source_uri, version = excluded.version,
                 document_type = excluded.document_type, date = excluded.date, record = excluded.record,
                 text = excluded.text, lemmas = excluded.lemmas, updated_at = now()""",
            (record["id"], record["source"]["uri"], record["source"].get("version"), record["record"]["document_type"],
             record["record"]["date"], json.dumps(record, ensure_ascii=False), record["text"], lemmas(record["text"])),
        )


def search_documents(conn: psycopg.Connection, query: str, limit: int = 20) -> list[dict]:
    """Russian full-text search: `Корея` finds `Кореи` (by the words' dictionary forms,
    and by Snowball stems for words the dictionary does not know)."""
    with unavailable_as_retryable():
        return conn.execute(
            """SELECT id, source_uri, document_type, date,
                      record->'record'->'archival_references'->0->>'raw' AS archival_reference,
                      (SELECT string_agg(p->>'name', ', ') FROM jsonb_array_elements(record->'record'->'signatories') p)
                          AS signatories,
                      ts_rank(tsv, query.q) AS rank,
                      ts_headline('russian', text, query.q, 'MaxFragments=1, MaxWords=20, StartSel=⟦, StopSel=⟧') AS snippet
               FROM documents,
                    (SELECT websearch_to_tsquery('russian', %s) || websearch_to_tsquery('simple', %s) AS q) AS query
               WHERE tsv @@ query.q ORDER BY rank DESC, updated_at DESC LIMIT %s""",
            (query, lemmas(query), limit),
        ).fetchall()


def iter_documents(conn: psycopg.Connection, *, since=None, drop: str | None = None,
                   batch: int = 500) -> Iterator[dict]:
    """Published records, oldest change first, updated since `since` and/or of one drop;
    read a batch at a time (keyset on (updated_at, id)), so millions never sit in memory."""
    after: tuple = ("-infinity", "")
    while True:
        with unavailable_as_retryable():
            rows = conn.execute(
                """SELECT id, updated_at, record FROM documents
                   WHERE (updated_at, id) > (%s::timestamptz, %s) AND (%s::timestamptz IS NULL OR updated_at >= %s)
                     AND (%s::text IS NULL OR record->'source'->>'drop' = %s)
                   ORDER BY updated_at, id LIMIT %s""",
                (*after, since, since, drop, drop, batch)).fetchall()
        yield from (r["record"] for r in rows)
        if len(rows) < batch:
            return
        after = (rows[-1]["updated_at"], rows[-1]["id"])


def get_document(conn: psycopg.Connection, doc_id: str) -> dict | None:
    with unavailable_as_retryable():
        row = conn.execute("SELECT record FROM documents WHERE id = %s", (doc_id,)).fetchone()
    return row["record"] if row else None
