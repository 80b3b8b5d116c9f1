"""Issue 8, the operators' points against a real PostgreSQL and Redis: a store that is
down changes nothing, replay says what it did and why it skipped the rest, a failure a
replay cannot mend asks first, superseded failures leave the counts, a drop is done
only when its manifest is."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime

import pytest

from tests.stack.conftest import BIN, free_port
from tests.stack.helpers import job_row, upload
from workers import drops
from workers.ledger import jobs as ledger
from workers.ledger import queries, replay
from workers.ledger.queries import JobFilter

pytestmark = pytest.mark.stack
NOBODY = f"redis://127.0.0.1:{free_port()}/0"  # a port nothing listens on


@pytest.fixture
def fresh(db):
    """Each test sees only its own jobs: they live in a bucket named for the test."""
    bucket = f"ops{datetime.now().timestamp():.6f}".replace(".", "")
    yield bucket
    db.execute("DELETE FROM jobs WHERE bucket = %s", (bucket,))


def make(db, bucket: str, key: str, *states: str, failure=None, etag: str | None = None) -> int:
    job_id, _ = ledger.create(db, bucket, key, etag=etag or key, size=1)
    for state in states:
        ledger.transition(db, job_id, state, failure=failure if state == "failed" else None)
    return job_id


PUBLISHED = ("queued", "ocr", "parsing", "publishing", "published")


def delo(*args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "delo"), *args], capture_output=True, text=True, env=env, timeout=60, input=stdin)


def history(db, job_id: int) -> tuple:
    job = job_row(db, job_id)
    return job["state"], job["attempts"], len(ledger.events(db, job_id))


def test_replay_with_the_broker_down_changes_nothing_and_says_so_in_one_line(db, fresh, stack_env) -> None:
    """GIVEN a failed job and a broker that does not answer WHEN `delo replay` runs THEN
    it exits 7 (a store away) at once with one line naming the broker, and the job is as it was (it
    was moved to `queued` with no task behind it, after a 498-line traceback)."""
    job = make(db, fresh, "f.png", "queued", "failed", failure=("STORE_UNAVAILABLE", "x"))
    before = history(db, job)
    for args in (["replay", str(job)], ["replay", "--failed", "--code", "STORE_UNAVAILABLE", "--yes"]):
        proc = delo(*args, env={**stack_env, "DELO_REDIS_URL": NOBODY})
        assert proc.returncode == 7
        assert proc.stderr.splitlines() == [f"delo replay: the broker at {NOBODY} does not answer; nothing was changed"]
        assert history(db, job) == before


def test_reconcile_with_the_broker_down_changes_nothing(db, s3, stack_env) -> None:
    key = f"single/unseen-{datetime.now().timestamp():.0f}.png"
    upload(s3, key, b"\x89PNG\r\n\x1a\n not seen by the ledger")
    proc = delo("reconcile", env={**stack_env, "DELO_REDIS_URL": NOBODY})
    assert proc.returncode == 7
    assert proc.stderr.splitlines() == [f"delo reconcile: the broker at {NOBODY} does not answer; nothing was changed"]
    assert db.execute("SELECT count(*) AS n FROM jobs WHERE key = %s", (key,)).fetchone()["n"] == 0


def test_replay_says_why_it_skipped_each_job(db, fresh, stack_env) -> None:
    """GIVEN an unknown id, a published job, one in flight and a superseded failure WHEN
    they are replayed by id THEN none is, each with its reason, and the exit is 1."""
    published = make(db, fresh, "p.png", *PUBLISHED)
    running = make(db, fresh, "r.png", "queued", "ocr")
    old = make(db, fresh, "v.png", "queued", "failed", failure=("OCR_TIMEOUT", "x"), etag="v1")
    newer = make(db, fresh, "v.png", *PUBLISHED, etag="v2")
    proc = delo("replay", "--json", str(10**9), str(published), str(running), str(old), env=stack_env)
    assert proc.returncode == 1, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["replayed"] == 0
    assert [(s["id"], s["reason"]) for s in answer["skipped"]] == [
        (10**9, "unknown"), (published, "published"), (running, "in_flight"), (old, "superseded")]
    assert answer["skipped"][3]["detail"] == f"job {newer} published a newer version of v.png"
    people = delo("replay", str(10**9), str(published), env=stack_env)
    assert people.returncode == 1
    assert "no job 1000000000 in the ledger" in people.stdout and "--published runs it again" in people.stdout
    assert job_row(db, old)["state"] == "failed"


def test_a_failure_a_replay_cannot_mend_asks_first(db, fresh, stack_env) -> None:
    """GIVEN a job failed with CORRUPT_FILE (not retryable) WHEN replayed and the operator
    answers no THEN it is not replayed (exit 0: what was asked); with --yes it is, with a note."""
    job = make(db, fresh, "c.pdf", "queued", "failed", failure=("CORRUPT_FILE", "c.pdf is not a readable PDF"))
    before = history(db, job)
    proc = delo("replay", "--json", str(job), env=stack_env, stdin="n\n")
    assert proc.returncode == 0, proc.stderr
    assert "will likely fail the same way" in proc.stderr and "Replay them anyway?" in proc.stderr
    assert json.loads(proc.stdout)["skipped"] == [
        {"id": job, "reason": "not_confirmed",
         "detail": "CORRUPT_FILE will likely fail the same way; not confirmed (--yes replays it)"}]
    assert history(db, job) == before
    proc = delo("replay", "--json", "--yes", str(job), env=stack_env)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["job_ids"] == [job] and "CORRUPT_FILE: 1" in answer["warnings"][0]
    assert job_row(db, job)["attempts"] == 2  # queued again (a worker may since have failed it again)


def test_a_failure_superseded_by_a_newer_published_version_leaves_the_counts(db, fresh) -> None:
    """GIVEN a failed job of drops/D/a.png and then a newer version of it published (or the
    newer published first, the older failing after) THEN the failure is marked superseded
    and counted nowhere: not in failures by code, the drop's counts, nor replay --failed."""
    drop = f"sup-{fresh}"
    code = f"TEST_{fresh}"  # the ledger keeps any code; this one is this test's alone
    old = make(db, fresh, f"drops/{drop}/a.png", "queued", "failed", failure=(code, "x"), etag="v1")
    assert job_row(db, old)["superseded_by"] is None
    counts = ledger.counts_by_state(db)
    assert queries.failures_by_code(db, datetime(1970, 1, 1).astimezone()).get(code) == 1
    new = make(db, fresh, f"drops/{drop}/a.png", *PUBLISHED, etag="v2")
    assert job_row(db, old)["superseded_by"] == new
    assert code not in queries.failures_by_code(db, datetime(1970, 1, 1).astimezone())
    # the overview's and /metrics' jobs by state: one failure fewer, one superseded more
    now = ledger.counts_by_state(db)
    assert now.get("failed", 0) == counts["failed"] - 1
    assert now.get("superseded", 0) == counts.get("superseded", 0) + 1
    # the other order: the newer published first, the older fails after
    late = make(db, fresh, f"drops/{drop}/b.png", "queued", "ocr", etag="v1")
    newer = make(db, fresh, f"drops/{drop}/b.png", *PUBLISHED, etag="v2")
    ledger.transition(db, late, "failed", failure=(code, "x"))
    assert job_row(db, late)["superseded_by"] == newer

    summary = next(d for d in queries.drops_summary(db) if d["name"] == drop)
    assert (summary["total"], summary["published"], summary["failed"], summary["pending"]) == (2, 2, 0, 0)
    assert summary["done"]
    assert replay.matching(db, JobFilter(drop=drop)) == []
    assert queries.count_jobs(db, JobFilter(drop=drop, state="failed")) == 0
    assert queries.count_jobs(db, JobFilter(drop=drop, state="failed", superseded=True)) == 2
    assert code not in queries.failures_by_code(db, datetime(1970, 1, 1).astimezone())


