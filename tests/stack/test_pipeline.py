"""The event-driven pipeline with every real piece: upload → event → intake → ledger →
Celery workers → PostgreSQL, the records bucket and the Redis stream."""

from __future__ import annotations

import json
import re

import httpx
import pytest
import redis

from tests import scans
from tests.stack.conftest import BIN
from tests.stack.helpers import job_row, minio_event, notify, source_uri, stream_ids, upload, wait_for_job
from workers.pipeline import record_id

pytestmark = pytest.mark.stack


def png_bytes(tmp_path, text: str = scans.TELEGRAM, name: str = "p.png") -> bytes:
    return scans.png(tmp_path / name, text).read_bytes()


def test_upload_and_event_give_a_published_record(tmp_path, s3, db, intake, workers, validate_record, stack_env) -> None:
    """GIVEN a scan uploaded to `scans` under a drop WHEN MinIO's event reaches the intake
    THEN the record is in PostgreSQL, in the records bucket and on the stream, and valid."""
    key = "drops/2026-11 fond3/опись 65 дело 364.png"
    obj = upload(s3, key, png_bytes(tmp_path))
    response = notify(intake, minio_event(obj))
    assert response.status_code == 200 and len(response.json()["jobs"]) == 1
    [job] = wait_for_job(db, key)
    assert job["state"] == "published", job
    assert job["drop_name"] == "2026-11 fond3" and job["attempts"] == 1
    assert {"queued", "ocr", "parsing", "publishing"} <= set(job["timings"])

    doc_id = record_id(source_uri(key))
    row = db.execute("SELECT record FROM documents WHERE id = %s", (doc_id,)).fetchone()
    record = row["record"]
    validate_record(record)
    assert record["source"]["drop"] == "2026-11 fond3" and record["source"]["version"] == obj["etag"]
    assert record["record"]["document_type"] == "telegram"
    stored = json.loads(s3.get_object("records", f"{doc_id}.json").read())
    assert stored == record
    assert s3.get_object("records", f"{doc_id}.txt").read().decode() == record["text"]
    # its ALTO and searchable PDF beside it, named in it (workers/outputs)
    assert record["outputs"] == {"alto": f"{doc_id}.alto.xml", "pdf": f"{doc_id}.pdf"}
    alto = s3.get_object("records", f"{doc_id}.alto.xml").read()
    assert b"<String" in alto and "ПАНЮШКИНУ".encode() in alto
    assert s3.get_object("records", f"{doc_id}.pdf").read().startswith(b"%PDF-")
    assert doc_id.encode() in stream_ids(redis.Redis.from_url(stack_env["DELO_STREAM_REDIS_URL"]), "delo:documents")
    assert not redis.Redis.from_url(stack_env["DELO_REDIS_URL"]).exists("delo:documents")  # not on the broker
    states = [e["state"] for e in db.execute("SELECT state FROM job_events WHERE job_id = %s ORDER BY id", (job["id"],))]
    assert states[0] == "received" and states[-1] == "published" and "parsing" in states


def test_search_finds_russian_word_forms(tmp_path, s3, db, intake, workers) -> None:
    text = "ТЕЛЕГРАММА\n\nТоварищу Штыкову\n\nПо вопросу о положении в Корее прошу сообщить.\n\nВышинский\n"
    key = "single/korea.png"
    notify(intake, minio_event(upload(s3, key, png_bytes(tmp_path, text))))
    wait_for_job(db, key)
    found = httpx.get(f"{intake}/documents", params={"q": "Корея"}, headers={"Authorization": "Bearer test-token"}).json()
    assert record_id(source_uri(key)) in [d["id"] for d in found]
    one = httpx.get(f"{intake}/documents/{found[0]['id']}", headers={"Authorization": "Bearer test-token"})
    assert one.status_code == 200 and one.json()["schema"] == "delo.record/1"


