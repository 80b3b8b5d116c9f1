"""The review queue and a person's correction (workers/review.py, the dashboard's /review
and /documents/ID/correct): a record the machine read poorly is listed, an operator
corrects it, delo publishes it again with the same id and a revision, search finds the
correction, the ledger says who did it, and a replay does not undo it."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import httpx
import pytest
import redis

from tests import scans
from tests.stack.helpers import source_uri
from workers.config import get_settings
from workers.ocr import ocr_file
from workers.ocr.stage import open_source
from workers.outputs.pdf import SourcePage
from workers.pipeline import finish
from workers.publish import outputs_sink, publish
from workers.stores import objectstore, postgres

pytestmark = pytest.mark.stack
VIEWER = {"Authorization": "Bearer test-viewer"}
OPERATOR = {"Authorization": "Bearer test-operator"}
KEY = "drops/review-drop/telegram.png"


def read_poorly(tmp_path, stack_env, key: str = KEY) -> dict:
    """A telegram whose reading the machine was unsure of: read for real, then its page's
    confidence lowered and its signatory's surname misread (ВЫШИНСКИИ), as a poor scan
    would give; published through the stack's own publish step."""
    settings = get_settings()
    path = scans.png(tmp_path / "telegram.png")
    reading = ocr_file(path, settings)
    page = reading.pages[0]
    page = replace(page, confidence=41.0, text=page.text.replace("ВЫШИНСКИЙ", "ВЫШИНСКИИ"),
                   words=tuple((w[0].replace("ВЫШИНСКИЙ", "ВЫШИНСКИИ"), min(w[1], 41.0), *w[2:]) for w in page.words))
    s3 = objectstore.client(settings)
    objectstore.put_bytes(s3, "scans", key, path.read_bytes(), "image/png")  # what the viewer shows
    [record] = finish(open_source(path, settings), [page], uri=source_uri(key), version="v-review", drop="review-drop",
                      manifest=None, settings=settings, sink=outputs_sink(s3, settings),
                      sources=[SourcePage(path, "png", 1)])
    with postgres.connect(stack_env["DELO_DATABASE_URL"]) as db:
        db.execute("INSERT INTO jobs (bucket, key, version, etag, drop_name, state) VALUES "
                   "('scans', %s, 'v-review', 'v-review', 'review-drop', 'published') ON CONFLICT DO NOTHING", (key,))
        publish([record], db=db, s3=s3, stream=redis.Redis.from_url(stack_env["DELO_STREAM_REDIS_URL"]),
                settings=settings)
    return record


def test_an_operator_corrects_a_poorly_read_record_and_a_replay_keeps_it(tmp_path, dashboard, stack_env, db) -> None:
    record = read_poorly(tmp_path, stack_env)
    assert [p["name"] for p in record["record"]["signatories"]] != ["Вышинский"]

    listed = httpx.get(f"{dashboard}/review", headers=VIEWER).text
    assert f'id="review-{record["id"]}"' in listed and "low confidence" in listed and "review-drop" in listed
    metrics = httpx.get(f"{dashboard}/metrics").text
    [awaiting] = [line.split()[1] for line in metrics.splitlines() if line.startswith("delo_pages_awaiting_review ")]
    assert float(awaiting) >= 1

    form = {"by": "Н. Архивова", "text": record["text"].replace("ВЫШИНСКИИ", "ВЫШИНСКИЙ"), "document_type": "telegram",
            "date": record["record"]["date"] or "", "registration_number": ""}
    # a viewer may look, not save
    assert httpx.post(f"{dashboard}/documents/{record['id']}/correct", data=form, headers=VIEWER).status_code == 403
    saved = httpx.post(f"{dashboard}/documents/{record['id']}/correct", data=form, headers=OPERATOR)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")

    stored = db.execute("SELECT record, revision FROM documents WHERE id = %s", (record["id"],)).fetchone()
    assert stored["revision"] == 1
    assert [p["name"] for p in stored["record"]["record"]["signatories"]] == ["Вышинский"]
    assert stored["record"]["revision"]["by"] == "Н. Архивова"
    s3 = objectstore.client(get_settings())
    assert json.loads(objectstore.read(s3, "records", f"{record['id']}.json")) == stored["record"]
    kept = db.execute("SELECT revision, by FROM record_revisions WHERE record_id = %s ORDER BY revision",
                      (record["id"],)).fetchall()
    assert [(r["revision"], r["by"]) for r in kept] == [(0, "delo"), (1, "Н. Архивова")]
    assert f'id="review-{record["id"]}"' not in httpx.get(f"{dashboard}/review", headers=VIEWER).text
    events = db.execute("SELECT e.state, e.detail FROM job_events e JOIN jobs j ON j.id = e.job_id "
                        "WHERE j.key = %s ORDER BY e.id", (KEY,)).fetchall()
    assert events[-1]["state"] == "corrected" and events[-1]["detail"]["by"] == "Н. Архивова"
    found = httpx.get(f"{dashboard}/documents", params={"q": "Вышинский"}, headers=VIEWER).text
    assert f'href="/documents/{record["id"]}' in found

    # the machine reads the file again (a replay): the person's correction stands ...
    read_poorly(tmp_path, stack_env)
    again = db.execute("SELECT record, revision FROM documents WHERE id = %s", (record["id"],)).fetchone()
    assert again["revision"] == 1 and again["record"] == stored["record"]
    # ... unless the replay is asked to overwrite it
    with postgres.connect(stack_env["DELO_DATABASE_URL"]) as conn:
        publish([record], db=conn, s3=s3, stream=redis.Redis.from_url(stack_env["DELO_STREAM_REDIS_URL"]),
                settings=get_settings(), overwrite_corrections=True)
    assert db.execute("SELECT revision FROM documents WHERE id = %s", (record["id"],)).fetchone()["revision"] == 0


