"""PostgreSQL: connections, migrations (infra/migrations/<set>) and the `documents` table.

Two migration sets, one per owner: `ledger` (jobs, events, drops, counters) and
`documents` (what is published), each applied by `delo migrate` to its own database.

Every database error that means "not reachable" becomes UnavailableError, which the
drivers retry; anything else is a bug and propagates.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from workers.errors import UnavailableError

LEDGER, DOCUMENTS = "ledger", "documents"
Conn = psycopg.Connection[DictRow]  # rows as dicts: what connect gives, and the services' pools


def migrations(which: str) -> Path:
    """The folder of a migration set (DELO_MIGRATIONS: where the image keeps them)."""
    return Path(os.environ.get("DELO_MIGRATIONS", Path(__file__).resolve().parents[2] / "infra" / "migrations")) / which


def options() -> dict[str, Any]:
    """Every connection's: autocommit, rows as dicts, and no prepared statement behind a
    transaction-mode pooler (DELO_DATABASE_POOLER)."""
    from workers.config import get_settings

    return {"autocommit": True, "row_factory": dict_row,
            "prepare_threshold": None if get_settings().database_pooler else 5}


def connect(url: str) -> Conn:
    try:
        return psycopg.connect(url, connect_timeout=5, **options())
    except psycopg.OperationalError as exc:
        raise UnavailableError(f"database unreachable: {exc}".strip()) from exc


@contextmanager
def unavailable_as_retryable() -> Iterator[None]:
    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise UnavailableError(f"database unreachable: {exc}".strip()) from exc




def open_pools(ledger_url: str, documents_url: str | None, ledger_size: int) -> tuple[ConnectionPool, ConnectionPool]:
    """A service's pools: the ledger's, and the published documents' (the same pool unless
    they live in a database apart). Close both with `close_pools`."""
    # check: a connection a database restart or a cut network left dead is replaced, not handed out
    ledger = ConnectionPool(ledger_url, min_size=1, max_size=ledger_size, open=True,
                            check=ConnectionPool.check_connection, kwargs=options())
    documents = ConnectionPool(documents_url, min_size=1, max_size=4, open=True, check=ConnectionPool.check_connection,
                               kwargs=options()) if documents_url else ledger
    return ledger, documents


def close_pools(*pools: ConnectionPool) -> None:
    for pool in set(pools):
        pool.close()


def migrate(conn: Conn, folder: Path) -> list[str]:
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


def migrate_all(conn: Conn) -> list[str]:
    """Both sets on one database (the ledger's and the documents' together, as when
    DELO_DOCUMENTS_DATABASE_URL is unset): what tests and benchmarks start from."""
    return migrate(conn, migrations(LEDGER)) + migrate(conn, migrations(DOCUMENTS))


def ensure_database(url: str, fresh: bool = False) -> None:
    """Create the database named in `url` if it does not exist (connecting to `postgres`);
    with `fresh`, drop it first."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.get("dbname")
    if not isinstance(name, str) or not name:
        raise ValueError("the database URL names no database")
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg.sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def upsert_document(conn: Conn, record: dict[str, Any], lemmas: str, *, low_confidence: float = 60.0,
                    overwrite_corrections: bool = False) -> bool:
    """`lemmas`: the text's words in their dictionary forms (the parser's morphology),
    indexed beside the text so that a word's other forms find it. A record a person
    corrected (revision > 0) is not overwritten by the machine's reading unless asked:
    returns False when it was kept."""
    keep = "" if overwrite_corrections else "WHERE documents.revision = 0"
    with unavailable_as_retryable():
        row = conn.execute(
            f"""INSERT INTO documents (id, source_uri, version, document_type, date, record, text, lemmas, updated_at,
                                      drop_name, min_confidence, review, revision)
               VALUES (%(id)s, %(uri)s, %(version)s, %(type)s, %(date)s, %(record)s, %(text)s, %(lemmas)s, now(),
                       %(drop)s, delo_min_confidence(%(record)s), delo_review(%(record)s, %(low)s::real), 0)
               ON CONFLICT (id) DO UPDATE SET source_uri = excluded.source_uri, version = excluded.version,
                 document_type = excluded.document_type, date = excluded.date, record = excluded.record,
                 text = excluded.text, lemmas = excluded.lemmas, updated_at = now(), drop_name = excluded.drop_name,
                 min_confidence = excluded.min_confidence, review = excluded.review, revision = 0
               {keep} RETURNING id""",
            {"id": record["id"], "uri": record["source"]["uri"], "version": record["source"].get("version"),
             "type": record["record"]["document_type"], "date": record["record"]["date"],
             "record": json.dumps(record, ensure_ascii=False), "text": record["text"], "lemmas": lemmas,
             "drop": record["source"].get("drop"), "low": low_confidence},
        ).fetchone()
    return row is not None