def test_a_surnames_other_forms_find_it(tmp_path, s3, db, intake, workers) -> None:
    """`Штыкова` finds a telegram signed ШТЫКОВ, which the dictionary reads as the
    genitive plural of штык: the index keeps the word as written beside its lemma."""
    text = "ТЕЛЕГРАММА\n\nТоварищу Громыко\n\nПереговоры о поставках начнутся в понедельник.\n\nШТЫКОВ\n"
    key = "single/shtykov.png"
    notify(intake, minio_event(upload(s3, key, png_bytes(tmp_path, text, "shtykov.png"))))
    wait_for_job(db, key)
    for q in ("Штыкова", "Штыкову", "штыков"):
        found = httpx.get(f"{intake}/documents", params={"q": q}, headers={"Authorization": "Bearer test-token"}).json()
        assert record_id(source_uri(key)) in [d["id"] for d in found], q


def test_duplicate_events_make_one_job_and_one_document(tmp_path, s3, db, intake, workers) -> None:
    key = "single/twice.png"
    event = minio_event(upload(s3, key, png_bytes(tmp_path)))
    first, second = notify(intake, event), notify(intake, event)
    assert len(first.json()["jobs"]) == 1 and second.json() == {"jobs": [], "already_known": 1}
    wait_for_job(db, key)
    assert db.execute("SELECT count(*) AS n FROM jobs WHERE key = %s", (key,)).fetchone()["n"] == 1
    assert db.execute("SELECT count(*) AS n FROM documents WHERE source_uri = %s", (source_uri(key),)).fetchone()["n"] == 1


def test_wrong_token_is_refused_and_starts_nothing(tmp_path, s3, db, intake) -> None:
    key = "single/unauthorised.png"
    event = minio_event(upload(s3, key, b"\x89PNG\r\n\x1a\n"))
    assert notify(intake, event, token="wrong").status_code == 401
    assert httpx.post(f"{intake}/minio/events", json=event).status_code == 401
    assert db.execute("SELECT count(*) AS n FROM jobs WHERE key = %s", (key,)).fetchone()["n"] == 0


def test_events_it_ignores_are_answered_2xx(intake) -> None:
    deleted = {"EventName": "s3:ObjectRemoved:Delete", "Key": "scans/x", "Records": [
        {"eventName": "s3:ObjectRemoved:Delete", "s3": {"bucket": {"name": "scans"}, "object": {"key": "x"}}}]}
    assert notify(intake, deleted).json() == {"jobs": [], "already_known": 0}
    assert httpx.post(f"{intake}/minio/events", content=b"not json",
                      headers={"Authorization": "Bearer test-token"}).status_code == 200


def test_new_content_under_the_same_key_updates_the_document(tmp_path, s3, db, intake, workers) -> None:
    key = "single/revised.png"
    notify(intake, minio_event(upload(s3, key, png_bytes(tmp_path))))
    wait_for_job(db, key)
    notify(intake, minio_event(upload(s3, key, png_bytes(tmp_path, scans.PAGE_TWO, "two.png"))))
    jobs = wait_for_job(db, key, count=2)
    assert [j["state"] for j in jobs] == ["published", "published"]
    docs = db.execute("SELECT record FROM documents WHERE source_uri = %s", (source_uri(key),)).fetchall()
    assert len(docs) == 1 and "РОЩИН" in docs[0]["record"]["text"]
    assert docs[0]["record"]["source"]["version"] == jobs[1]["version"]