def test_a_correction_that_breaks_the_contract_is_refused(tmp_path, dashboard, stack_env) -> None:
    record = read_poorly(tmp_path, stack_env)
    form = {"by": "x", "date": "шестое марта"}
    refused = httpx.post(f"{dashboard}/documents/{record['id']}/correct", data=form, headers=OPERATOR)
    assert refused.status_code == 400 and "not saved" in refused.text


def test_in_the_browser_an_operator_corrects_a_misread_surname_from_review(tmp_path, dashboard, stack_env,
                                                                           browser) -> None:
    from tests.stack.browser import logged_in, shot

    record = read_poorly(tmp_path, stack_env, "drops/review-drop/in-browser.png")
    context, page = logged_in(browser, dashboard, "test-viewer")  # a viewer sees, cannot save
    page.goto(f"{dashboard}/documents/{record['id']}")
    assert page.locator("form#correct").count() == 0
    context.close()

    context, page = logged_in(browser, dashboard, "test-operator")
    page.goto(f"{dashboard}/review")
    shot(page, "review")
    page.click(f"#review-{record['id']} a")
    page.wait_for_selector("#page-1 img")
    assert page.locator("#page-1 rect.w").count() >= 20 and page.locator("#page-1 rect.low").count() >= 20
    shot(page, "review-document")
    text = page.input_value("textarea[name=text]")
    page.fill("textarea[name=text]", text.replace("ВЫШИНСКИИ", "ВЫШИНСКИЙ"))
    page.fill("input[name=by]", "Н. Архивова")
    page.click("form#correct button[type=submit]")
    page.wait_for_selector("#saved")
    assert "corrected by Н. Архивова" in page.inner_text("#revision")

    page.goto(f"{dashboard}/documents")
    page.fill("input[name=q]", "Вышинский")
    page.click("button[type=submit]")
    assert page.locator(f"a[href^='/documents/{record['id']}']").count() == 1
    context.close()


def test_an_operator_replays_a_job_with_another_language_and_the_record_says_so(tmp_path, s3, db, intake, workers,
                                                                                 dashboard) -> None:
    from tests.stack.helpers import minio_event, notify, upload, wait_for_job

    key = "drops/languages/telegram.png"
    notify(intake, minio_event(upload(s3, key, scans.png(tmp_path / "t.png").read_bytes())))
    [job] = wait_for_job(db, key)
    assert job["state"] == "published"
    form = {"languages": "rus", "preprocess": "none"}
    assert httpx.post(f"{dashboard}/jobs/{job['id']}/replay", data=form, headers=VIEWER).status_code == 403
    assert httpx.post(f"{dashboard}/jobs/{job['id']}/replay", data={"languages": "klingon"},
                      headers=OPERATOR).status_code == 400
    replayed = httpx.post(f"{dashboard}/jobs/{job['id']}/replay", data=form, headers=OPERATOR)
    assert replayed.status_code == 303
    [job] = wait_for_job(db, key)
    assert job["state"] == "published" and job["attempts"] == 2 and job["replay_options"] == form
    record = db.execute("SELECT record FROM documents WHERE source_uri = %s", (source_uri(key),)).fetchone()["record"]
    assert (record["ocr"]["languages"], record["ocr"]["preprocess"]) == ("rus", "none")
    assert record["ocr"]["pages"][0]["preprocessing"] == []  # the page went to tesseract as scanned
    shown = httpx.get(f"{dashboard}/documents/{record['id']}", headers=VIEWER).text
    assert "rus · pages as scanned" in shown