def correct_document(conn: Conn, record: dict[str, Any], lemmas: str, base: int) -> int:
    """Save a person's correction of a published record (`record` as corrected by
    workers/review.py; `base`: the revision they corrected, 0 for the machine's reading):
    the machine's reading is kept as revision 0 the first time, each correction after it,
    numbered on from the last ever saved. Returns that number (also set in the record).
    Raises ValueError when the record changed since they opened it."""
    with unavailable_as_retryable(), conn.transaction():
        current = conn.execute("SELECT record, revision FROM documents WHERE id = %s FOR UPDATE",
                               (record["id"],)).fetchone()
        if current is None:
            raise KeyError(record["id"])
        if current["revision"] != base:
            raise ValueError(f"{record['id']} is at revision {current['revision']} now, not {base}")
        if base == 0:  # the machine's reading, as it stands now
            conn.execute("""INSERT INTO record_revisions (record_id, revision, by, record) VALUES (%s, 0, 'delo', %s)
                            ON CONFLICT (record_id, revision) DO UPDATE SET record = excluded.record, at = now()""",
                         (record["id"], json.dumps(current["record"], ensure_ascii=False)))
        last = conn.execute("SELECT max(revision) AS n FROM record_revisions WHERE record_id = %s",
                            (record["id"],)).fetchone()
        number = (last["n"] if last and last["n"] is not None else 0) + 1
        record["revision"]["number"] = number
        conn.execute("INSERT INTO record_revisions (record_id, revision, by, record) VALUES (%s, %s, %s, %s)",
                     (record["id"], number, record["revision"]["by"], json.dumps(record, ensure_ascii=False)))
        conn.execute("""UPDATE documents SET record = %s, text = %s, lemmas = %s, document_type = %s, date = %s,
                               revision = %s, updated_at = now() WHERE id = %s""",
                     (json.dumps(record, ensure_ascii=False), record["text"], lemmas, record["record"]["document_type"],
                      record["record"]["date"], number, record["id"]))
    return number


def revisions(conn: Conn, record_id: str) -> list[DictRow]:
    with unavailable_as_retryable():
        return conn.execute("SELECT revision, by, at FROM record_revisions WHERE record_id = %s ORDER BY revision",
                            (record_id,)).fetchall()


def review_queue(conn: Conn, limit: int = 500) -> list[DictRow]:
    """Records a person should look at (machine readings with a reason), by drop, worst
    page first."""
    with unavailable_as_retryable():
        return conn.execute(
            """SELECT id, drop_name, source_uri, document_type, date, min_confidence, review,
                      record->'document' AS document, jsonb_array_length(record->'ocr'->'pages') AS pages
               FROM documents WHERE review <> '{}' AND revision = 0
               ORDER BY drop_name NULLS LAST, min_confidence NULLS FIRST, cardinality(review) DESC, id
               LIMIT %s""", (limit,)).fetchall()


def pages_awaiting_review(conn: Conn, low_confidence: float) -> int:
    """Pages under the confidence threshold in records no person has corrected yet."""
    with unavailable_as_retryable():
        row = conn.execute(
            """SELECT count(*) AS n FROM documents d, jsonb_array_elements(d.record->'ocr'->'pages') p
               WHERE d.review <> '{}' AND d.revision = 0 AND 'low_confidence' = ANY(d.review)
                 AND (p->>'confidence')::real < %s""", (low_confidence,)).fetchone()
    return int(row["n"]) if row else 0


# a result's archival reference: as its text gives it, or the drop manifest's in archival order
_REFERENCE = """(SELECT CASE WHEN r->>'raw' = 'drop manifest'
                        THEN concat_ws(' · ', r->>'archive', 'ф. ' || (r->>'fond'), 'оп. ' || (r->>'opis'),
                                       'д. ' || (r->>'delo'))
                        ELSE r->>'raw' END
                 FROM (SELECT record->'record'->'archival_references'->0 AS r) ref) AS archival_reference"""