def test_a_file_of_several_documents_gives_a_record_each_and_a_new_version_withdraws_the_rest(
        tmp_path, s3, db, intake, workers, stack_env, dashboard) -> None:
    """GIVEN a PDF holding two documents (a conversation's last page, then a telegram)
    WHEN it is published THEN each has its record everywhere, named by its place; WHEN a
    new version holds only the telegram THEN the second record is withdrawn from the
    documents table, the records bucket and (as an event) the stream."""
    key = "drops/multi/two documents.pdf"
    notify(intake, minio_event(upload(s3, key, scans.pdf(tmp_path / "two.pdf", [scans.PAGE_TWO, scans.TELEGRAM])
                                      .read_bytes())))
    [job] = wait_for_job(db, key)
    assert job["state"] == "published", job
    uri = source_uri(key)
    first, second = record_id(uri), record_id(uri, 2)
    rows = db.execute("SELECT id, record FROM documents WHERE source_uri = %s ORDER BY id", (uri,)).fetchall()
    records = {r["id"]: r["record"] for r in rows}
    assert set(records) == {first, second}
    assert records[first]["document"]["pages"] == [1] and records[second]["document"]["pages"] == [2]
    assert records[second]["record"]["document_type"] == "telegram"
    for doc_id in (first, second):
        assert json.loads(s3.get_object("records", f"{doc_id}.json").read()) == records[doc_id]
    # the job's page lists the file's documents, each with its pages; search names the place
    shown = httpx.get(f"{dashboard}/jobs/{job['id']}", headers={"Authorization": "Bearer test-viewer"}).text
    assert "Documents in this file" in shown and "Document 1 of 2" in shown and "Document 2 of 2" in shown
    found = httpx.get(f"{dashboard}/documents", params={"q": "Панюшкину"},
                      headers={"Authorization": "Bearer test-viewer"}).text
    assert "two documents.pdf" in found and "document 2 of 2, p. 2" in found
    drop = httpx.get(f"{dashboard}/drops/multi", headers={"Authorization": "Bearer test-viewer"}).text
    assert re.search(r"two documents\.pdf</td>.*?<td class=\"num\">2</td><td class=\"num\">2</td>", drop, re.S)
    stream = redis.Redis.from_url(stack_env["DELO_STREAM_REDIS_URL"])
    places = {f[b"id"]: f[b"document"] for _, f in stream.xrange("delo:documents") or [] if f and b"document" in f}
    assert places[first.encode()] == b"1/2" and places[second.encode()] == b"2/2"

    notify(intake, minio_event(upload(s3, key, scans.pdf(tmp_path / "one.pdf", [scans.TELEGRAM]).read_bytes())))
    jobs = wait_for_job(db, key, count=2)
    assert [j["state"] for j in jobs] == ["published", "published"]
    rows = db.execute("SELECT id, record FROM documents WHERE source_uri = %s", (uri,)).fetchall()
    assert [r["id"] for r in rows] == [first] and "document" not in rows[0]["record"]
    names = {o.object_name for o in s3.list_objects("records")}
    assert f"{first}.json" in names and f"{first}.pdf" in names
    assert not {f"{second}.json", f"{second}.txt", f"{second}.alto.xml", f"{second}.pdf"} & names
    withdrawn = [f[b"id"] for _, f in stream.xrange("delo:documents") or []
                 if f and f.get(b"withdrawn") == b"1" and f[b"uri"] == uri.encode()]
    assert withdrawn == [second.encode()]


def test_corrupt_upload_fails_with_its_code_and_the_next_is_published(tmp_path, s3, db, intake, workers) -> None:
    bad, good = "single/corrupt.pdf", "single/after-corrupt.png"
    notify(intake, minio_event(upload(s3, bad, scans.corrupt_pdf(tmp_path / "c.pdf").read_bytes())))
    notify(intake, minio_event(upload(s3, good, png_bytes(tmp_path))))
    [failed] = wait_for_job(db, bad)
    assert failed["state"] == "failed" and failed["failure_code"] == "CORRUPT_FILE" and failed["failure_message"]
    assert failed["attempts"] == 1  # bad input is not retried
    [published] = wait_for_job(db, good)
    assert published["state"] == "published"


def test_reconciler_finds_an_upload_without_event(tmp_path, s3, db, workers, stack_env) -> None:
    key = "drops/quiet/no-event.png"
    upload(s3, key, png_bytes(tmp_path))
    from workers.tasks import jobs as tasks

    result = tasks.reconcile.apply_async().get(timeout=60)
    assert result["unseen_objects"] >= 1
    [job] = wait_for_job(db, key)
    assert job["state"] == "published" and job["drop_name"] == "quiet"
    again = tasks.reconcile.apply_async().get(timeout=60)
    assert again["unseen_objects"] == 0


