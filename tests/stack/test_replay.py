"""Jobs failed for real, replayed by id, by filter, from the CLI and the dashboard's API:
each ends with exactly one document."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from tests import scans
from tests.stack.conftest import BIN
from tests.stack.helpers import minio_event, notify, source_uri, upload, wait_for_job

pytestmark = pytest.mark.stack


def documents_for(db, key: str) -> int:
    return db.execute("SELECT count(*) AS n FROM documents WHERE source_uri = %s", (source_uri(key),)).fetchone()["n"]


def delo(*args: str, env: dict, exit_status: int = 0) -> dict:
    proc = subprocess.run([str(BIN / "delo"), *args, "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == exit_status, proc.stderr
    return json.loads(proc.stdout)


def fail_while_documents_db_is_away(tmp_path, s3, db, intake, documents_proxy, keys: list[str]) -> list[dict]:
    """Upload and announce scans while the documents database cannot be reached: their
    publishing is retried, then each job fails with STORE_UNAVAILABLE."""
    documents_proxy.cut()
    try:
        for i, key in enumerate(keys):
            page = scans.png(tmp_path / f"{i}.png", scans.TELEGRAM if i % 2 == 0 else scans.PAGE_TWO)
            notify(intake, minio_event(upload(s3, key, page.read_bytes())))
        return [wait_for_job(db, key, timeout=120)[0] for key in keys]
    finally:
        documents_proxy.restore()


def test_replay_by_id_from_the_cli(tmp_path, s3, db, intake, workers, documents_proxy, stack_env) -> None:
    """GIVEN a job that failed because the documents database was unreachable during
    publishing WHEN `delo replay ID` runs with the database back THEN it is published,
    with attempts 2, its history kept, and one document."""
    key = "single/replay-by-id.png"
    [job] = fail_while_documents_db_is_away(tmp_path, s3, db, intake, documents_proxy, [key])
    assert (job["state"], job["failure_code"]) == ("failed", "STORE_UNAVAILABLE")
    assert documents_for(db, key) == 0

    assert delo("replay", str(job["id"]), env=stack_env)["replayed"] == 1
    [job] = wait_for_job(db, key)
    assert job["state"] == "published" and job["attempts"] == 2 and job["failure_code"] is None
    assert documents_for(db, key) == 1
    states = [e["state"] for e in db.execute("SELECT state FROM job_events WHERE job_id = %s ORDER BY id", (job["id"],))]
    assert states.count("failed") == 1 and states.count("queued") == 2 and states[-1] == "published"

    again = delo("replay", str(job["id"]), env=stack_env, exit_status=1)  # published: not replayed unless asked
    assert again["replayed"] == 0
    assert again["skipped"] == [{"id": job["id"], "reason": "published",
                                 "detail": "already published (--published runs it again)"}]
    assert delo("replay", "--published", str(job["id"]), env=stack_env)["replayed"] == 1
    wait_for_job(db, key)
    assert documents_for(db, key) == 1


def test_replay_by_filter_with_a_dry_run_first(tmp_path, s3, db, intake, workers, documents_proxy, stack_env) -> None:
    keys = [f"drops/replay-filter/{n}.png" for n in range(3)]
    failed = fail_while_documents_db_is_away(tmp_path, s3, db, intake, documents_proxy, keys)
    assert {j["failure_code"] for j in failed} == {"STORE_UNAVAILABLE"}

    dry = delo("replay", "--failed", "--drop", "replay-filter", "--code", "STORE_UNAVAILABLE", "--dry-run", env=stack_env)
    assert dry["would_replay"] == 3
    assert {r["state"] for r in db.execute("SELECT state FROM jobs WHERE drop_name = 'replay-filter'")} == {"failed"}

    listed = subprocess.run([str(BIN / "delo"), "jobs", "list", "--state", "failed", "--drop", "replay-filter", "--json"],
                            capture_output=True, text=True, env=stack_env, timeout=60)
    assert sorted(json.loads(line)["key"] for line in listed.stdout.splitlines()) == sorted(keys)

    assert delo("replay", "--failed", "--drop", "replay-filter", env=stack_env)["replayed"] == 3
    for key in keys:
        assert wait_for_job(db, key)[0]["state"] == "published"
        assert documents_for(db, key) == 1


def test_dashboard_api_replays_for_the_operator_only(tmp_path, s3, db, intake, workers, dashboard, documents_proxy) -> None:
    key = "single/replay-dashboard.png"
    [job] = fail_while_documents_db_is_away(tmp_path, s3, db, intake, documents_proxy, [key])
    viewer = {"Authorization": "Bearer test-viewer"}
    operator = {"Authorization": "Bearer test-operator"}
    assert httpx.post(f"{dashboard}/failures/replay", data={"job_id": job["id"]}, headers=viewer).status_code == 403
    assert httpx.post(f"{dashboard}/failures/replay", data={"job_id": job["id"]}).status_code == 401
    assert db.execute("SELECT state FROM jobs WHERE id = %s", (job["id"],)).fetchone()["state"] == "failed"

    answer = httpx.post(f"{dashboard}/failures/replay", data={"job_id": [job["id"], 999999]}, headers=operator)
    assert answer.status_code == 200
    assert (answer.json()["replayed"], answer.json()["job_ids"]) == (1, [job["id"]])
    assert [(s["id"], s["reason"]) for s in answer.json()["skipped"]] == [(999999, "unknown")]
    assert wait_for_job(db, key)[0]["state"] == "published"
    assert documents_for(db, key) == 1
    jobs = httpx.get(f"{dashboard}/api/jobs", params={"state": "published", "since": "1h"}, headers=viewer).json()
    assert job["id"] in [j["id"] for j in jobs["jobs"]]


def test_manifest_fills_the_archival_reference_and_lists_missing_files(tmp_path, s3, db, intake, workers, dashboard) -> None:
    manifest = {"files": ["l1.png", "l2.png"], "archive": "АП РФ", "fond": "3", "opis": "65", "delo": "364",
                "title": "Переписка с Пекином"}
    data = json.dumps(manifest, ensure_ascii=False).encode()
    notify(intake, minio_event(upload(s3, "drops/with-manifest/manifest.json", data)))
    text = "ТЕЛЕГРАММА\n\nТоварищу Штыкову\n\nСообщите о ходе переговоров.\n\nВышинский\n"
    key = "drops/with-manifest/l1.png"
    notify(intake, minio_event(upload(s3, key, scans.png(tmp_path / "l1.png", text).read_bytes())))
    [job] = wait_for_job(db, key)
    record = db.execute("SELECT record FROM documents WHERE source_uri = %s", (source_uri(key),)).fetchone()["record"]
    [ref] = record["record"]["archival_references"]
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"]) == ("АП РФ", "3", "65", "364")
    assert record["record"]["citation"] == "APRF, F. 3, Op. 65, D. 364"
    assert "archival_reference_from_manifest" in record["warnings"]
    assert db.execute("SELECT count(*) AS n FROM jobs WHERE key LIKE 'drops/with-manifest/manifest%%'").fetchone()["n"] == 0
    page = httpx.get(f"{dashboard}/drops/with-manifest", headers={"Authorization": "Bearer test-viewer"}).text
    assert "l2.png" in page and "never arrived" in page and "Переписка с Пекином" in page