def test_a_drop_is_done_only_when_its_manifest_is(db, fresh, stack_env) -> None:
    """GIVEN a drop whose manifest names a.png and b.png, and a.png published WHEN b.png
    never arrived THEN the drop is not done (it showed "done"); once b.png is published it is."""
    drop = f"man-{fresh}"
    drops.store(db, drop, drops.read_manifest("manifest.json", json.dumps({"files": ["a.png", "b.png"]}).encode()))
    summary = next(d for d in queries.drops_summary(db) if d["name"] == drop)
    assert (summary["total"], summary["missing"], summary["done"]) == (0, 2, False)  # listed before any file arrives
    make(db, fresh, f"drops/{drop}/a.png", *PUBLISHED)
    summary = next(d for d in queries.drops_summary(db) if d["name"] == drop)
    assert (summary["pending"], summary["missing"], summary["done"]) == (0, 1, False)
    listed = delo("drops", "--json", env=stack_env)
    mine = [json.loads(line) for line in listed.stdout.splitlines() if json.loads(line)["name"] == drop]
    assert [(d["missing"], d["done"]) for d in mine] == [(1, False)]
    make(db, fresh, f"drops/{drop}/b.png", *PUBLISHED)
    summary = next(d for d in queries.drops_summary(db) if d["name"] == drop)
    assert (summary["published"], summary["missing"], summary["done"]) == (2, 0, True)
    db.execute("DELETE FROM drops WHERE name = %s", (drop,))


def test_an_unknown_drop_is_refused(db, fresh, stack_env) -> None:
    make(db, fresh, f"drops/known-{fresh}/a.png", "queued")
    proc = delo("replay", "--failed", "--drop", f"unknown-{fresh}", env=stack_env)
    assert proc.returncode == 2
    # the error box's wrapping undone
    assert f"no drop 'unknown-{fresh}'; the newest are known-{fresh}" in " ".join(proc.stderr.replace("│", " ").split())
    assert delo("jobs", "list", "--drop", f"known-{fresh}", "--json", env=stack_env).returncode == 0