def test_a_scan_uploaded_in_parts_is_read(tmp_path, s3, db, intake, workers) -> None:
    """GIVEN a scan over the SDK's part size (an uncompressed TIFF, 8.7 MB), so uploaded in
    parts into a bucket without versioning, whose version is then `null` WHEN announced
    THEN it is read and published (the object is asked for without that version)."""
    from PIL import Image

    from samples.synthetic import render_page

    path = tmp_path / "big.tif"
    render_page(scans.TELEGRAM).save(path, "TIFF", dpi=(300, 300), compression=None)
    assert path.stat().st_size > 8 * 2**20 and Image.open(path).size == (2480, 3508)
    obj = upload(s3, "single/big.tif", path.read_bytes())
    assert obj["version_id"] == "null" and obj["etag"].endswith("-2")  # a multipart upload's
    notify(intake, minio_event(obj))
    [job] = wait_for_job(db, "single/big.tif")
    assert job["state"] == "published", job


def test_six_page_pdf_is_ocrd_page_parallel_in_order(tmp_path, s3, db, intake, workers) -> None:
    words = ["первая", "вторая", "третья", "четвертая", "пятая", "шестая"]
    texts = [f"Страница {w}.\n\nПродолжение протокола заседания комиссии.\n" for w in words]
    key = "single/six.pdf"
    notify(intake, minio_event(upload(s3, key, scans.pdf(tmp_path / "six.pdf", texts).read_bytes())))
    [job] = wait_for_job(db, key, timeout=180)
    assert job["state"] == "published" and job["page_count"] == 6
    record = db.execute("SELECT record FROM documents WHERE id = %s", (record_id(source_uri(key)),)).fetchone()["record"]
    pages = record["ocr"]["pages"]
    assert [p["number"] for p in pages] == [1, 2, 3, 4, 5, 6]
    assert all(w in p["text"].lower() for w, p in zip(words, pages, strict=True)), [p["text"] for p in pages]
    assert record["text"].count("\f") == 5


