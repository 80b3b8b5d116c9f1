"""The ledger's rules and queries against a real PostgreSQL (no workers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.stack.helpers import job_row
from workers import drops
from workers.ledger import jobs as ledger
from workers.ledger import queries, replay
from workers.ledger.jobs import TransitionError
from workers.ledger.queries import JobFilter, parse_since

pytestmark = pytest.mark.stack


@pytest.fixture
def fresh(db):
    """Each test sees only its own jobs: they live in a bucket named for the test."""
    bucket = f"t{datetime.now().timestamp():.6f}".replace(".", "")
    yield bucket
    db.execute("DELETE FROM jobs WHERE bucket = %s", (bucket,))


def make(db, bucket: str, key: str, *states: str, failure=None) -> int:
    job_id, _ = ledger.create(db, bucket, key, etag=key, size=1)
    for state in states:
        ledger.transition(db, job_id, state, failure=failure if state == "failed" else None)
    return job_id


def test_the_same_object_version_is_one_job(db, fresh) -> None:
    first = ledger.create(db, fresh, "a.png", etag="e1")
    assert first[1] is True
    assert ledger.create(db, fresh, "a.png", etag="e1") == (first[0], False)
    assert ledger.create(db, fresh, "a.png", etag="e2")[1] is True  # a new version is a new job


def test_transitions_follow_the_state_machine(db, fresh) -> None:
    job_id = make(db, fresh, "a.png", "queued", "ocr")
    with pytest.raises(TransitionError):
        ledger.transition(db, job_id, "published")  # ocr → published skips parsing and publishing
    row = ledger.transition(db, job_id, "failed", failure=("CORRUPT_FILE", "bad"))
    assert row is not None
    assert (row["failure_code"], row["attempts"]) == ("CORRUPT_FILE", 1)
    assert set(row["timings"]) == {"received", "queued", "ocr"}


def test_replay_rules(db, fresh) -> None:
    failed = make(db, fresh, "f.png", "queued", "ocr", "failed", failure=("CORRUPT_FILE", "x"))
    published = make(db, fresh, "p.png", "queued", "ocr", "parsing", "publishing", "published")
    running = make(db, fresh, "r.png", "queued", "ocr")
    assert replay.replay(db, [failed, published, running, 10**9]) == [failed]
    job = job_row(db, failed)
    assert (job["state"], job["attempts"], job["failure_code"]) == ("queued", 2, None)
    assert [e["state"] for e in ledger.events(db, failed)][-2:] == ["failed", "queued"]
    assert ledger.events(db, failed)[-1]["detail"] == {"replay": True, "by": "cli", "from": "failed"}
    assert replay.replay(db, [published], include_published=True) == [published]
    assert job_row(db, running)["state"] == "ocr"  # in flight: left alone


def test_filters_mean_the_same_everywhere(db, fresh) -> None:
    d1_failed = JobFilter(drop="d1", state="failed")
    before = queries.count_jobs(db, d1_failed)  # other tests' jobs in drop d1 (the database is shared)
    a = make(db, fresh, "drops/d1/a.png", "queued", "failed", failure=("CORRUPT_FILE", "x"))
    b = make(db, fresh, "drops/d1/b.png", "queued", "failed", failure=("NO_TEXT", "x"))
    c = make(db, fresh, "drops/d2/c.png", "queued", "failed", failure=("CORRUPT_FILE", "x"))
    make(db, fresh, "drops/d1/d.png", "queued")
    db.execute("UPDATE jobs SET state_changed_at = now() - interval '3 hours' WHERE id = %s", (c,))
    mine = lambda ids: sorted(i for i in ids if i in (a, b, c))  # noqa: E731 (other tests share the database)
    assert mine(replay.matching(db, JobFilter(drop="d1"))) == [a, b]
    assert mine(replay.matching(db, JobFilter(code="CORRUPT_FILE"))) == [a, c]
    assert mine(replay.matching(db, JobFilter(code="CORRUPT_FILE", since=parse_since("1h")))) == [a]
    assert replay.matching(db, JobFilter(state="queued")) == []  # only failed (or published) jobs replay
    assert queries.count_jobs(db, d1_failed) == before + 2  # a and b, not the queued d


def test_parse_since() -> None:
    since = parse_since("2h")
    assert since is not None and abs(since - (datetime.now(UTC) - timedelta(hours=2))) < timedelta(seconds=5)
    assert parse_since("2026-11-27T10:00:00") == datetime(2026, 11, 27, 10, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_since("yesterday")


def test_drop_summary_and_missing_files(db, fresh) -> None:
    drop = f"sum-{fresh}"
    make(db, fresh, f"drops/{drop}/a.png", "queued", "ocr", "parsing", "publishing", "published")
    make(db, fresh, f"drops/{drop}/b.png", "queued", "failed", failure=("NO_TEXT", "x"))
    make(db, fresh, f"drops/{drop}/c.png", "queued")
    drops.store(db, drop, drops.read_manifest("m.csv", b"file,fond,opis\na.png,45,1\nb.png,,\nc.png,,\nz.png,,\n"))
    summary = next(d for d in queries.drops_summary(db) if d["name"] == drop)
    assert (summary["total"], summary["published"], summary["failed"], summary["pending"]) == (3, 1, 1, 1)
    assert summary["manifest"]["metadata"] == {"fond": "45", "opis": "1"}
    assert queries.missing_from_drop(db, drop) == ["z.png"]


def test_services_starting_together_migrate_a_fresh_database_once() -> None:
    """GIVEN a fresh database and six services starting at once WHEN each migrates THEN none
    fails (they once raced to create schema_migrations) and each migration is applied once."""
    from concurrent.futures import ThreadPoolExecutor

    import psycopg
    from psycopg.rows import dict_row

    from tests.stack.conftest import PG_ADMIN
    from workers.stores import postgres

    url = psycopg.conninfo.make_conninfo(PG_ADMIN, dbname=f"delo_migrate_{datetime.now().timestamp():.0f}")
    postgres.ensure_database(url, fresh=True)

    def start(_: int) -> list[str]:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            return postgres.migrate_all(conn)

    with ThreadPoolExecutor(6) as pool:
        applied = list(pool.map(start, range(6)))
    files = sorted(p.name for which in (postgres.LEDGER, postgres.DOCUMENTS)
                   for p in postgres.migrations(which).glob("*.sql"))
    assert sorted(name for names in applied for name in names) == files  # each once, by whoever came first
    with psycopg.connect(url, row_factory=dict_row) as conn:
        assert [r["name"] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")] == files
    with psycopg.connect(psycopg.conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
            psycopg.sql.Identifier(str(psycopg.conninfo.conninfo_to_dict(url)["dbname"]))))