def search_documents(conn: Conn, query: str, query_forms: str, limit: int = 20) -> list[DictRow]:
    """Russian full-text search: `Корея` finds `Кореи`, `Штыкова` finds `Штыков` (by the
    words' dictionary forms, `query_forms` from morph.query, and by Snowball stems for
    words the dictionary does not know)."""
    with unavailable_as_retryable():
        return conn.execute(
            f"""SELECT id, source_uri, document_type, date, drop_name, record->'document' AS document, {_REFERENCE},
                      (SELECT string_agg(p->>'name', ', ') FROM jsonb_array_elements(record->'record'->'signatories') p)
                          AS signatories,
                      ts_rank(tsv, query.q) AS rank,
                      ts_headline('russian', text, query.q, 'MaxFragments=1, MaxWords=20, StartSel=⟦, StopSel=⟧') AS snippet
               FROM documents,
                    (SELECT websearch_to_tsquery('russian', %s) || to_tsquery('simple', %s) AS q) AS query
               WHERE tsv @@ query.q ORDER BY rank DESC, updated_at DESC LIMIT %s""",
            (query, query_forms, limit),
        ).fetchall()


# the orders the documents list offers: column → ORDER BY (each has its index, migration 004)
BROWSE_ORDERS = {"date": "date NULLS LAST, id", "type": "document_type NULLS LAST, date NULLS LAST, id",
                 "drop": "drop_name NULLS LAST, date NULLS LAST, id"}


def browse_documents(conn: Conn, order: str = "date", limit: int = 50, offset: int = 0) -> list[DictRow]:
    """Published records without a query, `order` one of BROWSE_ORDERS."""
    with unavailable_as_retryable():
        return conn.execute(
            f"""SELECT id, source_uri, document_type, date, drop_name, record->'document' AS document, {_REFERENCE},
                       (SELECT string_agg(p->>'name', ', ') FROM jsonb_array_elements(record->'record'->'signatories') p)
                           AS signatories, NULL AS snippet
                FROM documents ORDER BY {BROWSE_ORDERS[order]} LIMIT %s OFFSET %s""", (limit, offset)).fetchall()


def iter_documents(conn: Conn, *, since: datetime | None = None, drop: str | None = None,
                   batch: int = 500) -> Iterator[dict[str, Any]]:
    """Published records, oldest change first, updated since `since` and/or of one drop;
    read a batch at a time (keyset on (updated_at, id)), so millions never sit in memory."""
    after: tuple[Any, str] = ("-infinity", "")
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


def get_document(conn: Conn, doc_id: str) -> dict[str, Any] | None:
    with unavailable_as_retryable():
        row = conn.execute("SELECT record FROM documents WHERE id = %s", (doc_id,)).fetchone()
    return row["record"] if row else None


def documents_of(conn: Conn, source_uri: str) -> list[dict[str, Any]]:
    """A source's records, in the order of its documents."""
    with unavailable_as_retryable():
        rows = conn.execute("""SELECT record FROM documents WHERE source_uri = %s
                               ORDER BY coalesce((record->'document'->>'index')::int, 1)""", (source_uri,)).fetchall()
    return [r["record"] for r in rows]


def document_counts(conn: Conn, source_uris: list[str]) -> dict[str, int]:
    """How many documents each of these sources holds (sources with none left out)."""
    with unavailable_as_retryable():
        rows = conn.execute("SELECT source_uri, count(*) AS n FROM documents WHERE source_uri = ANY(%s) "
                            "GROUP BY source_uri", (source_uris,)).fetchall()
    return {r["source_uri"]: r["n"] for r in rows}


def other_documents(conn: Conn, source_uris: list[str], keep: list[str]) -> list[tuple[str, str]]:
    """(id, source uri) of these sources' records other than `keep`: documents an earlier
    reading found."""
    with unavailable_as_retryable():
        rows = conn.execute("SELECT id, source_uri FROM documents WHERE source_uri = ANY(%s) AND NOT (id = ANY(%s)) "
                            "ORDER BY id", (source_uris, keep)).fetchall()
    return [(r["id"], r["source_uri"]) for r in rows]


def delete_documents(conn: Conn, ids: list[str]) -> None:
    with unavailable_as_retryable():
        conn.execute("DELETE FROM documents WHERE id = ANY(%s)", (ids,))