def test_reconciler_sends_again_a_job_whose_task_was_lost_and_leaves_a_waiting_one(tmp_path, s3, db, workers, stack_env) -> None:
    """GIVEN a job written to the ledger whose task never reached the broker (the intake
    died before its batch was sent) WHEN `delo reconcile` runs THEN it is queued again and published."""
    import subprocess

    from workers.ledger import jobs as ledger

    key = "single/lost-task.png"
    obj = upload(s3, key, png_bytes(tmp_path))
    job_id, created = ledger.create(db, "scans", key, etag=obj["etag"], size=obj["size"], queued=True)
    assert created
    # and one as old that the broker still holds (a job waiting behind a long drop): left alone
    waiting, _ = ledger.create(db, "scans", "single/waiting.png", etag="w1", queued=True)
    redis.Redis.from_url(stack_env["DELO_REDIS_URL"]).hset("delo:in-broker", str(waiting), "1")
    db.execute("UPDATE jobs SET state_changed_at = now() - interval '1 hour' WHERE id = ANY(%s)", ([job_id, waiting],))
    proc = subprocess.run([str(BIN / "delo"), "reconcile", "--json"], capture_output=True, text=True,
                          env={**stack_env, "DELO_STUCK_AFTER_SECONDS": "600"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["resent_lost"] >= 1
    [job] = wait_for_job(db, key)
    assert job["state"] == "published" and job["attempts"] == 2
    assert (job_row(db, waiting)["state"], job_row(db, waiting)["attempts"]) == ("queued", 1)
    ledger.transition(db, waiting, "failed", failure=("INTERNAL", "made by the test"))



def test_object_store_outage_is_retried_not_failed(tmp_path, s3, db, intake, workers, s3_proxy) -> None:
    """GIVEN the object store stops answering the workers WHEN a job starts THEN its task is
    retried with backoff, the job does not fail, and it is published once the store is back."""
    from tests.stack.conftest import wait_until

    key = "single/outage.png"
    obj = upload(s3, key, png_bytes(tmp_path))
    seen = workers.log.stat().st_size
    s3_proxy.cut()
    try:
        notify(intake, minio_event(obj))
        # the first download fails and the worker schedules a retry (the backoff is jittered,
        # so the test waits for the retry itself rather than for a fixed time)
        retry = re.compile(rb"delo\.start\[[^\]]+\] retry: Retry in")
        wait_until(lambda: retry.search(workers.log.read_bytes()[seen:]), timeout=60, what="a retry")
        job = db.execute("SELECT state FROM jobs WHERE key = %s", (key,)).fetchone()
        assert job["state"] in ("queued", "ocr")
    finally:
        s3_proxy.restore()
    [job] = wait_for_job(db, key, timeout=120)
    assert job["state"] == "published" and job["failure_code"] is None


@pytest.mark.parametrize("body", [
    [], "a string", 5, {"Records": "x"}, {"Records": [None]},
    {"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {"bucket": {"name": "scans"}, "object": {"key": 12}}}]},
    {"Records": [{"eventName": "s3:ObjectCreated:Put",
                  "s3": {"bucket": {"name": "scans"}, "object": {"key": "single/never-uploaded.png", "size": "big"}}}]},
])
def test_malformed_events_are_never_a_server_error(intake, body) -> None:
    """GIVEN a body no MinIO should send WHEN posted THEN 2xx (MinIO retries anything else for ever)."""
    response = httpx.post(f"{intake}/minio/events", json=body, headers={"Authorization": "Bearer test-token"})
    assert 200 <= response.status_code < 300, response.text


def test_events_of_other_buckets_start_nothing(tmp_path, s3, db, intake) -> None:
    obj = upload(s3, "single/elsewhere.png", png_bytes(tmp_path))
    answer = notify(intake, minio_event(obj, bucket="records")).json()
    assert answer == {"jobs": [], "already_known": 0, "other_buckets": 1}
    assert db.execute("SELECT count(*) AS n FROM jobs WHERE bucket = 'records'").fetchone()["n"] == 0


def test_an_oversized_event_body_is_refused_unread(intake) -> None:
    response = httpx.post(f"{intake}/minio/events", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                          headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"})
    assert response.status_code == 413


def test_concurrent_duplicate_events_make_one_job(tmp_path, s3, db, intake) -> None:
    """GIVEN one event posted by 16 threads at once WHEN they race THEN all 2xx and one job."""
    from concurrent.futures import ThreadPoolExecutor

    key = "single/raced.png"
    event = minio_event(upload(s3, key, png_bytes(tmp_path)))
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: notify(intake, event), range(16)))
    assert [a.status_code for a in answers] == [200] * 16
    assert sum(len(a.json()["jobs"]) for a in answers) == 1
    assert db.execute("SELECT count(*) AS n FROM jobs WHERE key = %s", (key,)).fetchone()["n"] == 1


def test_a_key_with_a_dot_dot_segment_fails_its_job_with_a_named_code(db, intake, workers) -> None:
    """S3 stores `a/../b.png`; the SDK will not ask for it. Its job fails as INVALID_KEY (the
    upload's fault, not delo's INTERNAL), naming the key."""
    key = "single/../escape.png"
    notify(intake, minio_event({"key": key, "etag": "0" * 32, "size": 10}))
    [job] = wait_for_job(db, key, timeout=60)
    assert (job["state"], job["failure_code"]) == ("failed", "INVALID_KEY")
    assert key in job["failure_message"]


def test_an_object_over_the_size_limit_is_refused_before_it_is_downloaded(tmp_path, s3, db, intake, workers,
                                                                         stack_env) -> None:
    """The event carries the object's size: a job over DELO_MAX_FILE_BYTES fails as
    FILE_TOO_LARGE without the worker fetching a byte of it."""
    from pathlib import Path

    key = "single/claims-to-be-huge.png"
    obj = upload(s3, key, png_bytes(tmp_path))
    notify(intake, minio_event({**obj, "size": 600 * 2**20}))
    [job] = wait_for_job(db, key, timeout=60)
    assert (job["state"], job["failure_code"]) == ("failed", "FILE_TOO_LARGE")
    assert key in job["failure_message"] and "600 MiB" in job["failure_message"]
    from workers.tasks.resources import cache_path

    assert cache_path(job).parent == Path(stack_env["DELO_CACHE_DIR"])
    assert not cache_path(job).exists()  # never fetched


def test_the_stack_and_delo_ingest_give_the_same_record(tmp_path, s3, db, intake, workers, stack_env) -> None:
    """One chain for both drivers: a two-page PDF of a drop with a manifest, through the
    stack and through the embedded pipeline, gives byte-identical `record` objects (the
    archival reference from the manifest included)."""
    from workers.config import get_settings
    from workers.drops import read_manifest
    from workers.pipeline import process_file

    manifest = {"files": ["two.pdf"], "archive": "АП РФ", "fond": "3", "opis": "65", "delo": "840"}
    data = json.dumps(manifest, ensure_ascii=False).encode()
    notify(intake, minio_event(upload(s3, "drops/same/manifest.json", data)))
    pdf = scans.pdf(tmp_path / "two.pdf", ["ТЕЛЕГРАММА\n\nТоварищу Штыкову\n\nСообщите о ходе переговоров.\n",
                                            "Прошу ответить до 5 мая 1949 г.\n\nВышинский\n"])
    key = "drops/same/two.pdf"
    notify(intake, minio_event(upload(s3, key, pdf.read_bytes())))
    [job] = wait_for_job(db, key, timeout=120)
    assert job["state"] == "published", job
    stacked = db.execute("SELECT record FROM documents WHERE id = %s", (job["record_id"],)).fetchone()["record"]
    [embedded] = process_file(pdf, get_settings(), drop="same", manifest=read_manifest("manifest.json", data))
    assert stacked["record"]["archival_references"][0]["fond"] == "3"
    assert json.dumps(embedded["record"], ensure_ascii=False, sort_keys=True) == \
        json.dumps(stacked["record"], ensure_ascii=False, sort_keys=True)
    assert embedded["warnings"] == stacked["warnings"] and embedded["text"] == stacked["text"]


def test_the_reconciler_lists_a_slice_a_run_and_starts_over_at_the_end(tmp_path, s3, db, stack_env) -> None:
    """GIVEN objects no event announced WHEN beat's reconciler runs with slices of two
    objects THEN each run lists two, from where the last stopped, checking those keys
    alone, and every unseen object gets its job within one pass of the bucket; `whole`
    (what `delo reconcile` runs) goes through everything at once."""
    from workers.config import get_settings
    from workers.reconcile import CURSOR, reconcile

    keys = [f"zz-slices/{n}.png" for n in range(3)]  # the last keys of the bucket
    for key in keys:
        upload(s3, key, png_bytes(tmp_path))
    broker = redis.Redis.from_url(stack_env["DELO_REDIS_URL"])
    broker.delete(CURSOR)
    settings = get_settings().model_copy(update={"reconcile_batch": 2, "stuck_after_seconds": 10**6})
    sent: list[int] = []
    listed, runs = 0, 0
    while True:
        result = reconcile(db, s3, broker, settings, sent.append)
        runs, listed = runs + 1, listed + result["listed"]
        assert result["listed"] <= 2
        if broker.get(CURSOR) == b"":  # the end of the bucket: the next run starts over
            break
    assert runs > 1 and listed == sum(1 for _ in s3.list_objects("scans", recursive=True))
    assert {job_row(db, j)["key"] for j in sent} >= set(keys)
    assert reconcile(db, s3, broker, settings, sent.append, whole=True)["unseen_objects"] == 0