def test_a_drops_manifest_names_its_languages_and_a_failed_files_page_says_each_pages_outcome(
        tmp_path, s3, db, intake, workers, dashboard) -> None:
    from PIL import Image

    from samples.synthetic import render_page
    from tests.stack.helpers import minio_event, notify, upload, wait_for_job

    manifest = {"files": ["ok.png", "two.tif"], "ocr": {"languages": "rus+eng"}}
    notify(intake, minio_event(upload(s3, "drops/rus-eng/manifest.json", json.dumps(manifest).encode())))
    notify(intake, minio_event(upload(s3, "drops/rus-eng/ok.png", scans.png(tmp_path / "ok.png").read_bytes())))
    [job] = wait_for_job(db, "drops/rus-eng/ok.png")
    record = db.execute("SELECT record FROM documents WHERE source_uri = %s",
                        (source_uri("drops/rus-eng/ok.png"),)).fetchone()["record"]
    assert record["ocr"]["languages"] == "rus+eng"
    # page 2 of this TIFF is over the pixel limit: the file fails, and its page says which page did
    path = tmp_path / "two.tif"
    first, huge = render_page(scans.TELEGRAM).convert("1"), Image.new("1", (9500, 9500), 1)
    first.save(path, "TIFF", save_all=True, append_images=[huge], compression="group4", dpi=(300, 300))
    notify(intake, minio_event(upload(s3, "drops/rus-eng/two.tif", path.read_bytes())))
    [job] = wait_for_job(db, "drops/rus-eng/two.tif")
    assert job["state"] == "failed" and job["failure_code"] == "IMAGE_TOO_LARGE"
    shown = httpx.get(f"{dashboard}/jobs/{job['id']}", headers=VIEWER).text
    outcomes = shown[shown.index('id="page-outcomes"'):]
    assert "failed: IMAGE_TOO_LARGE" in outcomes and "read (" in outcomes


def test_the_json_api_does_what_the_pages_do_and_openapi_describes_it(tmp_path, dashboard, stack_env, db) -> None:
    """A team's own review tool: find the record in the review queue, read its pages' words,
    correct it, read it back; a viewer's token reads but may not correct; the API is in
    the OpenAPI document."""
    record = read_poorly(tmp_path, stack_env, "drops/review-drop/by-api.png")
    queue = httpx.get(f"{dashboard}/api/review", headers=VIEWER).json()["records"]
    assert record["id"] in [r["id"] for r in queue]
    pages = httpx.get(f"{dashboard}/api/documents/{record['id']}/pages", params={"q": "телеграмма"},
                      headers=VIEWER).json()["pages"]
    [page] = pages
    assert page["image"] == f"/documents/{record['id']}/pages/1.jpg" and len(page["words"]) >= 20
    assert all(w["low"] for w in page["words"]) and any(w["hit"] for w in page["words"])
    misread = next(w for w in page["words"] if w["text"] == "А.ВЫШИНСКИИ")
    assert misread["w"] > 0 and misread["h"] > 0

    body = {"by": "script", "text": record["text"].replace("ВЫШИНСКИИ", "ВЫШИНСКИЙ")}
    assert httpx.post(f"{dashboard}/api/documents/{record['id']}/correct", json=body, headers=VIEWER).status_code == 403
    saved = httpx.post(f"{dashboard}/api/documents/{record['id']}/correct", json=body, headers=OPERATOR)
    assert saved.status_code == 200, saved.text
    assert [p["name"] for p in saved.json()["record"]["record"]["signatories"]] == ["Вышинский"]
    back = httpx.get(f"{dashboard}/api/documents/{record['id']}", headers=VIEWER).json()
    assert back["record"] == saved.json()["record"] and back["revisions"][-1]["by"] == "script"
    assert httpx.post(f"{dashboard}/api/documents/{record['id']}/correct", json={"by": "x", "date": "вчера"},
                      headers=OPERATOR).status_code == 400

    spec = httpx.get(f"{dashboard}/openapi.json").json()
    assert {"/api/review", "/api/documents", "/api/documents/{doc_id}", "/api/documents/{doc_id}/pages",
            "/api/documents/{doc_id}/correct", "/api/jobs", "/api/jobs/{job_id}/replay"} <= set(spec["paths"])


def test_in_the_browser_an_operator_replays_a_job_with_another_language(tmp_path, s3, db, intake, workers, dashboard,
                                                                       browser) -> None:
    from tests.stack.browser import logged_in, shot
    from tests.stack.helpers import minio_event, notify, upload, wait_for_job

    key = "drops/languages/in-browser.png"
    notify(intake, minio_event(upload(s3, key, scans.png(tmp_path / "t.png").read_bytes())))
    [job] = wait_for_job(db, key)
    context, page = logged_in(browser, dashboard, "test-operator")
    page.goto(f"{dashboard}/jobs/{job['id']}")
    assert page.locator(".sheet rect.w").count() >= 20  # the job's page shows its pages, words outlined
    page.fill("#replay-with input[name=languages]", "rus")
    page.click("#replay-with button[type=submit]")
    page.wait_for_selector("#job-state:text('published')", timeout=90_000)
    page.reload()
    assert "its last replay asked for languages rus" in page.inner_text("body")
    page.click("text=open")
    assert "rus · pages preprocessed" in page.inner_text("body")
    shot(page, "replayed-with-rus")
    context.close()


def test_a_replay_keeps_a_persons_correction_unless_asked_not_to(tmp_path, s3, db, intake, workers, dashboard) -> None:
    from tests.stack.helpers import minio_event, notify, upload, wait_for_job
    from workers.pipeline import record_id

    key = "drops/corrected/telegram.png"
    notify(intake, minio_event(upload(s3, key, scans.png(tmp_path / "t.png").read_bytes())))
    [job] = wait_for_job(db, key)
    doc_id = record_id(source_uri(key))
    saved = httpx.post(f"{dashboard}/api/documents/{doc_id}/correct", json={"by": "Н. А.", "registration_number": "7"},
                       headers=OPERATOR)
    assert saved.status_code == 200

    def replay(**asked) -> dict:
        attempts = db.execute("SELECT attempts FROM jobs WHERE id = %s", (job["id"],)).fetchone()["attempts"]
        assert httpx.post(f"{dashboard}/api/jobs/{job['id']}/replay", json=asked, headers=OPERATOR).status_code == 200
        for _ in range(600):
            row = db.execute("SELECT state, attempts FROM jobs WHERE id = %s", (job["id"],)).fetchone()
            if row["attempts"] > attempts and row["state"] == "published":
                break
            time.sleep(0.2)
        return db.execute("SELECT revision, record FROM documents WHERE id = %s", (doc_id,)).fetchone()

    kept = replay()
    assert kept["revision"] == 1 and kept["record"]["record"]["registration_number"] == "7"
    replaced = replay(overwrite_corrections=True)
    assert replaced["revision"] == 0 and replaced["record"]["record"]["registration_number"] is None
    assert "revision" not in replaced["record"]


def test_a_selection_of_failures_is_replayed_with_other_settings(tmp_path, s3, db, intake, workers, dashboard) -> None:
    from tests.stack.helpers import minio_event, notify, upload, wait_for_job

    key = "drops/languages/broken.pdf"
    notify(intake, minio_event(upload(s3, key, scans.corrupt_pdf(tmp_path / "broken.pdf").read_bytes())))
    [job] = wait_for_job(db, key)
    assert job["state"] == "failed"
    answer = httpx.post(f"{dashboard}/failures/replay", data={"job_id": job["id"], "languages": "rus+eng",
                                                             "preprocess": "none"}, headers=OPERATOR)
    assert answer.status_code == 200 and answer.json()["replayed"] == 1
    row = db.execute("SELECT replay_options FROM jobs WHERE id = %s", (job["id"],)).fetchone()
    assert row["replay_options"] == {"languages": "rus+eng", "preprocess": "none"}
    refused = httpx.post(f"{dashboard}/failures/replay", data={"job_id": job["id"], "languages": "rus+klingon"},
                         headers=OPERATOR)
    assert refused.status_code == 400
